using System.Linq.Expressions;
using Crm.Engine.Rules.Diagnostics;
using Crm.Engine.Rules.Rete;
using Crm.Engine.Rules.RuleModel;
using Crm.Engine.Rules.RuleModel.Builders;
using CsCheck;

namespace Crm.Engine.Rules.Tests;

public sealed class Probe(int id)
{
    public int Id { get; } = id;

    public double D { get; set; }

    public int I { get; set; }

    public long L { get; set; }

    public decimal M { get; set; }

    public DateTime T { get; set; }

    public string? S { get; set; }

    public ProbeInner? Inner { get; set; }

    public override string ToString() => $"P{Id}";
}

public sealed class ProbeInner
{
    public int Value { get; set; }
}

/// <summary>
/// Sibling conditions comparing one value with different literals are evaluated together (the value once, the
/// literals inline). Whatever the rules and facts, that must change nothing: not which rules fire, not their order,
/// not the errors reported.
/// </summary>
public class AlphaDispatchTests
{
    private static readonly string[] Fields = ["D", "I", "L", "M", "T", "S"];
    private static readonly ExpressionType[] Ops =
    [
        ExpressionType.Equal, ExpressionType.NotEqual, ExpressionType.GreaterThan,
        ExpressionType.GreaterThanOrEqual, ExpressionType.LessThan, ExpressionType.LessThanOrEqual,
    ];

    private static readonly double[] Doubles = [double.NaN, -1, 0, 1, 2, 3];
    private static readonly string?[] Strings = [null, "a", "b", "c"];

    private sealed record ConditionSpec(int Field, int Op, int Value, bool Flipped);

    private sealed record FactOp(int Kind, int Target, int[] Values);

    [Fact]
    public void RandomLiteralRulesAndFactStreams_FireExactlyAsWithoutDispatch()
    {
        var genCondition = Gen.Select(Gen.Int[0, 5], Gen.Int[0, 5], Gen.Int[0, 5], Gen.Bool, (f, o, v, flip) => new ConditionSpec(f, o, v, flip));
        var genOp = Gen.Select(Gen.Int[0, 4], Gen.Int[0, 1000], Gen.Int[0, 5].Array[6], (k, t, v) => new FactOp(k, t, v));
        var totalFirings = 0;
        var dispatched = 0;
        // Each sample draws its conditions from two fields and two operators, so many siblings share value and operator.
        Gen.Select(Gen.Int[0, 5], Gen.Int[0, 5], genCondition.Array[1, 2].Array[6, 24], genOp.Array[1, 25]).Sample((field, op, rules, ops) =>
        {
            var definitions = rules
                .Select((conditions, i) => Rule($"r{i}", [.. conditions.Select(c => c with { Field = (field + (c.Field % 2)) % 6, Op = (op + (c.Op % 2)) % 6 })]))
                .ToList();
            var withDispatch = Run(new RuleCompiler(), definitions, ops);
            var without = Run(new RuleCompiler { AlphaDispatch = false }, definitions, ops);
            Assert.Equal(without, withDispatch);
            totalFirings += withDispatch.Count;
            dispatched += ((SessionFactory)new RuleCompiler().Compile(definitions)).Network.TypeNodesFor(typeof(Probe)).Sum(n => n.DispatchGroups);
        }, iter: 300);

        // The generator is not vacuous: rules fire, and conditions are dispatched together.
        Assert.True(totalFirings > 1000, $"only {totalFirings} firings");
        Assert.True(dispatched > 100, $"only {dispatched} dispatch groups");
    }

    [Fact]
    public void Compile_ManyRulesOnOneValue_GroupsTheirConditions()
    {
        var definitions = Enumerable.Range(0, 8).Select(i => Rule($"r{i}", [new ConditionSpec(0, 2, i % 6, false)])).ToList();
        var factory = (SessionFactory)new RuleCompiler().Compile(definitions);
        var typeNode = factory.Network.TypeNodesFor(typeof(Probe)).Single();

        Assert.Equal(1, typeNode.DispatchGroups);
        var session = factory.CreateSession();
        session.Insert(new Probe(1) { D = 2.5 });
        Assert.Equal(Enumerable.Range(0, 8).Count(i => 2.5 > i % 6), session.Fire());
    }

    [Fact]
    public void Fire_ValueThrowsForAFact_EachConditionReportsItsOwnError()
    {
        var fact = Expression.Parameter(typeof(Probe), "p");
        var value = Expression.Property(Expression.Property(fact, nameof(Probe.Inner)), nameof(ProbeInner.Value));
        var definitions = Enumerable.Range(0, 6)
            .Select(i => Rule($"inner over {i}", [Expression.Lambda(Expression.GreaterThan(value, Expression.Constant(i)), fact)]))
            .ToList();
        var failures = new Dictionary<bool, List<string>>();
        foreach (var dispatch in new[] { true, false })
        {
            var factory = new RuleCompiler { AlphaDispatch = dispatch }.Compile(definitions);
            var session = factory.CreateSession();
            var failed = failures[dispatch] = [];
            session.Events.LhsExpressionFailedEvent += (_, e) =>
            {
                failed.Add(string.Join(",", e.Rules.Select(r => r.Name)));
                e.IsHandled = true;
            };
            var probe = new Probe(1);
            session.Insert(probe);
            Assert.Equal(0, session.Fire());
            probe.Inner = new ProbeInner { Value = 3 };
            session.Update(probe);
            Assert.Equal(3, session.Fire());
        }

        Assert.Equal(6, failures[true].Count);
        Assert.Equal(failures[false], failures[true]);
    }

