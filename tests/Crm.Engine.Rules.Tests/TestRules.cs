using Crm.Engine.Rules.Fluent.Dsl;
using Crm.Engine.Rules.RuleModel;

namespace Crm.Engine.Rules.Tests;

// One small fact domain, many shapes of rule. Each rule is compiled on its own (or with a few others) by the tests.
[Name("ThreeFactJoin")]
public sealed class TwoOrdersOfSameCustomerRule : Rule
{
    public override void Define()
    {
        Customer customer = null!;
        Order first = null!;
        Order second = null!;
        When()
            .Match(() => customer)
            .Match(() => first, o => o.Customer == customer)
            .Match(() => second, o => o.Customer == customer, o => o.Id > first.Id);
        Then().Do(ctx => ctx.Insert(new Notice($"{customer.Name}:{first.Id}<{second.Id}")));
    }
}

[Name("SameCity")]
public sealed class SameCityRule : Rule
{
    public override void Define()
    {
        Customer a = null!;
        Customer b = null!;
        When()
            .Match(() => a, c => c.Address != null)
            .Match(() => b, c => c.Address != null && c != a, c => c.Address!.City == a.Address!.City, c => string.CompareOrdinal(c.Name, a.Name) > 0);
        Then().Do(ctx => ctx.Insert(new Notice($"{a.Name}~{b.Name}")));
    }
}

[Name("NoOrders")]
public sealed class CustomerWithoutOrdersRule : Rule
{
    public override void Define()
    {
        Customer customer = null!;
        When()
            .Match(() => customer)
            .Not<Order>(o => o.Customer == customer);
        Then().Do(ctx => ctx.Insert(new Notice("idle " + customer.Name)));
    }
}

[Name("HasOpenOrder")]
public sealed class CustomerWithOpenOrderRule : Rule
{
    public override void Define()
    {
        Customer customer = null!;
        When()
            .Match(() => customer)
            .Exists<Order>(o => o.Customer == customer, o => o.IsOpen);
        Then().Do(ctx => ctx.Insert(new Notice("open " + customer.Name)));
    }
}

[Name("AllOrdersOpen")]
public sealed class AllOrdersOpenRule : Rule
{
    public override void Define()
    {
        Customer customer = null!;
        When()
            .Match(() => customer)
            .All<Order>(o => o.Customer == customer, o => o.IsOpen);
        Then().Do(ctx => ctx.Insert(new Notice("all open " + customer.Name)));
    }
}

[Name("EveryOrderOpen")]
public sealed class EveryOrderOpenRule : Rule
{
    public override void Define()
    {
        When().All<Order>(o => o.IsOpen);
        Then().Do(ctx => ctx.Insert(new Notice("every order open")));
    }
}

[Name("PreferredOrBigSpender")]
public sealed class PreferredOrBigSpenderRule : Rule
{
    public override void Define()
    {
        Customer customer = null!;
        Order order = null!;
        When()
            .Match(() => customer)
            .Or(x => x
                .Match<Customer>(c => c == customer, c => c.IsPreferred)
                .And(y => y.Match(() => order, o => o.Customer == customer, o => o.Amount > 1000)));
        Then().Do(ctx => ctx.Insert(new Notice($"vip {customer.Name} {(order == null ? "-" : order.Id.ToString(System.Globalization.CultureInfo.InvariantCulture))}")));
    }
}

[Name("CollectOrders")]
public sealed class CollectOrdersRule : Rule
{
    public override void Define()
    {
        Customer customer = null!;
        IEnumerable<Order> orders = null!;
        When()
            .Match(() => customer)
            .Query(() => orders, q => q.Match<Order>(o => o.Customer == customer).Collect().Where(x => x.Count() >= 2));
        Then().Do(ctx => ctx.TryInsert(new Total(customer.Name, orders.Sum(o => o.Amount))));
    }
}

[Name("GroupOrders")]
public sealed class GroupOrdersByCustomerRule : Rule
{
    public override void Define()
    {
        IGrouping<string, decimal> group = null!;
        When()
            .Query(() => group, q => q.Match<Order>(o => o.Customer != null).GroupBy(o => o.Customer!.Name, o => o.Amount).Where(g => g.Count() > 1));
        Then().Do(ctx => ctx.Insert(new Total(group.Key, group.Sum())));
    }
}

