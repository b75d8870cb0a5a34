using System.Linq.Expressions;
using Crm.Engine.Rules.Rete;
using Crm.Engine.Rules.RuleModel;
using Crm.Engine.Rules.RuleModel.Builders;
using CsCheck;

namespace Crm.Engine.Rules.Tests;

public enum Tier
{
    Bronze,
    Silver,
    Gold,
}

public sealed class Priced(int id, int amount, string category, Tier tier, decimal price, int? quota)
{
    public int Id { get; } = id;

    public int Amount { get; } = amount;

    public string Category { get; } = category;

    public Tier Tier { get; } = tier;

    public decimal Price { get; } = price;

    public int? Quota { get; } = quota;

    public override string ToString() => $"P{Id}";
}

/// <summary>
/// The mechanisms behind the engine's speed must not change what it computes: the compact beta-memory sets iterate
/// exactly as the hash sets they replaced (iteration order is firing order), and conditions whose literal constants
/// are lifted into a shared delegate give the same answers as the conditions compiled one by one.
/// </summary>
public class PerformanceMechanismTests
{
    private sealed class Item(int id)
    {
        public int Id { get; } = id;

        public override string ToString() => $"I{Id}";
    }

    [Fact]
    public void RandomAddsAndRemoves_SlotsIterate_ExactlyAsHashSetAndDictionary()
    {
        var items = Enumerable.Range(0, 24).Select(i => new Item(i)).ToArray();
        Gen.Select(Gen.Bool, Gen.Int[0, 23]).Array[1, 200].Sample(ops =>
        {
            var slots = default(Slots<Item, int>);
            var set = new HashSet<Item>();
            var dictionary = new Dictionary<Item, int>();
            foreach (var (add, index) in ops)
            {
                var item = items[index];
                if (add)
                {
                    Assert.Equal(set.Add(item), slots.Add(item, index));
                    dictionary.TryAdd(item, index);
                }
                else
                {
                    Assert.Equal(set.Remove(item), slots.Remove(item, out var value));
                    if (dictionary.Remove(item))
                    {
                        Assert.Equal(index, value);
                    }
                }

                Assert.Equal(set.Count, slots.Count);
                Assert.Equal(set.ToArray(), slots.ToArray());
                Assert.Equal(dictionary.Keys.ToArray(), slots.ToArray());
                foreach (var i in items)
                {
                    Assert.Equal(set.Contains(i), slots.Contains(i));
                }

                foreach (var (held, value) in dictionary)
                {
                    Assert.Equal(value, slots.ValueAt(slots.IndexOf(held)));
                }

                var walked = new List<Item>();
                for (var s = 0; s < slots.End; s++)
                {
                    if (slots.KeyAt(s) is { } k)
                    {
                        walked.Add(k);
                    }
                }

                Assert.Equal(set.ToArray(), walked);
            }
        }, iter: 500);
    }

    [Fact]
    public void Lift_ReplacesLiteralConstants_AndSkipsLambdasWithout()
    {
        Expression<Func<Priced, bool>> withConstants = p => p.Amount > 5 && p.Category == "x";
        Expression<Func<Priced, bool>> without = p => p.Amount > p.Id;

        var lifted = CompiledExpression.Lift(withConstants);

        Assert.NotNull(lifted);
        Assert.Equal([5, "x"], lifted.Value.Constants);
        Assert.Null(CompiledExpression.Lift(without));
    }

