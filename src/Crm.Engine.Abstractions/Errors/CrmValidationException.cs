using System.Globalization;

namespace Crm.Engine.Abstractions.Errors;

/// <summary>One thing wrong with a write or a definition.</summary>
/// <param name="EntityType">The entity type at fault (API name).</param>
/// <param name="Field">The field at fault (API name), or <see langword="null"/> when the error concerns the whole record.</param>
/// <param name="Value">The offending value as given, or <see langword="null"/>.</param>
/// <param name="Rule">The rule broken, e.g. <c>required</c>, <c>max_length</c>, <c>range</c>, <c>type</c>, <c>unknown_field</c>.</param>
/// <param name="Message">What was wrong and how to fix it.</param>
public sealed record CrmValidationError(string EntityType, string? Field, object? Value, string Rule, string Message)
{
    /// <inheritdoc />
    public override string ToString() => Field is null
        ? string.Create(CultureInfo.InvariantCulture, $"{EntityType}: {Message}")
        : string.Create(CultureInfo.InvariantCulture, $"{EntityType}.{Field}: {Message}");
}

/// <summary>A write or a definition was rejected because it broke one or more rules. Nothing was written.</summary>
public sealed class CrmValidationException : CrmException
{
    /// <summary>Creates the error from every problem found (all are reported at once).</summary>
    /// <param name="errors">The problems found; at least one.</param>
    public CrmValidationException(IReadOnlyList<CrmValidationError> errors)
        : base(CrmErrorCodes.Validation, BuildMessage(errors))
    {
        Errors = errors;
    }

    /// <summary>Creates the error from a single problem.</summary>
    /// <param name="error">The problem found.</param>
    public CrmValidationException(CrmValidationError error)
        : this([error])
    {
    }

    /// <summary>Every problem found, in the order found.</summary>
    public IReadOnlyList<CrmValidationError> Errors { get; }

    private static string BuildMessage(IReadOnlyList<CrmValidationError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        return errors.Count == 1
            ? errors[0].ToString()
            : $"{errors.Count} validation errors:{Environment.NewLine}" + string.Join(Environment.NewLine, errors.Select(e => "  - " + e));
    }
}
