using System.Text.Json;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Tenancy;
using Crm.Engine.Pipeline;
using Crm.Engine.Storage;
using Dapper;

namespace Crm.Engine.Metadata;

/// <summary>
/// A tenant's labels and custom fields. Every change bumps the tenant's metadata version in the same transaction,
/// so every engine process picks it up on its next operation.
/// </summary>
internal sealed class MetadataService(EngineRuntime runtime, CallerContext caller) : IMetadataService
{
    public async Task<IReadOnlyList<TenantEntity>> ListEntitiesAsync(CancellationToken cancellationToken = default) =>
        (await ReadAsync(cancellationToken).ConfigureAwait(false)).Entities.OrderBy(e => e.ApiName, StringComparer.Ordinal).ToList();

    public async Task<TenantEntity> GetEntityAsync(string entityType, CancellationToken cancellationToken = default) =>
        (await ReadAsync(cancellationToken).ConfigureAwait(false)).GetEntity(entityType);

    public async Task<TenantField> AddCustomFieldAsync(string entityType, FieldDefinition field, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(field);
        await using var scope = await OperationScope.BeginAsync(runtime, caller, cancellationToken).ConfigureAwait(false);
        scope.Access.Require(Abstractions.Security.TenantPrivilege.Customize, "changing metadata");
        var entity = scope.Metadata.GetEntity(entityType);
        var errors = new List<CrmValidationError>();
        if (!CrmRegistry.IsIdentifier(field.ApiName) || !field.ApiName.EndsWith("_c", StringComparison.Ordinal) || field.ApiName.Length < 3)
        {
            errors.Add(new CrmValidationError(entityType, field.ApiName, field.ApiName, "api_name",
                $"custom field API name '{field.ApiName}' is invalid: use lower camelCase letters and digits ending with _c (e.g. loyaltyTier_c), so it never clashes with a field a module adds later."));
        }
        else if (entity.FindField(field.ApiName) is not null)
        {
            errors.Add(new CrmValidationError(entityType, field.ApiName, field.ApiName, "duplicate", $"{entityType} already has a field '{field.ApiName}'; API names are unique and never reused."));
        }

        errors.AddRange(FieldRules.CheckDefinition(entityType, field));
        if (field.Type == FieldType.Lookup && field.LookupTarget is { } target && target != "*" && scope.Metadata.Entities.All(e => e.ApiName != target))
        {
            errors.Add(new CrmValidationError(entityType, field.ApiName, target, "lookup_target", $"look-up target '{target}' is not an entity type."));
        }

        if (field.ReadOnly)
        {
            errors.Add(new CrmValidationError(entityType, field.ApiName, null, "read_only", "custom fields cannot be read-only: only the engine maintains read-only fields."));
        }

        if (errors.Count > 0)
        {
            throw new CrmValidationException(errors);
        }

        var stored = field with { IsCustom = true, Label = field.Label ?? MetadataCache.Humanize(field.ApiName, field.Type) };
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO custom_fields (tenant_id, entity_type, api_name, definition, created_at) VALUES (@tenant, @entityType, @apiName, @definition, @at)",
            new { tenant = caller.TenantId, entityType, apiName = field.ApiName, definition = JsonSerializer.Serialize(stored, MetadataCache.Json), at = DbValues.FormatTime(runtime.Time.GetUtcNow()) },
            scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (stored.Indexed)
        {
            await scope.Connection.ExecuteAsync(new CommandDefinition(
                runtime.Storage.Dialect.CreateJsonFieldIndex(MetadataCache.IndexName(stored.ApiName), stored.ApiName), transaction: scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }

        await BumpAsync(scope, cancellationToken).ConfigureAwait(false);
        await scope.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new TenantField(stored, stored.Label!);
    }

    public async Task RenameFieldAsync(string entityType, string fieldApiName, string label, CancellationToken cancellationToken = default)
    {
        await using var scope = await OperationScope.BeginAsync(runtime, caller, cancellationToken).ConfigureAwait(false);
        scope.Access.Require(Abstractions.Security.TenantPrivilege.Customize, "changing metadata");
        var entity = scope.Metadata.GetEntity(entityType);
        FieldOf(entity, fieldApiName);

        CheckLabel(entityType, fieldApiName, label);
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO field_labels (tenant_id, entity_type, api_name, label) VALUES (@tenant, @entityType, @fieldApiName, @label) " +
            "ON CONFLICT (tenant_id, entity_type, api_name) DO UPDATE SET label = excluded.label",
            new { tenant = caller.TenantId, entityType, fieldApiName, label = label.Trim() }, scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await BumpAsync(scope, cancellationToken).ConfigureAwait(false);
        await scope.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The entity's field of that API name, or a validation error naming it (with the field probably meant).</summary>
    private static TenantField FieldOf(TenantEntity entity, string fieldApiName)
    {
        if (entity.FindField(fieldApiName) is { } field)
        {
            return field;
        }

        var near = Suggestions.Closest(fieldApiName, entity.Fields.Select(f => f.ApiName));
        throw new CrmValidationException(new CrmValidationError(entity.ApiName, fieldApiName, null, "unknown_field",
            $"{entity.ApiName} has no field '{fieldApiName}'.{(near is null ? string.Empty : $" Did you mean '{near}'?")}"));
    }

    public async Task SetAutoNumberFormatAsync(string entityType, string fieldApiName, string? format, CancellationToken cancellationToken = default)
    {
        await using var scope = await OperationScope.BeginAsync(runtime, caller, cancellationToken).ConfigureAwait(false);
        scope.Access.Require(Abstractions.Security.TenantPrivilege.Customize, "changing metadata");
        var entity = scope.Metadata.GetEntity(entityType);
        var field = FieldOf(entity, fieldApiName);

        if (format is not null)
        {
            // The field as it would be: the same checks as a definition (text only, a valid format that fits).
            var errors = FieldRules.CheckDefinition(entityType, field.Definition with { AutoNumber = format }).Where(e => e.Rule == "auto_number").ToList();
            if (errors.Count > 0)
            {
                throw new CrmValidationException(errors);
            }
        }

        await scope.Connection.ExecuteAsync(new CommandDefinition(
            format is null
                ? "DELETE FROM field_auto_numbers WHERE tenant_id = @tenant AND entity_type = @entityType AND api_name = @fieldApiName"
                : "INSERT INTO field_auto_numbers (tenant_id, entity_type, api_name, format) VALUES (@tenant, @entityType, @fieldApiName, @format) " +
                  "ON CONFLICT (tenant_id, entity_type, api_name) DO UPDATE SET format = excluded.format",
            new { tenant = caller.TenantId, entityType, fieldApiName, format }, scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await BumpAsync(scope, cancellationToken).ConfigureAwait(false);
        await scope.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task RenameEntityAsync(string entityType, string displayName, string? pluralName = null, CancellationToken cancellationToken = default)
    {
        await using var scope = await OperationScope.BeginAsync(runtime, caller, cancellationToken).ConfigureAwait(false);
        scope.Access.Require(Abstractions.Security.TenantPrivilege.Customize, "changing metadata");
        scope.Metadata.GetEntity(entityType);
        CheckLabel(entityType, null, displayName);
        if (pluralName is not null)
        {
            CheckLabel(entityType, null, pluralName);
        }

        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO entity_labels (tenant_id, entity_type, display_name, plural_name) VALUES (@tenant, @entityType, @displayName, @pluralName) " +
            "ON CONFLICT (tenant_id, entity_type) DO UPDATE SET display_name = excluded.display_name, plural_name = excluded.plural_name",
            new { tenant = caller.TenantId, entityType, displayName = displayName.Trim(), pluralName = (pluralName ?? displayName.Trim() + "s").Trim() },
            scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await BumpAsync(scope, cancellationToken).ConfigureAwait(false);
        await scope.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static void CheckLabel(string entityType, string? field, string? label)
    {
        if (string.IsNullOrWhiteSpace(label) || label.Length > 100)
        {
            throw new CrmValidationException(new CrmValidationError(entityType, field, label, "label",
                $"the new label of {entityType}{(field is null ? string.Empty : "." + field)} must have 1 to 100 visible characters."));
        }
    }

    private Task<int> BumpAsync(OperationScope scope, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE tenants SET metadata_version = metadata_version + 1 WHERE id = @tenant", new { tenant = caller.TenantId }, scope.Transaction, cancellationToken: cancellationToken));

    private async Task<TenantMetadata> ReadAsync(CancellationToken cancellationToken)
    {
        await runtime.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await runtime.Storage.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await runtime.Metadata.GetAsync(connection, null, caller.TenantId, cancellationToken).ConfigureAwait(false);
    }
}
