using System.Linq.Expressions;
using Crm.Engine.Rules.RuleModel;
using Crm.Engine.Rules.RuleModel.Builders;

namespace Crm.Engine.Rules.Tests;

/// <summary>The agenda's order (priority, then recency) under inserts, updates and retracts in any mix.</summary>
public class AgendaOrderTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void RandomInsertsUpdatesRetracts_FireInPriorityThenRecencyOrder(int seed)
    {
        int[] priorities = [0, 5, -3, 5];
        var factory = new RuleCompiler().Compile(priorities.Select((p, i) => Rule("rule " + i, p)));
        var session = factory.CreateSession();
        session.TracingEnabled = true;
        var random = new Random(seed);
        var live = new List<Tick>();
        var lastTouched = new Dictionary<Tick, int>();
        var time = 0;
        for (var step = 0; step < 300; step++)
        {
            var op = live.Count == 0 ? 0 : random.Next(3);
            if (op == 0)
            {
                var tick = new Tick(step);
                session.Insert(tick);
                live.Add(tick);
                lastTouched[tick] = ++time;
            }
            else if (op == 1)
            {
                var tick = live[random.Next(live.Count)];
                session.Update(tick);
                lastTouched[tick] = ++time;
            }
            else
            {
                var tick = live[random.Next(live.Count)];
                session.Retract(tick);
                live.Remove(tick);
            }
        }

        Assert.Equal(live.Count * priorities.Length, session.Agenda.Count);
        var expected = priorities.Select((p, i) => (Name: "rule " + i, Priority: p))
            .SelectMany(r => live.Select(t => (r.Name, r.Priority, Time: lastTouched[t], Tick: t)))
            .OrderByDescending(x => x.Priority).ThenByDescending(x => x.Time)
            .ToList();
        Assert.Same(expected[0].Tick, session.Agenda.Peek().Get("t"));

        var fired = session.Fire();

        Assert.Equal(expected.Count, fired);
        Assert.True(session.Agenda.IsEmpty);
        var actual = session.Firings.Select(f => (f.RuleName, f.Facts.Single().Value)).ToList();
        // Rules of equal priority interleave by recency; the per-fact order within each priority is what is fixed.
        foreach (var priority in priorities.Distinct())
        {
            var names = expected.Where(e => e.Priority == priority).Select(e => e.Name).ToHashSet();
            Assert.Equal(
                expected.Where(e => e.Priority == priority).Select(e => (object)e.Tick).Distinct(),
                actual.Where(a => names.Contains(a.RuleName)).Select(a => a.Value!).Distinct());
        }

        Assert.Equal(expected.Select(e => e.Priority), actual.Select(a => priorities[int.Parse(a.RuleName["rule ".Length..], System.Globalization.CultureInfo.InvariantCulture)]));
    }

    [Fact]
    public void Clear_EmptiesTheAgenda_AndUpdatesQueueAgain()
    {
        var factory = new RuleCompiler().Compile([Rule("only", 0)]);
        var session = factory.CreateSession();
        var a = new Tick(1);
        var b = new Tick(2);
        session.InsertAll([a, b]);
        Assert.Equal(2, session.Agenda.Count);

        session.Agenda.Clear();
        Assert.True(session.Agenda.IsEmpty);
        Assert.Equal(0, session.Fire());

        session.Update(a);
        Assert.Same(a, session.Agenda.Peek().Get("t"));
        Assert.Equal(1, session.Fire());
    }

    private static IRuleDefinition Rule(string name, int priority)
    {
        var t = Expression.Parameter(typeof(Tick), "t");
        var rule = new RuleBuilder();
        rule.Name(name);
        rule.Priority(priority);
        var pattern = rule.LeftHandSide().Pattern(typeof(Tick), "t");
        pattern.Condition(Expression.Lambda(Expression.GreaterThanOrEqual(Expression.Property(t, nameof(Tick.Id)), Expression.Constant(0)), t));
        Expression<Action<IContext, Tick>> action = (ctx, t) => t.Touch();
        rule.RightHandSide().Action(action);
        return rule.Build();
    }

    public sealed class Tick(int id)
    {
        public int Id { get; } = id;

        public int Fired { get; private set; }

        public void Touch() => Fired++;
    }
}
