// A rule written for NRules, with only the using lines changed (NRules.Fluent.Dsl -> Crm.Engine.Rules.Fluent.Dsl, NRules -> Crm.Engine.Rules).
using Crm.Engine.Rules.Fluent;
using Crm.Engine.Rules.Extensibility;
using Crm.Engine.Rules.Fluent.Dsl;
using Crm.Engine.Rules.RuleModel;

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

    [Fact]
    public void NRulesStyleHost_ContextHelpers_MatchTriggers_EventsAndRepositoryExtensions_CompileAndWork()
    {
        var repository = new RuleRepository();
        repository.Load(x => x.From(typeof(LinkedNoticesRule)));
        Assert.Equal(["Linked notices"], repository.GetRules().Select(r => r.Name));
        var factory = repository.Compile(CancellationToken.None);
        var board = new NoticeBoard();
        factory.DependencyResolver = new NoticeBoardResolver(board);
        var session = factory.CreateSession();
        var triggers = new List<MatchTrigger>();
        var inserted = new List<string>();
        session.Events.RuleFiringEvent += (_, e) => triggers.Add(e.Match.Trigger);
        session.Events.FactInsertedEvent += (_, e) => inserted.Add($"{e.Fact.Type.Name}:{e.Fact.Value}");
        var order = new Order(7, null, 50m);
        session.Insert(order);

        session.Fire();
        order.Amount = 60m;
        session.Update(order);
        session.Fire();
        session.Retract(order);
        session.Fire();

        Assert.Equal([MatchTrigger.Created, MatchTrigger.Updated, MatchTrigger.Removed], triggers);
        Assert.Equal(["2 linked for 7", "2 linked for 7", "0 linked for 7"], board.Notices);
        Assert.Equal(["Order:" + order, "Notice:Notice { Text = a 7 }", "Notice:Notice { Text = b 7 }"], inserted);
        Assert.Empty(session.Query<Notice>());
    }

    [Fact]
    public void TypeScanner_FindsTheAssemblysPublicTopLevelRules_NestedOnlyWhenAsked()
    {
        static List<Type> Load(Action<RuleTypeScanner> scan)
        {
            var repository = new RuleRepository();
            repository.Load(x => x.From(scan).Where(r => r.RuleType == typeof(LargeOrderNoticeRule) || r.RuleType == typeof(ScannedRules.NestedOrderRule)));
            return [.. repository.GetRules().Select(r => (Type)r.Properties["ClrType"])];
        }

        Assert.Equal([typeof(LargeOrderNoticeRule)], Load(s => s.AssemblyOf<LargeOrderNoticeRule>()));
        var anyTypeOfTheAssembly = typeof(NRulesStyleTests);
        Assert.Equal([typeof(LargeOrderNoticeRule), typeof(ScannedRules.NestedOrderRule)], Load(s => s.AssemblyOf(anyTypeOfTheAssembly).NestedTypes()).OrderBy(t => t.Name, StringComparer.Ordinal));
        Assert.Equal([typeof(ScannedRules.NestedOrderRule)], Load(s => s.Type(typeof(ScannedRules.NestedOrderRule), typeof(NoticeBoard)).NestedTypes()));
    }

    [Fact]
    public void DerivedRuleClass_InheritsThePriorityAndTags_NotTheDescriptionOrRepeatability()
    {
        var metadata = new RuleMetadata(typeof(DerivedOrderRule));

        Assert.Equal(5, metadata.Priority);
        Assert.Equal(["base"], metadata.Tags);
        Assert.Equal(string.Empty, metadata.Description);
        Assert.Equal(RuleRepeatability.Repeatable, metadata.Repeatability);
        Assert.Equal(RuleRepeatability.NonRepeatable, new RuleMetadata(typeof(BaseOrderRule)).Repeatability);
    }

    [Fact]
    public void CollectToLookup_NRulesForm_GroupsByKeyAndListsTheKeys()
    {
        var repository = new RuleRepository();
        repository.Load(x => x.From(typeof(OrdersByCustomerRule)));
        var session = repository.Compile().CreateSession();
        var board = new NoticeBoard();
        session.DependencyResolver = new NoticeBoardResolver(board);
        session.InsertAll([new Order(1, null, 10m) { CustomerId = 7 }, new Order(2, null, 20m) { CustomerId = 8 }, new Order(3, null, 30m) { CustomerId = 7 }]);

        session.Fire();

        Assert.Equal(["keys 7,8; customer 7: 10,30; ids of 8: 2"], board.Notices);
    }

    [Fact]
    public void CollectOrderByToLookup_IsRefusedWithAClearMessage()
    {
        var repository = new RuleRepository();

        var error = Assert.Throws<RuleDefinitionException>(() => repository.Load(x => x.From(typeof(SortedLookupRule))));

        Assert.Equal(typeof(SortedLookupRule), error.RuleType);
        Assert.Contains(nameof(SortedLookupRule), error.Message, StringComparison.Ordinal);
        Assert.Contains("ToLookup cannot follow OrderBy", error.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(error.InnerException);
    }

    [Fact]
    public void RuleClassThatCannotBeCreated_IsNamedInARuleActivationException()
    {
        var repository = new RuleRepository();

        var error = Assert.Throws<RuleActivationException>(() => repository.Load(x => x.From(typeof(UncreatableRule))));

        Assert.Equal(typeof(UncreatableRule), error.RuleType);
        Assert.Contains(nameof(UncreatableRule), error.Message, StringComparison.Ordinal);
        Assert.Equal("no price list", error.InnerException!.Message);
    }

    [Fact]
    public void RuleCompilationException_NamesTheRule()
    {
        var repository = new RuleRepository();
        repository.Load(x => x.From(typeof(AnyOrderNoticeRule), typeof(AnyOrderNoticeTwinRule)));

        var error = Assert.Throws<RuleCompilationException>(() => repository.Compile());

        Assert.Equal("Any order", error.RuleName);
    }

    [Fact]
    public void Compile_Cancelled_StopsWithOperationCanceled()
    {
        var repository = new RuleRepository();
        repository.Load(x => x.From(typeof(AnyOrderNoticeRule)));

        Assert.Throws<OperationCanceledException>(() => repository.Compile(new CancellationToken(canceled: true)));
    }
}

