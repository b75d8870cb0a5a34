namespace Crm.Engine.Abstractions.Metadata;

/// <summary>One option of a choice or multi-choice field.</summary>
/// <param name="Value">The stored value: immutable, used in rules and APIs.</param>
/// <param name="Label">The text shown to people; may differ per tenant.</param>
public sealed record ChoiceOption(string Value, string Label);

/// <summary>The definition of a field of an entity type: system fields come from code, custom fields from a tenant.</summary>
public sealed record FieldDefinition
{
    /// <summary>The immutable API name (camelCase; custom fields end with <c>_c</c>).</summary>
    public required string ApiName { get; init; }

    /// <summary>The type of the field's values.</summary>
    public required FieldType Type { get; init; }

    /// <summary>The label shown to people (a tenant may override it).</summary>
    public string? Label { get; init; }

    /// <summary>A longer description for consultants and API users.</summary>
    public string? Description { get; init; }

    /// <summary>Whether a value is required on create (and may not be cleared on update).</summary>
    public bool Required { get; init; }

    /// <summary>The maximum length of a text value, in characters.</summary>
    public int? MaxLength { get; init; }

    /// <summary>The smallest allowed number (inclusive).</summary>
    public decimal? MinValue { get; init; }

    /// <summary>The largest allowed number (inclusive).</summary>
    public decimal? MaxValue { get; init; }

    /// <summary>The number of decimal places allowed for numbers (money defaults to 2).</summary>
    public int? Precision { get; init; }

    /// <summary>The options of a choice or multi-choice field.</summary>
    public IReadOnlyList<ChoiceOption> Options { get; init; } = [];

    /// <summary>For lookups: the entity type referred to, or <c>*</c> for any (then a companion field holds the type).</summary>
    public string? LookupTarget { get; init; }

    /// <summary>Whether the engine keeps an index for filtering and sorting on this field.</summary>
    public bool Indexed { get; init; }

    /// <summary>Whether the field was added by a tenant (true) or defined by the core or a plugin (false).</summary>
    public bool IsCustom { get; init; }

    /// <summary>Whether the engine maintains the value itself; callers may not set it.</summary>
    public bool ReadOnly { get; init; }

    /// <summary>
    /// Whether the field holds personal data, cleared when a contact's data is erased. Text, e-mail and phone fields
    /// of contacts are personal whatever this says; set it on other fields (e.g. a birth date) that identify a person.
    /// </summary>
    public bool PersonalData { get; init; }

    /// <summary>
    /// For a <see cref="FieldType.Text"/> field: the format of the number the engine gives a record created without a
    /// value, e.g. <c>CAS-{yyyy}-{seq:000000}</c>. Tokens: <c>{seq}</c> (the counter, padded to the zeros after the
    /// colon), <c>{yyyy}</c>, <c>{yy}</c>, <c>{MM}</c>, <c>{dd}</c> (the creation date in the tenant's time zone; the
    /// counter restarts with each new date part); <c>{{</c> and <c>}}</c> are braces. <see langword="null"/>: not an
    /// auto-number field. See docs/work-mechanisms.md, "Numbering".
    /// </summary>
    public string? AutoNumber { get; init; }
}
