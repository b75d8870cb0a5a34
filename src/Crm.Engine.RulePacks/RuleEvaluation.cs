namespace Crm.Engine.RulePacks;

/// <summary>One rule firing: which rule, with which facts (alias → fact).</summary>
/// <param name="Sequence">1-based order of the firing.</param>
/// <param name="RuleName">The rule.</param>
/// <param name="Facts">The matched facts by alias, in declaration order.</param>
public sealed record RuleFiring(int Sequence, string RuleName, IReadOnlyList<KeyValuePair<string, object?>> Facts);

/// <summary>An action a rule took (or, in a dry run, would have taken).</summary>
/// <param name="Sequence">1-based order among the evaluation's actions.</param>
/// <param name="RuleName">The rule whose action it is.</param>
/// <param name="ActionName">The action.</param>
/// <param name="Parameters">The evaluated parameter values by name.</param>
/// <param name="Facts">The rule's matched facts by alias.</param>
public sealed record RuleActionInvocation(int Sequence, string RuleName, string ActionName, IReadOnlyDictionary<string, object?> Parameters, IReadOnlyList<KeyValuePair<string, object?>> Facts);

/// <summary>What one evaluation of a tenant's rule base did.</summary>
/// <param name="TenantId">The tenant.</param>
/// <param name="Version">The rule-base version that evaluated the facts (0 for a pack tested outside a tenant).</param>
/// <param name="DryRun">Whether the actions were only recorded, not performed.</param>
/// <param name="Firings">The rules that fired, in order.</param>
/// <param name="Actions">The actions taken (or that would be taken), in order.</param>
/// <param name="Warnings">Conditions or parameter expressions that failed at run time (counted as not matching / action skipped).</param>
public sealed record RuleEvaluationResult(
    string TenantId,
    long Version,
    bool DryRun,
    IReadOnlyList<RuleFiring> Firings,
    IReadOnlyList<RuleActionInvocation> Actions,
    IReadOnlyList<string> Warnings);

/// <summary>One stored version of a tenant's rule base.</summary>
/// <param name="Version">The version number (1, 2, ...).</param>
/// <param name="AppliedAt">When it was applied.</param>
/// <param name="AppliedBy">Who or what applied it (user id, <c>crm</c>, <c>rollback to 3</c>...).</param>
/// <param name="Comment">What changed: the applied file, or the version rolled back to.</param>
/// <param name="RuleCount">The number of enabled pack rules.</param>
/// <param name="Packs">The pack files of this version: file name → pack text.</param>
public sealed record RuleBaseVersion(long Version, DateTimeOffset AppliedAt, string? AppliedBy, string Comment, int RuleCount, IReadOnlyDictionary<string, string> Packs);
