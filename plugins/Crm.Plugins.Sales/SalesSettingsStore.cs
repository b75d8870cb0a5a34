using System.Text.Json;
using System.Text.Json.Serialization;
using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Tenancy;

namespace Crm.Plugins.Sales;

/// <summary>
/// Reads and writes the tenant's sales configuration (stages, assignment rules), kept as JSON in one
/// <see cref="SalesEntities.SalesSettings"/> record so a change is one atomic, audited write. Configuration is read as
/// the module (system context): every user's opportunities and leads follow the same stages and rules.
/// </summary>
internal sealed class SalesSettingsStore(ICrmEngine engine)
{
    public const string RecordName = "default";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public ICrmTenant System(string tenantId) => engine.ForTenant(CallerContext.System(tenantId, SalesPlugin.Id));

    public async Task<CrmRecord?> ReadRecordAsync(string tenantId, CancellationToken cancellationToken)
    {
        var page = await System(tenantId).Records.QueryAsync(
            RecordQuery.For(SalesEntities.SalesSettings).Where(SalesSettingsFields.Name, RecordName).Take(1), cancellationToken).ConfigureAwait(false);
        return page.Records.Count > 0 ? page.Records[0] : null;
    }

    public async Task<IReadOnlyList<SalesStage>> StagesAsync(string tenantId, CancellationToken cancellationToken)
    {
        var record = await ReadRecordAsync(tenantId, cancellationToken).ConfigureAwait(false);
        return record?.Text(SalesSettingsFields.Stages) is { Length: > 0 } json
            ? JsonSerializer.Deserialize<List<SalesStage>>(json, Json) ?? [.. SalesStage.Defaults]
            : SalesStage.Defaults;
    }

    public async Task<IReadOnlyList<LeadAssignmentRule>> RulesAsync(string tenantId, CancellationToken cancellationToken)
    {
        var record = await ReadRecordAsync(tenantId, cancellationToken).ConfigureAwait(false);
        return record?.Text(SalesSettingsFields.AssignmentRules) is { Length: > 0 } json
            ? JsonSerializer.Deserialize<List<LeadAssignmentRule>>(json, Json) ?? []
            : [];
    }

    /// <summary>Writes one setting through the caller's record API (so the change is checked and audited as theirs).</summary>
    public async Task WriteAsync(ICrmTenant tenant, string field, object value, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.Serialize(value, Json);
        var existing = await ReadRecordAsync(tenant.TenantId, cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            await tenant.Records.CreateAsync(SalesEntities.SalesSettings, new Dictionary<string, object?> { [SalesSettingsFields.Name] = RecordName, [field] = json }, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await tenant.Records.UpdateAsync(SalesEntities.SalesSettings, existing.Id, existing.Version, new Dictionary<string, object?> { [field] = json }, cancellationToken).ConfigureAwait(false);
        }
    }

    public static SalesStage FindStage(IReadOnlyList<SalesStage> stages, string entityType, string field, string name) =>
        stages.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.Ordinal))
        ?? throw new CrmValidationException(new CrmValidationError(
            entityType, field, name, "unknown_stage",
            $"'{name}' is not an opportunity stage of this tenant; the stages are: {string.Join(", ", stages.Select(s => s.Name))}."));
}
