using System.Linq.Expressions;
using Crm.Engine.Rules;
using Crm.Engine.Rules.RuleModel;
using Crm.Engine.Rules.RuleModel.Builders;

namespace Crm.Engine.Benchmarks.Rules;

public sealed class BenchOrder
{
    public int Id { get; init; }

    public int CustomerId { get; init; }

    public double Amount { get; init; }

    public string Category { get; init; } = "retail";
}

public sealed class BenchCustomer
{
    public int Id { get; init; }

    public string Name { get; init; } = string.Empty;
}

/// <summary>Counts rule actions, so no benchmark's work can be optimised away.</summary>
public static class Sink
{
    private static long _hits;

    public static long Hits => Interlocked.Read(ref _hits);

    public static void Hit() => Interlocked.Increment(ref _hits);

    public static void Add(long n) => Interlocked.Add(ref _hits, n);
}

/// <summary>Rule sets built through the rule model (as rule packs are), with distinct literal thresholds per rule.</summary>
public static class BenchRules
{
    public static IReadOnlyList<IRuleDefinition> SingleFact(int count)
    {
        var rules = new List<IRuleDefinition>(count);
        var o = Expression.Parameter(typeof(BenchOrder), "o");
        Expression<Action<IContext, BenchOrder>> action = (ctx, o) => Sink.Hit();
        for (var i = 0; i < count; i++)
        {
            var rule = new RuleBuilder();
            rule.Name("amount over " + i);
            var pattern = rule.LeftHandSide().Pattern(typeof(BenchOrder), "o");
            pattern.Condition(Expression.Lambda(Expression.GreaterThan(Expression.Property(o, nameof(BenchOrder.Amount)), Expression.Constant((double)i)), o));
            pattern.Condition(Expression.Lambda(Expression.Equal(Expression.Property(o, nameof(BenchOrder.Category)), Expression.Constant(i % 2 == 0 ? "retail" : "wholesale")), o));
            rule.RightHandSide().Action(action);
            rules.Add(rule.Build());
        }

        return rules;
    }

    /// <summary>The same rules for Microsoft RulesEngine.</summary>
    public static global::RulesEngine.Models.Workflow[] SingleFactWorkflow(int count) =>
    [
        new()
        {
            WorkflowName = "orders",
            Rules = Enumerable.Range(0, count).Select(i => new global::RulesEngine.Models.Rule
            {
                RuleName = "amount over " + i,
                RuleExpressionType = global::RulesEngine.Models.RuleExpressionType.LambdaExpression,
                Expression = $"input1.Amount > {i} AND input1.Category == \"{(i % 2 == 0 ? "retail" : "wholesale")}\"",
            }).ToList(),
        },
    ];
}
