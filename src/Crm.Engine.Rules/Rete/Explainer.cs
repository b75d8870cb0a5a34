using Crm.Engine.Rules.Diagnostics;

namespace Crm.Engine.Rules.Rete;

/// <summary>
/// Re-evaluates one branch naively against working memory, element by element, to say how far it matches and
/// which condition stopped which candidate. Runs only on demand, so the normal propagation path pays nothing.
/// </summary>
internal static class Explainer
{
    private const int MaxPartials = 10_000;
    private const int MaxFailures = 50;

    public static BranchExplanation Explain(Session session, CompiledBranch branch)
    {
        var partials = new List<Token> { Token.Empty };
        var facts = session.AllFacts.ToList();
        for (var index = 0; index < branch.Steps.Count; index++)
        {
            var step = branch.Steps[index];
            var failures = new List<ConditionFailure>();
            var next = new List<Token>();
            var candidates = step.FactType is null ? [] : facts.Where(f => step.FactType.IsInstanceOfType(f.Object)).ToList();
            foreach (var token in partials)
            {
                switch (step.Kind)
                {
                    case StepKind.Fact:
                        foreach (var fact in candidates)
                        {
                            var failed = FirstFailure(session, step, token, fact);
                            if (failed is null)
                            {
                                next.Add(token.Extend(fact));
                            }
                            else
                            {
                                AddFailure(fact.Object, failed);
                            }
                        }

                        if (candidates.Count == 0)
                        {
                            AddFailure(null, $"no {step.FactType!.Name} fact in working memory");
                        }

                        break;
                    case StepKind.Not:
                        var blocker = candidates.FirstOrDefault(f => FirstFailure(session, step, token, f) is null);
                        if (blocker is null)
                        {
                            next.Add(token);
                        }
                        else
                        {
                            AddFailure(blocker.Object, "not: this fact matches the negated pattern");
                        }

                        break;
                    case StepKind.Exists:
                        if (candidates.Any(f => FirstFailure(session, step, token, f) is null))
                        {
                            next.Add(token);
                        }
                        else
                        {
                            AddFailure(null, $"exists: no {step.FactType!.Name} fact matches");
                        }

                        break;
                    default:
                        var items = step.Stage!.Evaluate(session, token, step.Node!.CurrentFacts(session));
                        if (items.Count == 0)
                        {
                            AddFailure(null, "the aggregate/binding produced no value that satisfies its conditions");
                        }

                        next.AddRange(items.Select(i => token.Extend(session.NewSyntheticFact(i.Value))));
                        break;
                }

                void AddFailure(object? fact, string condition)
                {
                    if (failures.Count < MaxFailures)
                    {
                        failures.Add(new ConditionFailure(index, step.Declaration.Name, fact, condition, Bound(branch, token)));
                    }
                }
            }

            if (next.Count == 0)
            {
                return new BranchExplanation(branch.Index, branch.Steps.Count, index, 0, failures);
            }

            partials = next.Count > MaxPartials ? next[..MaxPartials] : next;
        }

        return new BranchExplanation(branch.Index, branch.Steps.Count, branch.Steps.Count, partials.Count, []);
    }

    private static string? FirstFailure(Session session, ExplainStep step, Token token, Fact fact)
    {
        foreach (var (condition, source) in step.Conditions)
        {
            var result = condition.Invoke(session, token, fact.Object);
            if (result is not true)
            {
                // The condition's text is made here, when explaining, not for every condition of every build.
                var text = source.ToString();
                return ReferenceEquals(result, Session.Failed) ? text + " (threw an exception)" : text;
            }
        }

        return null;
    }

    private static List<KeyValuePair<string, object?>> Bound(CompiledBranch branch, Token token) =>
        [.. token.Facts.Select((f, i) => new KeyValuePair<string, object?>(branch.Slots[i].Name, f?.Object))];
}
