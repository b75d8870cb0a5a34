namespace Crm.Engine.Rules.Tests;

public class SmokeTests
{
    [Fact]
    public void OneFact_MatchingInsert_FiresOnce()
    {
        var session = Harness.Session(typeof(PreferredCustomerRule));
        session.Insert(new Customer("Ann") { IsPreferred = true });
        session.Insert(new Customer("Bob"));

        var fired = session.FireAndRecord();

        Assert.Single(fired);
        Assert.Equal("PreferredCustomer", fired[0].Rule);
        Assert.Equal(new Notice("preferred Ann"), session.Query<Notice>().Single());
    }

    [Fact]
    public void TwoFactJoin_MatchingPair_FiresForEachPair()
    {
        var session = Harness.Session(typeof(BigOrderOfCustomerRule));
        var ann = new Customer("Ann");
        var bob = new Customer("Bob");
        session.InsertAll([ann, bob, new Order(1, ann, 500), new Order(2, bob, 50), new Order(3, bob, 150)]);

        var fired = session.FireAndRecord();

        Assert.Equal(2, fired.Count);
        Assert.Equal(["big 1 of Ann", "big 3 of Bob"], session.Query<Notice>().Select(n => n.Text).Order());
    }
}
