using System.Linq.Expressions;
using Crm.Engine.Rules.Fluent.Dsl;
using Crm.Engine.Rules.RuleModel;
using Crm.Engine.Rules.RuleModel.Builders;
using CsCheck;

namespace Crm.Engine.Rules.Tests;

public sealed class FactA(int id, int x, int y)
{
    public int Id { get; } = id;

    public int X { get; set; } = x;

    public int Y { get; set; } = y;

    public override string ToString() => $"A{Id}({X},{Y})";
}

public sealed class FactB(int id, int x, int y)
{
    public int Id { get; } = id;

    public int X { get; set; } = x;

    public int Y { get; set; } = y;

    public override string ToString() => $"B{Id}({X},{Y})";
}

/// <summary>
/// Differential test: random rule sets and fact streams; the Rete engine must hold exactly the activations that a
/// naive evaluator (enumerate every combination of current facts) computes.
/// </summary>
public class DifferentialTests
{
    private enum Kind
    {
        Match,
        Not,
        Exists,
    }

    private sealed record PatternSpec(Kind Kind, bool IsB, int AlphaKind, int K, int JoinKind, int JoinTarget);

    private sealed record Op(int Kind, bool IsB, int X, int Y, int Target, bool ChangeX);

    private static readonly Gen<PatternSpec> GenPattern = Gen.Select(
        Gen.Int[0, 2], Gen.Bool, Gen.Int[0, 3], Gen.Int[0, 3], Gen.Int[0, 3], Gen.Int[0, 2],
        (kind, isB, alpha, k, join, target) => new PatternSpec((Kind)kind, isB, alpha, k, join, target));

    private static readonly Gen<Op> GenOp = Gen.Select(
        Gen.Int[0, 5], Gen.Bool, Gen.Int[0, 3], Gen.Int[0, 3], Gen.Int[0, 1000], Gen.Bool,
        (kind, isB, x, y, target, changeX) => new Op(kind, isB, x, y, target, changeX));

    [Fact]
    public void RandomRulesAndFactStreams_ReteActivations_EqualNaiveEvaluation()
    {
        Gen.Select(GenPattern.Array[1, 3].Array[1, 2].Array[1, 3], GenOp.Array[1, 30])
            .Sample((rules, ops) => Check(rules, ops), iter: 300);
    }

    [Fact]
    public void RandomFactStreams_CollectAggregate_EqualsNaiveGrouping()
    {
        Gen.Select(Gen.Int[0, 2], Gen.Int[-1, 3], GenOp.Array[1, 30])
            .Sample((minimum, alphaK, ops) => CheckCollect(minimum, alphaK, ops), iter: 200);
    }

    [Fact]
    public void RandomFactStreams_KeyedGroupBy_EqualsNaiveGrouping()
    {
        var factory = new RuleCompiler().Compile([new GroupByPerARule().GetDefinition()]);

        // One activation per A and per group (by Y) of the Bs whose X equals the A's Y.
        GenOp.Array[1, 30].Sample(ops => CheckActivations(
            factory.CreateSession(),
            ops,
            facts => facts.OfType<FactA>().SelectMany(a => facts.OfType<FactB>().Where(b => b.X == a.Y).GroupBy(b => b.Y)
                .Select(g => $"A{a.Id}:Y{g.Key}:[{string.Join(",", g.Select(b => b.Id).Order())}]")),
            act => $"A{((FactA)act.Facts[0].Value!).Id}:Y{((IGrouping<int, FactB>)act.Facts[1].Value!).Key}:[{string.Join(",", ((IGrouping<int, FactB>)act.Facts[1].Value!).Select(b => b.Id).Order())}]"),
            iter: 200);
    }

    public sealed class GroupByPerARule : Rule
    {
        public override void Define()
        {
            FactA a = null!;
            IGrouping<int, FactB> group = null!;
            When()
                .Match(() => a)
                .Query(() => group, q => q.Match<FactB>(b => b.X == a.Y).GroupBy(b => b.Y));
            Then().Do(_ => GC.KeepAlive(group));
        }
    }

