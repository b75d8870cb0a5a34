using Crm.Engine.Rules.Fluent.Dsl;

namespace Crm.Engine.Rules.Tests;

[Name("PreferredCustomer")]
public sealed class PreferredCustomerRule : Rule
{
    public override void Define()
    {
        Customer customer = null!;
        When().Match(() => customer, c => c.IsPreferred);
        Then().Do(ctx => ctx.Insert(new Notice("preferred " + customer.Name)));
    }
}

[Name("BigOrderOfCustomer")]
public sealed class BigOrderOfCustomerRule : Rule
{
    public override void Define()
    {
        Customer customer = null!;
        Order order = null!;
        When()
            .Match(() => customer)
            .Match(() => order, o => o.Customer == customer, o => o.Amount > 100);
        Then().Do(ctx => ctx.Insert(new Notice($"big {order.Id} of {customer.Name}")));
    }
}