    [Fact]
    public void RandomConditions_LiftedAndSharedTemplates_EqualDirectCompilation()
    {
        var p = Expression.Parameter(typeof(Priced), "p");
        var shapes = new Func<int, Expression>[]
        {
            k => Expression.GreaterThan(Expression.Property(p, nameof(Priced.Amount)), Expression.Constant(k)),
            k => Expression.Equal(Expression.Property(p, nameof(Priced.Category)), Expression.Constant("c" + (k % 3))),
            k => Expression.Equal(Expression.Property(p, nameof(Priced.Tier)), Expression.Constant((Tier)(k % 3))),
            k => Expression.LessThanOrEqual(Expression.Property(p, nameof(Priced.Price)), Expression.Constant(k / 2m)),
            k => Expression.Equal(Expression.Property(p, nameof(Priced.Quota)), Expression.Constant(k % 4 == 0 ? null : (int?)k, typeof(int?))),
            k => Expression.AndAlso(
                Expression.GreaterThanOrEqual(Expression.Property(p, nameof(Priced.Amount)), Expression.Constant(k)),
                Expression.Call(Expression.Property(p, nameof(Priced.Category)), typeof(string).GetMethod(nameof(string.StartsWith), [typeof(string)])!, Expression.Constant("c"))),
        };
        var genFact = Gen.Select(Gen.Int[0, 10], Gen.Int[0, 3], Gen.Int[0, 2], Gen.Int[0, 10], Gen.Int[-1, 6], (amount, category, tier, price, quota) =>
            new Priced(amount, amount, "c" + category, (Tier)tier, price / 2m, quota < 0 ? null : quota));
        Gen.Select(Gen.Select(Gen.Int[0, shapes.Length - 1], Gen.Int[0, 10]).Array[1, 12], genFact.Array[1, 10]).Sample((conditions, facts) =>
        {
            var rules = new List<IRuleDefinition>();
            var expected = new List<string>();
            for (var r = 0; r < conditions.Length; r++)
            {
                var (shape, k) = conditions[r];
                var lambda = Expression.Lambda(shapes[shape](k), p);
                var builder = new RuleBuilder();
                builder.Name("r" + r);
                builder.LeftHandSide().Pattern(typeof(Priced), "p").Condition(lambda);
                rules.Add(builder.Build());
            }

            var session = new RuleCompiler().Compile(rules).CreateSession();
            var fired = new List<string>();
            session.Events.RuleFiredEvent += (_, e) => fired.Add($"{e.Rule.Name}:{((Priced)e.Activation.Facts[0].Value!).Id}");
            for (var i = 0; i < facts.Length; i++)
            {
                facts[i] = new Priced(i, facts[i].Amount, facts[i].Category, facts[i].Tier, facts[i].Price, facts[i].Quota);
            }

            for (var r = 0; r < conditions.Length; r++)
            {
                var (shape, k) = conditions[r];
                var direct = (Func<Priced, bool>)Expression.Lambda(shapes[shape](k), p).Compile();
                expected.AddRange(facts.Where(direct).Select(f => $"r{r}:{f.Id}"));
            }

            session.InsertAll(facts);
            session.Fire();
            Assert.Equal(expected.Order(), fired.Order());
        }, iter: 200);
    }

    [Fact]
    public void RulesDifferingOnlyInConstants_ShareOneCompiledTemplate()
    {
        var p = Expression.Parameter(typeof(Priced), "p");
        var low = new CompiledExpression(Expression.Lambda(Expression.GreaterThan(Expression.Property(p, nameof(Priced.Amount)), Expression.Constant(1)), p));
        var lifted1 = CompiledExpression.Lift(Expression.Lambda(Expression.GreaterThan(Expression.Property(p, nameof(Priced.Amount)), Expression.Constant(1)), p))!.Value;
        var lifted2 = CompiledExpression.Lift(Expression.Lambda(Expression.GreaterThan(Expression.Property(p, nameof(Priced.Amount)), Expression.Constant(7)), p))!.Value;

        Assert.Equal(new ExpressionKey(lifted1.Template), new ExpressionKey(lifted2.Template));
        var shared = lifted1.Template.Compile();
        var one = new CompiledExpression(lifted1.Template, shared, lifted1.Constants);
        var seven = new CompiledExpression(lifted2.Template, shared, lifted2.Constants);
        var fact = new Priced(1, 5, "c", Tier.Gold, 1m, null);
        Assert.True(one.Test1(fact));
        Assert.Equal(low.Test1(fact), one.Test1(fact));
        Assert.False(seven.Test1(fact));
    }
}
