namespace Crm.Engine.Abstractions.Metadata;

/// <summary>The definition of an entity type (account, contact, case...), registered by the core or a plugin.</summary>
public sealed record EntityDefinition
{
    /// <summary>The immutable API name, lower camelCase, e.g. <c>account</c> or <c>serviceCase</c>.</summary>
    public required string ApiName { get; init; }

    /// <summary>The singular display name (a tenant may override it).</summary>
    public required string DisplayName { get; init; }

    /// <summary>The plural display name (a tenant may override it).</summary>
    public string? PluralName { get; init; }

    /// <summary>The field that names a record in lists and look-ups (default <c>name</c>).</summary>
    public string PrimaryField { get; init; } = "name";

    /// <summary>The system fields. The engine adds the record's own columns (id, version, owner, stamps) itself.</summary>
    public IReadOnlyList<FieldDefinition> Fields { get; init; } = [];

    /// <summary>The module that defines the type (<c>core</c> or a plugin id).</summary>
    public string Module { get; init; } = "core";

    /// <summary>A description for consultants and API users.</summary>
    public string? Description { get; init; }
}

/// <summary>A field as one tenant sees it: its definition plus that tenant's label.</summary>
/// <param name="Definition">The definition (system or custom).</param>
/// <param name="Label">The label in force for the tenant.</param>
public sealed record TenantField(FieldDefinition Definition, string Label)
{
    /// <summary>The field's API name.</summary>
    public string ApiName => Definition.ApiName;

    /// <summary>The field's type.</summary>
    public FieldType Type => Definition.Type;
}

/// <summary>An entity type as one tenant sees it: labels in force and every system and custom field.</summary>
/// <param name="Definition">The definition from code.</param>
/// <param name="DisplayName">The singular display name in force for the tenant.</param>
/// <param name="PluralName">The plural display name in force for the tenant.</param>
/// <param name="Fields">System fields followed by the tenant's custom fields.</param>
public sealed record TenantEntity(EntityDefinition Definition, string DisplayName, string PluralName, IReadOnlyList<TenantField> Fields)
{
    /// <summary>The entity type's API name.</summary>
    public string ApiName => Definition.ApiName;

    /// <summary>Finds a field by API name.</summary>
    /// <param name="apiName">The API name (case-sensitive).</param>
    /// <returns>The field, or <see langword="null"/>.</returns>
    public TenantField? FindField(string apiName) => Fields.FirstOrDefault(f => string.Equals(f.ApiName, apiName, StringComparison.Ordinal));
}

/// <summary>Reads and changes the field metadata of one tenant.</summary>
public interface IMetadataService
{
    /// <summary>Lists every entity type known to the engine, as the tenant sees them.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The entity types.</returns>
    Task<IReadOnlyList<TenantEntity>> ListEntitiesAsync(CancellationToken cancellationToken = default);

    /// <summary>Gets one entity type as the tenant sees it.</summary>
    /// <param name="entityType">The entity type's API name.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The entity type.</returns>
    /// <exception cref="Errors.CrmNotFoundException">The entity type does not exist.</exception>
    Task<TenantEntity> GetEntityAsync(string entityType, CancellationToken cancellationToken = default);

    /// <summary>Adds a custom field to an entity type for this tenant.</summary>
    /// <param name="entityType">The entity type's API name.</param>
    /// <param name="field">The field. Its API name must end with <c>_c</c> and be unique on the entity.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The field as stored.</returns>
    /// <exception cref="Errors.CrmValidationException">The definition is invalid or the API name is taken.</exception>
    Task<TenantField> AddCustomFieldAsync(string entityType, FieldDefinition field, CancellationToken cancellationToken = default);

    /// <summary>Changes the label of a field (system or custom) for this tenant. The API name never changes.</summary>
    /// <param name="entityType">The entity type's API name.</param>
    /// <param name="fieldApiName">The field's API name.</param>
    /// <param name="label">The new label; not blank.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the label is stored.</returns>
    Task RenameFieldAsync(string entityType, string fieldApiName, string label, CancellationToken cancellationToken = default);

    /// <summary>Changes the display names of an entity type for this tenant (e.g. show "Account" as "Customer").</summary>
    /// <param name="entityType">The entity type's API name.</param>
    /// <param name="displayName">The new singular name; not blank.</param>
    /// <param name="pluralName">The new plural name, or <see langword="null"/> to derive one.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the names are stored.</returns>
    Task RenameEntityAsync(string entityType, string displayName, string? pluralName = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sets, for this tenant, the format of the numbers a text field gets on create (see
    /// <see cref="FieldDefinition.AutoNumber"/>), e.g. a client's own prefix for a module's case numbers. The counter
    /// carries on while the format's date tokens stay the same (the sequence is named by field and date part; a format
    /// with other date tokens counts from 1 again). Needs the Customize privilege.
    /// </summary>
    /// <param name="entityType">The entity type's API name.</param>
    /// <param name="fieldApiName">A text field's API name (system, plugin or custom).</param>
    /// <param name="format">The format, or <see langword="null"/> to go back to the field's own definition.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the format is stored.</returns>
    /// <exception cref="Errors.CrmValidationException">An unknown field, a field that is not text, or a bad format (rule <c>auto_number</c>).</exception>
    Task SetAutoNumberFormatAsync(string entityType, string fieldApiName, string? format, CancellationToken cancellationToken = default);
}