// Linked facts, ctx.Resolve<T>() and a helper that takes IContext (NRules.RuleModel.IContext).
[Name("Linked notices")]
public class LinkedNoticesRule : Rule
{
    public override void Define()
    {
        Order order = default!;

        When()
            .Match<Order>(() => order);

        Then()
            .Action(ctx => Link(ctx, order), ActionTrigger.Activated)
            .Action(ctx => Relink(ctx, order), ActionTrigger.Reactivated)
            .Action(ctx => Report(ctx, order), ActionTrigger.Deactivated);
    }

    private static void Link(IContext ctx, Order order)
    {
        ctx.InsertAllLinked([new KeyValuePair<object, object>("a", new Notice("a " + order.Id)), new KeyValuePair<object, object>("b", new Notice("b " + order.Id))]);
        Report(ctx, order);
    }

    private static void Relink(IContext ctx, Order order)
    {
        ctx.UpdateAllLinked([.. ctx.GetLinkedKeys().Select(k => new KeyValuePair<object, object>(k, ctx.GetLinked(k)!))]);
        Report(ctx, order);
    }

    private static void Report(IContext ctx, Order order) =>
        ctx.Resolve<NoticeBoard>().Notices.Add($"{ctx.GetLinkedKeys().Count} linked for {order.Id}");
}

/// <summary>Holds a nested rule class, which type scanners skip unless asked.</summary>
public static class ScannedRules
{
    /// <summary>A nested rule.</summary>
    public class NestedOrderRule : Rule
    {
        public override void Define()
        {
            Order order = default!;
            When().Match<Order>(() => order);
            Then().Do(ctx => ctx.Halt());
        }
    }
}

[Tag("base")]
[Description("Base rule")]
[Priority(5)]
[Repeatability(RuleRepeatability.NonRepeatable)]
public class BaseOrderRule : Rule
{
    public override void Define()
    {
        Order order = default!;
        When().Match<Order>(() => order);
        Then().Do(ctx => ctx.Halt());
    }
}

public class DerivedOrderRule : BaseOrderRule;

// NRules' lookup form: Collect() then ToLookup(key[, element]) gives an IKeyedLookup.
public class OrdersByCustomerRule : Rule
{
    public override void Define()
    {
        IKeyedLookup<int, Order> byCustomer = default!;
        IKeyedLookup<int, int> idsByCustomer = default!;
        NoticeBoard board = default!;

        Dependency()
            .Resolve(() => board);

        When()
            .Query(() => byCustomer, q => q
                .Match<Order>()
                .Collect()
                .ToLookup(o => o.CustomerId))
            .Query(() => idsByCustomer, q => q
                .Match<Order>()
                .Collect()
                .ToLookup(o => o.CustomerId, o => o.Id));

        Then()
            .Do(ctx => board.Notices.Add($"keys {string.Join(",", byCustomer.Keys)}; customer 7: {string.Join(",", byCustomer[7].Select(o => o.Amount))}; ids of 8: {string.Join(",", idsByCustomer[8])}"));
    }
}

public class UncreatableRule : Rule
{
    public UncreatableRule() => throw new InvalidOperationException("no price list");

    public override void Define()
    {
        Order order = default!;
        When().Match<Order>(() => order);
        Then().Do(ctx => ctx.Halt());
    }
}

public class SortedLookupRule : Rule
{
    public override void Define()
    {
        IKeyedLookup<int, Order> byCustomer = default!;

        When()
            .Query(() => byCustomer, q => q
                .Match<Order>()
                .Collect()
                .OrderBy(o => o.Amount)
                .ToLookup(o => o.CustomerId));

        Then()
            .Do(ctx => ctx.Halt());
    }
}

// A second rule with the name of AnyOrderNoticeRule.
public class AnyOrderNoticeTwinRule : Rule
{
    public override void Define()
    {
        Name("Any order");
        Order order = default!;

        When()
            .Match<Order>(() => order);

        Then()
            .Do(ctx => ctx.Halt());
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