[Name("SelectAmounts")]
public sealed class SelectAmountRule : Rule
{
    public override void Define()
    {
        decimal amount = 0;
        When()
            .Query(() => amount, q => q.Match<Order>().Select(o => o.Amount * 2).Where(a => a > 100));
        Then().Do(ctx => ctx.Insert(new Notice("doubled " + amount.ToString(System.Globalization.CultureInfo.InvariantCulture))));
    }
}

[Name("VipTags")]
public sealed class VipTagRule : Rule
{
    public override void Define()
    {
        Customer customer = null!;
        string tag = null!;
        When()
            .Match(() => customer)
            .Query(() => tag, q => q.From(() => customer).SelectMany(c => c.Tags).Where(t => t.StartsWith("vip", StringComparison.Ordinal)));
        Then().Do(ctx => ctx.Insert(new Notice(customer.Name + "#" + tag)));
    }
}

[Name("SortedOrders")]
public sealed class SortedOrdersRule : Rule
{
    public override void Define()
    {
        IEnumerable<Order> orders = null!;
        When()
            .Query(() => orders, q => q.Match<Order>().Collect().OrderByDescending(o => o.Amount).ThenBy(o => o.Id));
        Then().Do(ctx => ctx.Insert(new Notice(string.Join(",", orders.Select(o => o.Id)))));
    }
}

[Name("OrderLookup")]
public sealed class OrderLookupRule : Rule
{
    public override void Define()
    {
        ILookup<string, int> lookup = null!;
        When()
            .Query(() => lookup, q => q.Match<Order>(o => o.Customer != null).ToLookup(o => o.Customer!.Name, o => o.Id));
        Then().Do(ctx => ctx.Insert(new Notice(string.Join(";", lookup.OrderBy(g => g.Key).Select(g => g.Key + "=" + string.Join(",", g.Order()))))));
    }
}

[Name("LetHaving")]
public sealed class LetHavingRule : Rule
{
    public override void Define()
    {
        Order order = null!;
        decimal doubled = 0;
        When()
            .Match(() => order)
            .Let(() => doubled, () => order.Amount * 2)
            .Having(() => doubled > 100);
        Then().Do(ctx => ctx.Insert(new Notice($"{order.Id}:{doubled}")));
    }
}

[Name("ChainStart")]
public sealed class ChainStartRule : Rule
{
    public override void Define()
    {
        Customer customer = null!;
        When().Match(() => customer, c => c.IsPreferred);
        Then().Do(ctx => ctx.Insert(new Notice("step1 " + customer.Name)));
    }
}

[Name("ChainNext")]
public sealed class ChainNextRule : Rule
{
    public override void Define()
    {
        Notice notice = null!;
        When().Match(() => notice, n => n.Text.StartsWith("step1", StringComparison.Ordinal));
        Then().Do(ctx => ctx.Insert(new Notice("step2 " + notice.Text)));
    }
}

[Name("YieldTotal")]
public sealed class YieldTotalRule : Rule
{
    public override void Define()
    {
        Customer customer = null!;
        IEnumerable<Order> orders = null!;
        When()
            .Match(() => customer)
            .Query(() => orders, q => q.Match<Order>(o => o.Customer == customer).Collect());
        Then().Yield(ctx => new Total(customer.Name, orders.Sum(o => o.Amount)));
    }
}

[Name("Transitive")]
public sealed class TransitiveAncestorRule : Rule
{
    public override void Define()
    {
        Ancestor a = null!;
        Ancestor b = null!;
        When()
            .Match(() => a)
            .Match(() => b, x => x.Parent == a.Child);
        Then().Do(ctx => ctx.TryInsert(new Ancestor(a.Parent, b.Child)));
    }
}

[Name("LinkedToSelf")]
public sealed class GrowNoticeRule : Rule
{
    public override void Define()
    {
        Notice notice = null!;
        When().Match(() => notice, n => n.Text.Length < 5);
        Then().Yield(ctx => new Notice(notice.Text + "x"));
    }
}

