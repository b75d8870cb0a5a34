namespace Crm.Engine.Rules.Diagnostics;

/// <summary>One recorded firing (see <see cref="ISession.TracingEnabled"/>).</summary>
/// <param name="Sequence">1-based position among the session's recorded firings.</param>
/// <param name="RuleName">The rule.</param>
/// <param name="Trigger">Why it fired.</param>
/// <param name="Facts">Declaration name and value of each matched value, in declaration order.</param>
public sealed record FiringRecord(int Sequence, string RuleName, RuleModel.ActionTrigger Trigger, IReadOnlyList<KeyValuePair<string, object?>> Facts);

/// <summary>Why a candidate value did not satisfy an element of a rule.</summary>
/// <param name="ElementIndex">0-based index of the element (pattern, not, exists...) in the rule branch.</param>
/// <param name="Declaration">Declaration of the element's pattern.</param>
/// <param name="Fact">The candidate value that failed (<see langword="null"/> when no candidate existed at all).</param>
/// <param name="Condition">Text of the failing condition (or a description such as "no matching fact").</param>
/// <param name="PartialMatch">Values already bound by earlier elements when the candidate was tried.</param>
public sealed record ConditionFailure(int ElementIndex, string Declaration, object? Fact, string Condition, IReadOnlyList<KeyValuePair<string, object?>> PartialMatch);

/// <summary>How far one branch (or-alternative) of a rule matches the current working memory.</summary>
/// <param name="BranchIndex">0-based branch (rules without <c>Or</c> have one).</param>
/// <param name="ElementCount">Number of elements in the branch.</param>
/// <param name="MatchedElements">Number of leading elements that some partial match satisfies.</param>
/// <param name="CompleteMatches">Number of complete matches (the rule is active for each).</param>
/// <param name="Failures">For the first unsatisfied element: each candidate and the condition it failed (capped).</param>
public sealed record BranchExplanation(int BranchIndex, int ElementCount, int MatchedElements, int CompleteMatches, IReadOnlyList<ConditionFailure> Failures);

/// <summary>Explanation of one rule against a session (see <see cref="ISession.Explain"/>).</summary>
/// <param name="RuleName">The rule.</param>
/// <param name="TracingEnabled">Whether firings were being recorded (if not, <see cref="Firings"/> is empty and says nothing).</param>
/// <param name="Firings">Recorded firings of this rule, in order.</param>
/// <param name="Branches">Per-branch match analysis against the current working memory.</param>
public sealed record RuleExplanation(string RuleName, bool TracingEnabled, IReadOnlyList<FiringRecord> Firings, IReadOnlyList<BranchExplanation> Branches)
{
    /// <summary>Whether the rule fired at least once while tracing was on.</summary>
    public bool Fired => Firings.Count > 0;

    /// <summary>Whether the rule currently matches (in any branch).</summary>
    public bool Matches => Branches.Any(b => b.CompleteMatches > 0);

    /// <summary>A readable summary.</summary>
    /// <returns>Multi-line text.</returns>
    public override string ToString()
    {
        var lines = new List<string> { $"Rule '{RuleName}': {(Fired ? $"fired {Firings.Count} time(s)" : TracingEnabled ? "did not fire" : "firings not traced")}, {(Matches ? "matches now" : "does not match now")}" };
        foreach (var b in Branches)
        {
            lines.Add($"  branch {b.BranchIndex}: {b.MatchedElements}/{b.ElementCount} elements satisfied, {b.CompleteMatches} complete match(es)");
            lines.AddRange(b.Failures.Select(f => $"    element {f.ElementIndex} ({f.Declaration}): {f.Fact ?? "<none>"} failed {f.Condition}"));
        }

        return string.Join(Environment.NewLine, lines);
    }
}
