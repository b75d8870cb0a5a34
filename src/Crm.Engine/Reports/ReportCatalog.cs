using System.Globalization;
using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Reports;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Engine.Reports;

/// <summary>
/// The engine's reports: every <see cref="ReportRegistration"/> of the core and the plugins, created once from the
/// engine's services on first use. Runs a report as the caller, with its text parameters converted and checked.
/// </summary>
internal sealed class ReportCatalog(IServiceProvider services, IEnumerable<ReportRegistration> registrations, TimeProvider clock) : IReportCatalog
{
    private const string ReportEntity = "report";
    private readonly Lazy<IReadOnlyDictionary<string, (IReport Report, ReportDefinition Definition)>> _reports =
        new(() => Build(services, registrations), LazyThreadSafetyMode.ExecutionAndPublication);

    public IReadOnlyList<ReportDefinition> Reports => [.. _reports.Value.Values.Select(r => r.Definition).OrderBy(d => d.Name, StringComparer.Ordinal)];

    public async Task<ReportResult> RunAsync(ICrmTenant tenant, string report, IReadOnlyDictionary<string, string?>? parameters = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentException.ThrowIfNullOrWhiteSpace(report);
        if (!_reports.Value.TryGetValue(report, out var entry))
        {
            var suggestion = Suggestions.Closest(report, _reports.Value.Keys);
            throw new CrmValidationException(new CrmValidationError(ReportEntity, null, report, "unknownReport",
                $"There is no report '{report}'.{(suggestion is null ? string.Empty : $" Did you mean '{suggestion}'?")} Reports: {string.Join(", ", _reports.Value.Keys.Order(StringComparer.Ordinal))}."));
        }

        var definition = entry.Definition;
        var values = ConvertParameters(definition, parameters ?? new Dictionary<string, string?>());
        var now = clock.GetUtcNow();
        var result = await entry.Report.RunAsync(new ReportContext(tenant, values, now), cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < result.Rows.Count; i++)
        {
            if (result.Rows[i].Count != result.Columns.Count)
            {
                throw new InvalidOperationException($"Report '{definition.Name}' ({definition.Module}) returned row {i + 1} with {result.Rows[i].Count} values for {result.Columns.Count} columns.");
            }
        }

        return result with { Report = definition.Name, Title = definition.Title, GeneratedAt = now, Parameters = values };
    }

    private static Dictionary<string, object?> ConvertParameters(ReportDefinition definition, IReadOnlyDictionary<string, string?> given)
    {
        var errors = new List<CrmValidationError>();
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        var known = definition.Parameters.ToDictionary(p => p.Name, StringComparer.Ordinal);
        foreach (var (name, text) in given)
        {
            if (!known.TryGetValue(name, out var parameter))
            {
                var suggestion = Suggestions.Closest(name, known.Keys);
                errors.Add(new CrmValidationError(ReportEntity, name, text, "unknownParameter",
                    $"Report '{definition.Name}' has no parameter '{name}'.{(suggestion is null ? string.Empty : $" Did you mean '{suggestion}'?")}" +
                    (known.Count == 0 ? " It takes none." : $" Parameters: {string.Join(", ", known.Keys)}.")));
                continue;
            }

            if (text is null)
            {
                continue;                                                   // not given
            }

            if (string.IsNullOrWhiteSpace(text))
            {
                errors.Add(new CrmValidationError(ReportEntity, name, text, "invalidParameter",
                    $"Parameter '{name}' of report '{definition.Name}' is given without a value; leave it out to use its default."));
                continue;
            }

            if (TryConvert(parameter.Type, text.Trim(), out var value, out var expected))
            {
                values[name] = value;
            }
            else
            {
                errors.Add(new CrmValidationError(ReportEntity, name, text, "invalidParameter",
                    $"Parameter '{name}' of report '{definition.Name}' must be {expected}; '{text}' is not."));
            }
        }

        foreach (var parameter in definition.Parameters.Where(p => p.Required && !values.ContainsKey(p.Name)))
        {
            if (!errors.Any(e => e.Field == parameter.Name))
            {
                errors.Add(new CrmValidationError(ReportEntity, parameter.Name, null, "required",
                    $"Report '{definition.Name}' needs parameter '{parameter.Name}': {parameter.Description}"));
            }
        }

        return errors.Count == 0 ? values : throw new CrmValidationException(errors);
    }

    private static bool TryConvert(FieldType type, string text, out object? value, out string expected)
    {
        var culture = CultureInfo.InvariantCulture;
        (value, expected) = (null, string.Empty);
        switch (type)
        {
            case FieldType.Number:
            case FieldType.Money:
                expected = "a number (e.g. 30 or 12.5)";
                if (decimal.TryParse(text, NumberStyles.Number, culture, out var number))
                {
                    value = number;
                }

                break;
            case FieldType.Date:
                expected = "a date as yyyy-MM-dd";
                if (DateOnly.TryParseExact(text, "yyyy-MM-dd", culture, DateTimeStyles.None, out var date))
                {
                    value = date;
                }

                break;
            case FieldType.DateTime:
                expected = "an instant as yyyy-MM-ddTHH:mm[:ss] with an offset or Z";
                if (DateTimeOffset.TryParse(text, culture, DateTimeStyles.AssumeUniversal, out var instant))
                {
                    value = instant;
                }

                break;
            case FieldType.Bool:
                expected = "true or false";
                if (bool.TryParse(text, out var flag))
                {
                    value = flag;
                }

                break;
            default:
                value = text;
                break;
        }

        return value is not null;
    }

    private static Dictionary<string, (IReport, ReportDefinition)> Build(IServiceProvider services, IEnumerable<ReportRegistration> registrations)
    {
        var reports = new Dictionary<string, (IReport, ReportDefinition)>(StringComparer.Ordinal);
        foreach (var registration in registrations)
        {
            if (!typeof(IReport).IsAssignableFrom(registration.ReportType) || registration.ReportType.IsAbstract)
            {
                throw new CrmConfigurationException($"Plugin '{registration.PluginId}' registered report type '{registration.ReportType.FullName}', which is not a concrete {nameof(IReport)}.");
            }

            var report = (IReport)ActivatorUtilities.CreateInstance(services, registration.ReportType);
            var definition = report.Definition with { Module = registration.PluginId };
            if (string.IsNullOrWhiteSpace(definition.Name))
            {
                throw new CrmConfigurationException($"Plugin '{registration.PluginId}' registered report type '{registration.ReportType.FullName}' without a name.");
            }

            if (reports.TryGetValue(definition.Name, out var existing))
            {
                throw new CrmConfigurationException($"Report '{definition.Name}' is registered twice: by '{existing.Item2.Module}' and by '{registration.PluginId}'.");
            }

            reports[definition.Name] = (report, definition);
        }

        return reports;
    }
}
