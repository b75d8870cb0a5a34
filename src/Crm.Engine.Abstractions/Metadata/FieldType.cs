namespace Crm.Engine.Abstractions.Metadata;

/// <summary>The type of a field. Each type has one canonical CLR type for its values (see remarks).</summary>
/// <remarks>
/// Canonical value types: <see cref="Text"/>, <see cref="Email"/>, <see cref="Phone"/>, <see cref="Choice"/> → <see cref="string"/>;
/// <see cref="Number"/>, <see cref="Money"/> → <see cref="decimal"/>; <see cref="Date"/> → <see cref="DateOnly"/>;
/// <see cref="DateTime"/> → <see cref="DateTimeOffset"/> (UTC); <see cref="Bool"/> → <see cref="bool"/>;
/// <see cref="MultiChoice"/> → <see cref="IReadOnlyList{T}"/> of <see cref="string"/>; <see cref="Lookup"/> → <see cref="Guid"/>,
/// or <see cref="Records.RecordRef"/> when the look-up may point at any entity type.
/// </remarks>
public enum FieldType
{
    /// <summary>Free text, optionally bounded by a maximum length.</summary>
    Text = 0,

    /// <summary>A decimal number, optionally bounded by a range and a number of decimal places.</summary>
    Number = 1,

    /// <summary>An amount in the tenant's currency.</summary>
    Money = 2,

    /// <summary>A calendar date without time.</summary>
    Date = 3,

    /// <summary>An instant, stored in UTC.</summary>
    DateTime = 4,

    /// <summary>True or false.</summary>
    Bool = 5,

    /// <summary>One value from a list of options.</summary>
    Choice = 6,

    /// <summary>Any number of values from a list of options.</summary>
    MultiChoice = 7,

    /// <summary>A reference to another record (of <see cref="FieldDefinition.LookupTarget"/>).</summary>
    Lookup = 8,

    /// <summary>An e-mail address (validated; indexed for look-up).</summary>
    Email = 9,

    /// <summary>A telephone number (normalised; indexed for caller look-up).</summary>
    Phone = 10,
}