    [Theory]
    [InlineData("p => p.D > 1", true, "Greater")]
    [InlineData("1 < p.D", true, "Greater")]
    [InlineData("p.S == \"a\"", true, "Equal")]
    [InlineData("literals only", false, null)]
    [InlineData("p.I + 1 >= 2", true, "GreaterOrEqual")]
    [InlineData("nullable", false, null)]
    [InlineData("two values", false, null)]
    public void TryCreate_RecognisesLiteralComparisonsOnly(string shape, bool recognised, string? op)
    {
        var p = Expression.Parameter(typeof(Probe), "p");
        Expression body = shape switch
        {
            "p => p.D > 1" => Expression.GreaterThan(Expression.Property(p, "D"), Expression.Constant(1.0)),
            "1 < p.D" => Expression.LessThan(Expression.Constant(1.0), Expression.Property(p, "D")),
            "p.S == \"a\"" => Expression.Equal(Expression.Property(p, "S"), Expression.Constant("a")),
            "literals only" => Expression.Equal(Expression.Constant("a"), Expression.Constant("b")),
            "p.I + 1 >= 2" => Expression.GreaterThanOrEqual(Expression.Add(Expression.Property(p, "I"), Expression.Constant(1)), Expression.Constant(2)),
            "nullable" => Expression.GreaterThan(Expression.Convert(Expression.Property(p, "I"), typeof(int?)), Expression.Constant(1, typeof(int?))),
            _ => Expression.GreaterThan(Expression.Property(p, "I"), Expression.Convert(Expression.Property(p, "L"), typeof(int))),
        };

        var comparison = AlphaComparison.TryCreate(Expression.Lambda(body, p));

        Assert.Equal(recognised, comparison is not null);
        if (comparison is not null)
        {
            Assert.Equal(op, comparison.Op.ToString());
        }
    }

    private static List<string> Run(RuleCompiler compiler, IReadOnlyList<IRuleDefinition> rules, FactOp[] ops)
    {
        var session = compiler.Compile(rules).CreateSession();
        var fired = new List<string>();
        session.Events.RuleFiredEvent += (_, e) => fired.Add($"{e.Rule.Name}:{e.Facts[0].Value}");
        var facts = new List<Probe>();
        var nextId = 1;
        foreach (var op in ops)
        {
            switch (op.Kind)
            {
                case 0 or 1:
                    var probe = Set(new Probe(nextId++), op.Values);
                    facts.Add(probe);
                    session.Insert(probe);
                    break;
                case 2 or 3 when facts.Count > 0:
                    session.Update(Set(facts[op.Target % facts.Count], op.Values));
                    break;
                case 4 when facts.Count > 0:
                    var gone = facts[op.Target % facts.Count];
                    facts.Remove(gone);
                    session.Retract(gone);
                    break;
            }

            session.Fire();
        }

        return fired;
    }

    private static Probe Set(Probe probe, int[] values)
    {
        probe.D = Doubles[values[0] % Doubles.Length];
        probe.I = values[1] % 4;
        probe.L = values[2] % 4;
        probe.M = values[3] % 4;
        probe.T = new DateTime(2026, 1, 1).AddDays(values[4] % 4);
        probe.S = Strings[values[5] % Strings.Length];
        return probe;
    }

    private static IRuleDefinition Rule(string name, ConditionSpec[] conditions)
    {
        var p = Expression.Parameter(typeof(Probe), "p");
        return Rule(name, [.. conditions.Select(c => Condition(p, c))]);
    }

    private static IRuleDefinition Rule(string name, IEnumerable<LambdaExpression> conditions)
    {
        var rule = new RuleBuilder();
        rule.Name(name);
        var pattern = rule.LeftHandSide().Pattern(typeof(Probe), "p");
        foreach (var condition in conditions)
        {
            pattern.Condition(condition);
        }

        Expression<Action<IContext, Probe>> action = (ctx, p) => Noop(p);
        rule.RightHandSide().Action(action);
        return rule.Build();
    }

    private static void Noop(Probe probe) => GC.KeepAlive(probe);

    private static LambdaExpression Condition(ParameterExpression p, ConditionSpec spec)
    {
        var field = Fields[spec.Field];
        Expression value = Expression.Property(p, field);
        Expression literal = field switch
        {
            "D" => Expression.Constant(Doubles[spec.Value % Doubles.Length]),
            "I" => Expression.Constant(spec.Value % 4),
            "L" => Expression.Constant((long)(spec.Value % 4)),
            "M" => Expression.Constant((decimal)(spec.Value % 4)),
            "T" => Expression.Constant(new DateTime(2026, 1, 1).AddDays(spec.Value % 4)),
            _ => Expression.Constant(Strings[1 + (spec.Value % 3)], typeof(string)),
        };

        // Strings only compare for equality; ordering ops on them become == / != by parity.
        var op = field == "S" ? Ops[spec.Op % 2] : Ops[spec.Op];
        var (left, right) = spec.Flipped ? (literal, value) : (value, literal);
        return Expression.Lambda(Expression.MakeBinary(op, left, right, false, field == "S" ? typeof(string).GetMethod(op == ExpressionType.Equal ? "op_Equality" : "op_Inequality") : null), p);
    }
}