    private static void CheckCollect(int minimum, int alphaK, Op[] ops) => CheckActivations(
        new RuleCompiler().Compile([CollectRule(minimum, alphaK)]).CreateSession(),
        ops,
        facts => facts.OfType<FactA>()
            .Select(a => (a, bs: facts.OfType<FactB>().Where(b => b.X == a.Y && b.Y > alphaK).ToList()))
            .Where(x => x.bs.Count >= minimum)
            .Select(x => $"A{x.a.Id}:[{string.Join(",", x.bs.Select(b => b.Id).Order())}]"),
        act => $"A{((FactA)act.Facts[0].Value!).Id}:[{string.Join(",", ((IEnumerable<FactB>)act.Facts[1].Value!).Select(b => b.Id).Order())}]");

    // Applies the operations one by one; after each, the engine's live activations must be exactly the expected ones.
    private static void CheckActivations(ISession session, Op[] ops, Func<List<object>, IEnumerable<string>> expectedOf, Func<Activation, string> describe)
    {
        var active = new HashSet<Activation>();
        session.Events.ActivationCreatedEvent += (_, e) => Assert.True(active.Add(e.Activation));
        session.Events.ActivationDeletedEvent += (_, e) => Assert.True(active.Remove(e.Activation));
        var facts = new List<object>();
        var nextId = 1;
        foreach (var op in ops)
        {
            Apply(session, facts, op, ref nextId);
            var expected = expectedOf(facts).ToHashSet();
            var actual = active.Select(describe).ToHashSet();
            Assert.True(expected.SetEquals(actual), $"expected [{string.Join(" ", expected.Order())}] but engine has [{string.Join(" ", actual.Order())}]");
        }
    }

    private static void Apply(ISession session, List<object> facts, Op op, ref int nextId)
    {
        switch (op.Kind)
        {
            case 0 or 1 or 2:
                object fact = op.IsB ? new FactB(nextId++, op.X, op.Y) : new FactA(nextId++, op.X, op.Y);
                facts.Add(fact);
                session.Insert(fact);
                break;
            case 3 or 4 when facts.Count > 0:
                var target = facts[op.Target % facts.Count];
                SetField(target, op.ChangeX, op.X);
                session.Update(target);
                break;
            case 5 when facts.Count > 0:
                var removed = facts[op.Target % facts.Count];
                facts.Remove(removed);
                session.Retract(removed);
                break;
        }
    }

    // a:FactA, bs = collect(b:FactB where b.X == a.Y && b.Y > alphaK) having bs.Count() >= minimum
    private static IRuleDefinition CollectRule(int minimum, int alphaK)
    {
        var builder = new RuleBuilder();
        builder.Name("collect");
        var lhs = builder.LeftHandSide();
        lhs.Pattern(typeof(FactA), "a");
        var bs = lhs.Pattern(typeof(IEnumerable<FactB>), "bs");
        var aggregate = bs.Aggregate();
        aggregate.AggregatorName(AggregateElement.CollectName);
        var source = aggregate.Pattern(typeof(FactB), "b");
        var b = Expression.Parameter(typeof(FactB), "b");
        var a = Expression.Parameter(typeof(FactA), "a");
        source.Condition(Expression.Lambda(Expression.GreaterThan(Expression.Property(b, "Y"), Expression.Constant(alphaK)), b));
        source.Condition(Expression.Lambda(Expression.Equal(Expression.Property(b, "X"), Expression.Property(a, "Y")), b, a));
        Expression<Func<IEnumerable<FactB>, bool>> atLeast = bs => bs.Count() >= minimum;
        bs.Condition(atLeast);
        return builder.Build();
    }

    [Fact]
    public void RandomFactStreams_YieldedLinkedFacts_AlwaysReflectCurrentMatches()
    {
        var factory = new RuleCompiler().Compile([new CountMatchesRule().GetDefinition()]);
        GenOp.Array[1, 30].Sample(ops =>
        {
            var session = factory.CreateSession();
            var facts = new List<object>();
            var nextId = 1;
            foreach (var op in ops)
            {
                Apply(session, facts, op, ref nextId);
                session.Fire();
                var expected = facts.OfType<FactA>()
                    .Select(a => new MatchCount(a.Id, facts.OfType<FactB>().Count(b => b.X == a.Y)))
                    .ToHashSet();
                Assert.True(expected.SetEquals(session.Query<MatchCount>()), $"expected [{string.Join(" ", expected)}] but session has [{string.Join(" ", session.Query<MatchCount>())}]");
            }
        }, iter: 200);
    }