[Name("SelfRetract")]
public sealed class CloseOrderRule : Rule
{
    public override void Define()
    {
        Order order = null!;
        When().Match(() => order, o => !o.IsOpen);
        Then().Do(ctx => ctx.Retract(order));
    }
}

[Name("High")]
[Priority(10)]
public sealed class HighPriorityRule : Rule
{
    public override void Define()
    {
        Customer customer = null!;
        When().Match(() => customer);
        Then().Do(ctx => ctx.Insert(new Notice("high " + customer.Name)));
    }
}

[Name("Low")]
[Priority(-5)]
public sealed class LowPriorityRule : Rule
{
    public override void Define()
    {
        Customer customer = null!;
        When().Match(() => customer);
        Then().Do(ctx => ctx.Insert(new Notice("low " + customer.Name)));
    }
}

[Name("CountVisits")]
public sealed class CountVisitsRule : Rule
{
    public override void Define()
    {
        Customer customer = null!;
        When().Match(() => customer, c => c.Visits < 1_000_000);
        Then().Do(ctx => ctx.Update(customer, c => Bump(c)));
    }

    private static void Bump(Customer customer) => customer.Visits++;
}

[Name("CountVisitsOnce")]
[Repeatability(RuleRepeatability.NonRepeatable)]
public sealed class CountVisitsOnceRule : Rule
{
    public override void Define()
    {
        Customer customer = null!;
        When().Match(() => customer, c => c.Visits < 1_000_000);
        Then().Do(ctx => ctx.Update(customer, c => Bump(c)));
    }

    private static void Bump(Customer customer) => customer.Visits++;
}

[Name("Halting")]
public sealed class HaltingRule : Rule
{
    public override void Define()
    {
        Customer customer = null!;
        When().Match(() => customer);
        Then().Do(ctx => ctx.Halt());
    }
}

[Name("CityOfCustomer")]
public sealed class CityRule : Rule
{
    public override void Define()
    {
        Customer customer = null!;
        When().Match(() => customer, c => c.Address!.City == "Paris");
        Then().Do(ctx => ctx.Insert(new Notice("paris " + customer.Name)));
    }
}

[Name("ThrowingAction")]
public sealed class ThrowingActionRule : Rule
{
    public override void Define()
    {
        Customer customer = null!;
        When().Match(() => customer);
        Then()
            .Do(ctx => Fail(customer))
            .Do(ctx => ctx.Insert(new Notice("after " + customer.Name)));
    }

    private static void Fail(Customer customer) => throw new InvalidOperationException("boom " + customer.Name);
}

[Name("ThrowingBinding")]
public sealed class ThrowingBindingRule : Rule
{
    public override void Define()
    {
        Customer customer = null!;
        string city = null!;
        When()
            .Match(() => customer)
            .Let(() => city, () => customer.Address!.City);
        Then().Do(ctx => ctx.Insert(new Notice(city)));
    }
}

[Name("ThrowingAggregate")]
public sealed class ThrowingAggregateRule : Rule
{
    public override void Define()
    {
        IEnumerable<string> names = null!;
        When().Query(() => names, q => q.Match<Order>().Select(o => o.Customer!.Name).Collect());
        Then().Do(ctx => ctx.Insert(new Notice(string.Join(",", names))));
    }
}

[Name("Discount")]
[Description("Gives preferred customers a discount from the discount service.")]
[Tag("pricing")]
[Tag("customer")]
[Priority(3)]
public sealed class DiscountRule : Rule
{
    public override void Define()
    {
        Customer customer = null!;
        IDiscountService service = null!;
        Dependency().Resolve(() => service);
        When().Match(() => customer, c => c.IsPreferred);
        Then().Do(ctx => SetDiscount(customer, service.DiscountFor(customer)));
    }

    private static void SetDiscount(Customer customer, decimal discount) => customer.Discount = discount;
}

[Name("UndoNotice")]
public sealed class UndoRule : Rule
{
    public override void Define()
    {
        Customer customer = null!;
        When().Match(() => customer, c => c.IsPreferred);
        Then()
            .Do(ctx => ctx.Insert(new Notice("on " + customer.Name)))
            .Undo(ctx => ctx.Insert(new Notice("off " + customer.Name)));
    }
}

