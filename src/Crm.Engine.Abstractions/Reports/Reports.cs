using System.Diagnostics.CodeAnalysis;
using Crm.Engine.Abstractions.Metadata;

namespace Crm.Engine.Abstractions.Reports;

/// <summary>A parameter a report takes, e.g. <c>days</c> or <c>from</c>.</summary>
/// <param name="Name">The parameter's name (camelCase), as given on the command line: <c>--param days=30</c>.</param>
/// <param name="Type">The value's type; the catalog converts and checks the given text before the report runs.</param>
/// <param name="Required">Whether it must be given.</param>
/// <param name="Description">What it means.</param>
public sealed record ReportParameter(string Name, FieldType Type, bool Required, string Description);

/// <summary>What a report is: its name, title and parameters. Registered by the core or a plugin.</summary>
public sealed record ReportDefinition
{
    /// <summary>The report's name, unique in an engine, e.g. <c>service.complaintStatus</c> (module prefix, camelCase).</summary>
    public required string Name { get; init; }

    /// <summary>The report's title.</summary>
    public required string Title { get; init; }

    /// <summary>What the report shows.</summary>
    public string? Description { get; init; }

    /// <summary>The parameters it takes.</summary>
    public IReadOnlyList<ReportParameter> Parameters { get; init; } = [];

    /// <summary>The registering module's id (set by the engine).</summary>
    public string Module { get; init; } = "core";
}

/// <summary>One column of a report's result.</summary>
/// <param name="Name">The column's key (camelCase), also its CSV and JSON name.</param>
/// <param name="Label">The column's heading.</param>
/// <param name="Type">The values' type (numbers are <see cref="decimal"/> or <see cref="long"/>, dates <see cref="DateOnly"/>, instants <see cref="DateTimeOffset"/>).</param>
public sealed record ReportColumn(string Name, string Label, FieldType Type = FieldType.Text);

/// <summary>A report's result: a table, and optionally totals.</summary>
public sealed record ReportResult
{
    /// <summary>The report's name.</summary>
    public required string Report { get; init; }

    /// <summary>The report's title.</summary>
    public required string Title { get; init; }

    /// <summary>The columns.</summary>
    public required IReadOnlyList<ReportColumn> Columns { get; init; }

    /// <summary>The rows; each has one value per column, in column order.</summary>
    public required IReadOnlyList<IReadOnlyList<object?>> Rows { get; init; }

    /// <summary>Summary lines under the table (e.g. "SLA compliance: 92 %"), in order.</summary>
    public IReadOnlyList<KeyValuePair<string, object?>> Summary { get; init; } = [];

    /// <summary>When the report was run (the engine's clock).</summary>
    public DateTimeOffset GeneratedAt { get; init; }

    /// <summary>The parameter values it ran with, converted.</summary>
    public IReadOnlyDictionary<string, object?> Parameters { get; init; } = new Dictionary<string, object?>();
}

/// <summary>What a report runs with.</summary>
/// <param name="Tenant">The caller's view of the tenant: a report reads through it, so it shows only what the caller may see.</param>
/// <param name="Parameters">The parameter values, converted to their types (a missing optional parameter is absent).</param>
/// <param name="Now">The engine's clock at the start of the run.</param>
public sealed record ReportContext(ICrmTenant Tenant, IReadOnlyDictionary<string, object?> Parameters, DateTimeOffset Now)
{
    /// <summary>Gets a parameter's value, or a default when it was not given.</summary>
    /// <typeparam name="T">The parameter's type (<see cref="decimal"/>, <see cref="string"/>, <see cref="DateOnly"/>, <see cref="DateTimeOffset"/>, <see cref="bool"/>).</typeparam>
    /// <param name="name">The parameter's name.</param>
    /// <param name="defaultValue">The value when it was not given.</param>
    /// <returns>The value.</returns>
    [return: NotNullIfNotNull(nameof(defaultValue))]
    public T? Get<T>(string name, T? defaultValue = default) =>
        Parameters.TryGetValue(name, out var value) && value is T typed ? typed : defaultValue;
}

/// <summary>A report, registered with <see cref="Plugins.ICrmPluginBuilder.AddReport"/>. Created once, from the engine's services.</summary>
public interface IReport
{
    /// <summary>What the report is.</summary>
    ReportDefinition Definition { get; }

    /// <summary>Runs the report.</summary>
    /// <param name="context">The caller's tenant, the parameters and the time.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The result.</returns>
    Task<ReportResult> RunAsync(ReportContext context, CancellationToken cancellationToken);
}

/// <summary>A report type registered by a module (see <see cref="Plugins.ICrmPluginBuilder.AddReport"/>).</summary>
/// <param name="PluginId">The registering module.</param>
/// <param name="ReportType">The <see cref="IReport"/> implementation.</param>
public sealed record ReportRegistration(string PluginId, Type ReportType);

/// <summary>The engine's reports (a singleton in the engine's services): list them and run one for a caller.</summary>
public interface IReportCatalog
{
    /// <summary>Every registered report, by name.</summary>
    IReadOnlyList<ReportDefinition> Reports { get; }

    /// <summary>
    /// Runs a report as the tenant's caller. Parameters are given as text (as typed on a command line) and converted
    /// to their types; an unknown report or parameter, a missing required one or a value that does not convert is a
    /// <see cref="Errors.CrmValidationException"/> naming it.
    /// </summary>
    /// <param name="tenant">The caller's view of the tenant.</param>
    /// <param name="report">The report's name.</param>
    /// <param name="parameters">Parameter values as text, by name.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The result.</returns>
    Task<ReportResult> RunAsync(ICrmTenant tenant, string report, IReadOnlyDictionary<string, string?>? parameters = null, CancellationToken cancellationToken = default);
}