    private static void Check(PatternSpec[][][] rules, Op[] ops)
    {
        var definitions = rules.Select((r, i) => BuildRule($"R{i}", r)).ToList();
        var session = new RuleCompiler().Compile(definitions).CreateSession();
        var active = new HashSet<string>();
        session.Events.ActivationCreatedEvent += (_, e) => Assert.True(active.Add(Key(e.Activation)), $"duplicate activation {Key(e.Activation)}");
        session.Events.ActivationDeletedEvent += (_, e) => Assert.True(active.Remove(Key(e.Activation)), $"unknown activation deleted {Key(e.Activation)}");

        // Not-only prefixes can activate at session creation, before the handlers were attached.
        active.UnionWith(Naive(rules, []));
        var facts = new List<object>();
        var nextId = 1;
        foreach (var op in ops)
        {
            Apply(session, facts, op, ref nextId);
            var expected = Naive(rules, facts);
            Assert.True(expected.SetEquals(active), $"expected [{string.Join(" ", expected.Order())}] but engine has [{string.Join(" ", active.Order())}]");
        }
    }

    private static void SetField(object fact, bool x, int value)
    {
        switch (fact)
        {
            case FactA a when x: a.X = value; break;
            case FactA a: a.Y = value; break;
            case FactB b when x: b.X = value; break;
            case FactB b: b.Y = value; break;
        }
    }

    // Declarations are named b{branch}p{index}, so the key tells or-branches apart like the engine does.
    private static string Key(Activation activation) =>
        activation.Rule.Name + "/" + activation.Facts[0].Declaration.Name[1..activation.Facts[0].Declaration.Name.IndexOf('p', StringComparison.Ordinal)]
        + ":" + string.Join(",", activation.Facts.Select(f => Id(f.Value!)));

    private static string Id(object fact) => fact switch
    {
        FactA a => $"A{a.Id}",
        FactB b => $"B{b.Id}",
        _ => "?",
    };

    private static (int X, int Y) Values(object fact) => fact switch
    {
        FactA a => (a.X, a.Y),
        FactB b => (b.X, b.Y),
        _ => throw new InvalidOperationException(),
    };

    /// <summary>Index of the earlier positive pattern a join refers to, or -1.</summary>
    private static int JoinTarget(PatternSpec[] rule, int index)
    {
        var positives = Enumerable.Range(0, index).Where(i => rule[i].Kind == Kind.Match || i == 0).ToList();
        return rule[index].JoinKind == 0 || positives.Count == 0 ? -1 : positives[rule[index].JoinTarget % positives.Count];
    }

    private static Kind EffectiveKind(PatternSpec[] rule, int index) => index == 0 ? Kind.Match : rule[index].Kind;

    // ---- naive evaluator: plain C# over every combination ----
    private static HashSet<string> Naive(PatternSpec[][][] rules, List<object> facts)
    {
        var result = new HashSet<string>();
        for (var r = 0; r < rules.Length; r++)
        {
            for (var branch = 0; branch < rules[r].Length; branch++)
            {
                NaiveBranch(rules[r][branch], $"R{r}/{branch}", facts, result);
            }
        }

        return result;
    }

    private static void NaiveBranch(PatternSpec[] rule, string name, List<object> facts, HashSet<string> result)
    {
        var partials = new List<object?[]> { new object?[rule.Length] };
        for (var i = 0; i < rule.Length; i++)
        {
            var spec = rule[i];
            var candidates = facts.Where(f => f is FactB == spec.IsB).ToList();
            var next = new List<object?[]>();
            foreach (var partial in partials)
            {
                var matching = candidates.Where(f => Holds(rule, i, f, partial)).ToList();
                switch (EffectiveKind(rule, i))
                {
                    case Kind.Match:
                        foreach (var f in matching)
                        {
                            var extended = (object?[])partial.Clone();
                            extended[i] = f;
                            next.Add(extended);
                        }

                        break;
                    case Kind.Not when matching.Count == 0:
                    case Kind.Exists when matching.Count > 0:
                        next.Add(partial);
                        break;
                }
            }

            partials = next;
        }

        foreach (var partial in partials)
        {
            result.Add($"{name}:" + string.Join(",", partial.Where(p => p is not null).Select(p => Id(p!))));
        }
    }