[Name("OrderJoin")]
public sealed class OrderJoinRule : Rule
{
    public override void Define()
    {
        Customer customer = null!;
        Order order = null!;
        When()
            .Match(() => customer)
            .Match(() => order, o => o.CustomerId == customer.Id);
        Then().Do(ctx => ctx.Halt());
    }
}

[Name("CustomerOrderPair")]
public sealed class CustomerOrderPairRule : Rule
{
    public override void Define()
    {
        Customer customer = null!;
        Order order = null!;
        When()
            .Match(() => customer)
            .Match(() => order, o => o.CustomerId == customer.Id);
        Then()
            .Do(ctx => customer.Tags.Add("order " + order.Id))
            .Undo(ctx => customer.Tags.Add("undo " + order.Id));
    }
}

[Name("EntityJoin")]
public sealed class EntityJoinRule : Rule
{
    public override void Define()
    {
        Entity account = null!;
        Entity contact = null!;
        When()
            .Match(() => account, a => a.EntityType == "account")
            .Match(() => contact, c => c.EntityType == "contact", c => (string?)c.Get("accountId") == (string?)account.Get("id"));
        Then().Do(ctx => ctx.Halt());
    }
}

[Name("Preferred2")]
public sealed class PreferredAgainRule : Rule
{
    public override void Define()
    {
        Customer other = null!;
        When().Match(() => other, x => x.IsPreferred, x => x.Name != "nobody");
        Then().Do(ctx => ctx.Halt());
    }
}

[Name("Preferred3")]
public sealed class PreferredAgain3Rule : Rule
{
    public override void Define()
    {
        Customer someone = null!;
        When().Match(() => someone, y => y.IsPreferred);
        Then().Do(ctx => ctx.Halt());
    }
}

public abstract class NotARuleBase : Rule;

[Name("YieldWithUpdate")]
public sealed class YieldWithUpdateRule : Rule
{
    public override void Define()
    {
        Order order = null!;
        When().Match(() => order, o => o.Amount > 0);
        Then().Yield(
            ctx => new Total("order " + order.Id, order.Amount),
            (ctx, old) => new Total(old.Customer, old.Amount + order.Amount));
    }
}

[Name("CollectById")]
public sealed class CollectByIdRule : Rule
{
    public override void Define()
    {
        Customer customer = null!;
        IEnumerable<Order> orders = null!;
        When()
            .Match(() => customer)
            .Query(() => orders, q => q.Match<Order>(o => o.CustomerId == customer.Id, o => o.IsOpen).Collect().Where(c => c.Any()));
        Then().Do(ctx => ctx.Halt());
    }
}

[Name("NestedScopes")]
public sealed class NestedScopeRule : Rule
{
    public override void Define()
    {
        Customer customer = null!;
        When().Match(() => customer, c => c.IsPreferred);
        {
            var minimum = 100m;
            Order order = null!;
            When().Match(() => order, o => o.Customer == customer && o.Amount > minimum);
            Then().Do(ctx => ctx.Insert(new Notice($"{customer.Name}/{order.Id}")));
        }
    }
}

[Name("ChainedQuery")]
public sealed class ChainedQueryRule : Rule
{
    public override void Define()
    {
        IEnumerable<Total> totals = null!;
        When()
            .Query(() => totals, q => q
                .Match<Order>(o => o.Customer != null)
                .GroupBy(o => o.Customer!.Name)
                .Select(g => new Total(g.Key, g.Sum(o => o.Amount)))
                .Where(t => t.Amount > 10)
                .Collect()
                .OrderBy(t => t.Customer));
        Then().Do(ctx => ctx.Insert(new Notice(string.Join(";", totals.Select(t => $"{t.Customer}={t.Amount}")))));
    }
}

[Name("FilteredOnChange")]
public sealed class OnChangeFilterRule : Rule
{
    public override void Define()
    {
        Order order = null!;
        When().Match(() => order);
        Filter()
            .OnChange(() => order.Amount)
            .Where(() => order.Id > 0);
        Then().Do(ctx => ctx.Update(order, o => Touch(o)));
    }

    private static void Touch(Order order) => order.IsDiscounted = !order.IsDiscounted;
}
