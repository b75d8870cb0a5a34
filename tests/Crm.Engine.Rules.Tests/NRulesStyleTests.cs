// A rule written for NRules, with only the using lines changed (NRules.Fluent.Dsl -> Crm.Engine.Rules.Fluent.Dsl, NRules -> Crm.Engine.Rules).
using Crm.Engine.Rules.Fluent;
using Crm.Engine.Rules.Extensibility;
using Crm.Engine.Rules.Fluent.Dsl;

namespace Crm.Engine.Rules.Tests;

public class NRulesStyleTests
{
    [Fact]
    public void NRulesStyleRule_CompilesAndRuns_AppliesDiscountOnce()
    {
        var repository = new RuleRepository();
        repository.Load(x => x.From(typeof(PreferredCustomerDiscountRule)));
        var factory = repository.Compile();
        var session = factory.CreateSession();
        var customer = new Customer("John Doe") { IsPreferred = true };
        var order1 = new Order(123456, customer, 100.00m);
        var order2 = new Order(123457, customer, 200.00m);
        var order3 = new Order(123458, customer, 300.00m) { IsOpen = false };
        session.Insert(customer);
        session.InsertAll([order1, order2, order3]);

        var fired = session.Fire();

        Assert.Equal(1, fired);
        Assert.Equal([90.00m, 180.00m, 300.00m], new[] { order1, order2, order3 }.Select(o => o.Amount));
    }

    [Fact]
    public void NRulesStyleRule_SettingNameAndPriorityInDefine_AndResolvingADependency_CompilesAndRuns()
    {
        var repository = new RuleRepository();
        repository.Load(x => x.From(typeof(LargeOrderNoticeRule), typeof(AnyOrderNoticeRule)));
        var factory = repository.Compile();
        var board = new NoticeBoard();
        factory.DependencyResolver = new NoticeBoardResolver(board);
        var session = factory.CreateSession();
        session.Insert(new Order(1, null, 500m));

        Assert.Equal(2, session.Fire());

        var names = factory.Rules.Select(r => (r.Name, r.Priority)).OrderBy(r => r.Name, StringComparer.Ordinal).ToList();
        Assert.Equal([("Any order", 0), ("Large order notice", 10)], names);
        Assert.Equal(["large 1", "any 1"], board.Notices);
    }
}

/// <summary>Where the NRules-style rules below post (resolved as a dependency).</summary>
public sealed class NoticeBoard
{
    public List<string> Notices { get; } = [];
}

internal sealed class NoticeBoardResolver(NoticeBoard board) : IDependencyResolver
{
    public object Resolve(IResolutionContext context, Type serviceType) =>
        serviceType == typeof(NoticeBoard) ? board : throw new InvalidOperationException(serviceType.Name);
}

// Name and priority set in Define() override the attributes and the class name (NRules: Rule.Name/Rule.Priority).
[Name("Named by attribute")]
[Priority(1)]
public class LargeOrderNoticeRule : Rule
{
    public override void Define()
    {
        Name("Large order notice");
        Priority(10);
        Order order = default!;
        NoticeBoard board = default!;

        Dependency()
            .Resolve(() => board);

        When()
            .Match<Order>(() => order, o => o.Amount > 100m);

        Then()
            .Do(ctx => board.Notices.Add("large " + order.Id));
    }
}

public class AnyOrderNoticeRule : Rule
{
    public override void Define()
    {
        Name("Any order");
        Order order = default!;
        NoticeBoard board = default!;

        Dependency()
            .Resolve(() => board);

        When()
            .Match<Order>(() => order);

        Then()
            .Do(ctx => board.Notices.Add("any " + order.Id));
    }
}

public class PreferredCustomerDiscountRule : Rule
{
    public override void Define()
    {
        Customer customer = default!;
        IEnumerable<Order> orders = default!;

        When()
            .Match<Customer>(() => customer, c => c.IsPreferred)
            .Query(() => orders, x => x
                .Match<Order>(
                    o => o.Customer == customer,
                    o => o.IsOpen,
                    o => !o.IsDiscounted)
                .Collect()
                .Where(c => c.Any()));

        Then()
            .Do(ctx => ApplyDiscount(orders, 10.0m))
            .Do(ctx => ctx.UpdateAll(orders));
    }

    private static void ApplyDiscount(IEnumerable<Order> orders, decimal discount)
    {
        foreach (var order in orders)
        {
            order.Amount *= (100 - discount) / 100;
            order.IsDiscounted = true;
        }
    }
}