    private static bool Holds(PatternSpec[] rule, int index, object fact, object?[] partial)
    {
        var spec = rule[index];
        var (x, y) = Values(fact);
        var alpha = spec.AlphaKind switch
        {
            1 => x > spec.K,
            2 => y == spec.K,
            3 => x != y,
            _ => true,
        };
        if (!alpha)
        {
            return false;
        }

        var target = JoinTarget(rule, index);
        if (target < 0)
        {
            return true;
        }

        var (px, py) = Values(partial[target]!);
        return spec.JoinKind switch
        {
            1 => x == py,
            2 => y == py,
            _ => x > px,
        };
    }

    // ---- the same rules through the public rule-model builder ----
    private static IRuleDefinition BuildRule(string name, PatternSpec[][] alternatives)
    {
        var builder = new RuleBuilder();
        builder.Name(name);
        if (alternatives.Length == 1)
        {
            AddPatterns(builder.LeftHandSide(), alternatives[0], "b0p");
        }
        else
        {
            var or = builder.LeftHandSide().Group(GroupType.Or);
            for (var b = 0; b < alternatives.Length; b++)
            {
                AddPatterns(or.Group(GroupType.And), alternatives[b], $"b{b}p");
            }
        }

        builder.RightHandSide().Action(Expression.Lambda(Expression.Empty(), Expression.Parameter(typeof(IContext), "ctx")));
        return builder.Build();
    }

    private static void AddPatterns(GroupBuilder lhs, PatternSpec[] rule, string prefix)
    {
        var types = rule.Select(p => p.IsB ? typeof(FactB) : typeof(FactA)).ToArray();
        for (var i = 0; i < rule.Length; i++)
        {
            var declName = $"{prefix}{i}";
            var pattern = EffectiveKind(rule, i) switch
            {
                Kind.Match => lhs.Pattern(types[i], declName),
                Kind.Not => lhs.Not().Pattern(types[i], declName),
                _ => lhs.Exists().Pattern(types[i], declName),
            };
            var self = Expression.Parameter(types[i], declName);
            var spec = rule[i];
            Expression? alpha = spec.AlphaKind switch
            {
                1 => Expression.GreaterThan(Expression.Property(self, "X"), Expression.Constant(spec.K)),
                2 => Expression.Equal(Expression.Property(self, "Y"), Expression.Constant(spec.K)),
                3 => Expression.NotEqual(Expression.Property(self, "X"), Expression.Property(self, "Y")),
                _ => null,
            };
            if (alpha is not null)
            {
                pattern.Condition(Expression.Lambda(alpha, self));
            }

            var target = JoinTarget(rule, i);
            if (target >= 0)
            {
                var other = Expression.Parameter(types[target], $"{prefix}{target}");
                var join = spec.JoinKind switch
                {
                    1 => Expression.Equal(Expression.Property(self, "X"), Expression.Property(other, "Y")),
                    2 => Expression.Equal(Expression.Property(other, "Y"), Expression.Property(self, "Y")),
                    _ => Expression.GreaterThan(Expression.Property(self, "X"), Expression.Property(other, "X")),
                };
                pattern.Condition(Expression.Lambda(join, self, other));
            }
        }

    }
}

public sealed record MatchCount(int Id, int Count);

public sealed class CountMatchesRule : Rule
{
    public override void Define()
    {
        FactA a = null!;
        IEnumerable<FactB> bs = null!;
        When()
            .Match(() => a)
            .Query(() => bs, q => q.Match<FactB>(b => b.X == a.Y).Collect());
        Then().Yield(ctx => new MatchCount(a.Id, bs.Count()));
    }
}
