using System.Globalization;
using Crm.Engine.Abstractions.Errors;

namespace Crm.Engine.RulePacks;

/// <summary>One error in a rule pack: where it is (file, rule, 1-based line and column) and what is wrong.</summary>
/// <param name="File">The pack's file name.</param>
/// <param name="Rule">The rule's name, or <see langword="null"/> for an error outside any rule.</param>
/// <param name="Line">The 1-based line.</param>
/// <param name="Column">The 1-based column.</param>
/// <param name="Message">What is wrong and how to fix it.</param>
public sealed record RulePackError(string File, string? Rule, int Line, int Column, string Message)
{
    /// <summary>The error as one line: <c>file(line,col): rule 'name': message</c>.</summary>
    /// <returns>The line.</returns>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{File}({Line},{Column}): {(Rule is null ? string.Empty : $"rule '{Rule}': ")}{Message}");
}

/// <summary>A rule pack was rejected: it has at least one error; the tenant's rule base did not change.</summary>
public sealed class RulePackValidationException : CrmException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="errors">Every error found.</param>
    public RulePackValidationException(IReadOnlyList<RulePackError> errors)
        : base(CrmErrorCodes.Validation, Describe(errors)) => Errors = errors;

    /// <summary>Every error found, in file order.</summary>
    public IReadOnlyList<RulePackError> Errors { get; }

    private static string Describe(IReadOnlyList<RulePackError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        return $"The rule pack was rejected with {errors.Count} error(s):{Environment.NewLine}{string.Join(Environment.NewLine, errors)}";
    }
}
