namespace Crm.Engine.Rules.Tests;

public class PatternTests
{
    [Fact]
    public void OneFact_NonMatchingInsert_DoesNotFire()
    {
        var session = Harness.Session(typeof(PreferredCustomerRule));
        session.Insert(new Customer("Bob"));

        Assert.Equal(0, session.Fire());
        Assert.Empty(session.Query<Notice>());
    }

    [Fact]
    public void Aliases_CapturedFromNestedScopes_BindToDeclarations()
    {
        var session = Harness.Session(typeof(NestedScopeRule));
        var ann = new Customer("Ann") { IsPreferred = true };
        session.InsertAll([ann, new Order(1, ann, 500), new Order(2, ann, 50), new Order(3, new Customer("Bob"), 500)]);

        session.Fire();

        Assert.Equal("Ann/1", session.Query<Notice>().Single().Text);
    }

    [Fact]
    public void ThreeFactJoin_CustomerWithThreeOrders_FiresForEachOrderedPair()
    {
        var session = Harness.Session(typeof(TwoOrdersOfSameCustomerRule));
        var ann = new Customer("Ann");
        var bob = new Customer("Bob");
        session.InsertAll([ann, bob, new Order(1, ann, 1), new Order(2, ann, 1), new Order(3, ann, 1), new Order(4, bob, 1)]);

        Assert.Equal(3, session.Fire());
        Assert.Equal(["Ann:1<2", "Ann:1<3", "Ann:2<3"], session.Query<Notice>().Select(n => n.Text).Order());
    }

    [Fact]
    public void SameTypeJoin_CustomersInSameCity_PairsEachOnce()
    {
        var session = Harness.Session(typeof(SameCityRule));
        session.InsertAll([
            new Customer("Ann") { Address = new Address("Paris") },
            new Customer("Bob") { Address = new Address("Paris") },
            new Customer("Cid") { Address = new Address("Rome") },
            new Customer("Dan") { Address = new Address("Paris") },
            new Customer("Eve"),
        ]);

        session.Fire();

        Assert.Equal(["Ann~Bob", "Ann~Dan", "Bob~Dan"], session.Query<Notice>().Select(n => n.Text).Order());
    }

    [Fact]
    public void Not_CustomerWithoutOrders_FiresUntilAnOrderArrives()
    {
        var session = Harness.Session(typeof(CustomerWithoutOrdersRule));
        var ann = new Customer("Ann");
        var bob = new Customer("Bob");
        session.InsertAll([ann, bob]);
        session.Insert(new Order(1, ann, 10));

        var fired = session.FireAndRecord();

        Assert.Equal([bob], fired.Select(f => f.Facts[0]));
    }

    [Fact]
    public void Not_RetractingTheBlockingFact_ReactivatesTheRule()
    {
        var session = Harness.Session(typeof(CustomerWithoutOrdersRule));
        var ann = new Customer("Ann");
        var order = new Order(1, ann, 10);
        session.InsertAll([ann, order]);
        Assert.Equal(0, session.Fire());

        session.Retract(order);

        Assert.Equal(1, session.Fire());
    }

    [Fact]
    public void NotAndExists_UpdatingAPassingCustomer_FiresItsRuleAgain()
    {
        var session = Harness.Session(typeof(CustomerWithoutOrdersRule), typeof(CustomerWithOpenOrderRule));
        var ann = new Customer("Ann");
        var bob = new Customer("Bob");
        session.InsertAll([ann, bob, new Order(1, ann, 10)]);
        Assert.Equal(2, session.Fire());

        ann.Name = "Anne";
        session.Update(ann);
        var afterAnn = session.FireAndRecord();
        bob.Name = "Robert";
        session.Update(bob);
        var afterBob = session.FireAndRecord();

        Assert.Equal([("HasOpenOrder", (object?)ann)], afterAnn.Select(f => (f.Rule, f.Facts[0])));
        Assert.Equal([bob], afterBob.Select(f => f.Facts[0]));
        Assert.NotEqual("HasOpenOrder", Assert.Single(afterBob).Rule);
    }

    [Fact]
    public void Exists_ManyOpenOrders_FiresOncePerCustomer()
    {
        var session = Harness.Session(typeof(CustomerWithOpenOrderRule));
        var ann = new Customer("Ann");
        var bob = new Customer("Bob");
        session.InsertAll([ann, bob, new Order(1, ann, 1), new Order(2, ann, 1), new Order(3, bob, 1) { IsOpen = false }]);

        var fired = session.FireAndRecord();

        Assert.Single(fired);
        Assert.Same(ann, fired[0].Facts[0]);
    }

    [Fact]
    public void Exists_LastMatchingOrderClosed_DeletesActivation()
    {
        var session = Harness.Session(typeof(CustomerWithOpenOrderRule));
        var ann = new Customer("Ann");
        var order = new Order(1, ann, 1);
        session.InsertAll([ann, order]);
        Assert.False(session.Agenda.IsEmpty);

        order.IsOpen = false;
        session.Update(order);

        Assert.True(session.Agenda.IsEmpty);
    }

    [Fact]
    public void ForAll_EveryOrderOpen_FiresAndAClosedOrderBlocksIt()
    {
        var session = Harness.Session(typeof(AllOrdersOpenRule));
        var ann = new Customer("Ann");
        var bob = new Customer("Bob");
        var closed = new Order(3, bob, 1) { IsOpen = false };
        session.InsertAll([ann, bob, new Order(1, ann, 1), new Order(2, bob, 1), closed]);

        var fired = session.FireAndRecord();

        Assert.Equal([ann], fired.Select(f => f.Facts[0]));
        closed.IsOpen = true;
        session.Update(closed);
        Assert.Equal([bob], session.FireAndRecord().Select(f => f.Facts[0]));
    }

    [Fact]
    public void ForAll_WithOneCondition_EveryFactOfTheTypeMustSatisfyIt()
    {
        var session = Harness.Session(typeof(EveryOrderOpenRule));
        var closed = new Order(2, null, 1) { IsOpen = false };
        session.InsertAll([new Order(1, null, 1), closed]);

        Assert.Equal(0, session.Fire());

        closed.IsOpen = true;
        session.Update(closed);
        Assert.Equal(1, session.Fire());
        Assert.Equal(["every order open"], session.Query<Notice>().Select(n => n.Text));
    }

    [Fact]
    public void OrGroup_EachAlternativeThatHolds_ActivatesTheRuleSeparately()
    {
        var session = Harness.Session(typeof(PreferredOrBigSpenderRule));
        var ann = new Customer("Ann") { IsPreferred = true };
        var bob = new Customer("Bob");
        var cid = new Customer("Cid");
        session.InsertAll([ann, bob, cid, new Order(7, ann, 5000), new Order(8, bob, 2000), new Order(9, cid, 5)]);

        session.Fire();

        Assert.Equal(["vip Ann -", "vip Ann 7", "vip Bob 8"], session.Query<Notice>().Select(n => n.Text).Order());
    }

    [Fact]
    public void Collect_SecondOrderArrives_ActivatesWithBothOrders()
    {
        var session = Harness.Session(typeof(CollectOrdersRule));
        var ann = new Customer("Ann");
        session.InsertAll([ann, new Order(1, ann, 10)]);
        Assert.Equal(0, session.Fire());

        session.Insert(new Order(2, ann, 15));
        var fired = session.FireAndRecord();

        Assert.Single(fired);
        Assert.Equal(2, ((IEnumerable<Order>)fired[0].Facts[1]!).Count());
        Assert.Equal(new Total("Ann", 25), session.Query<Total>().Single());
    }

    [Fact]
    public void Collect_OrderRetractedBelowThreshold_DeletesActivation()
    {
        var session = Harness.Session(typeof(CollectOrdersRule));
        var ann = new Customer("Ann");
        var order = new Order(2, ann, 15);
        session.InsertAll([ann, new Order(1, ann, 10), order]);
        Assert.Equal(1, session.Agenda.Count);

        session.Retract(order);

        Assert.Equal(0, session.Agenda.Count);
    }

    [Fact]
    public void GroupBy_CustomersWithSeveralOrders_OneResultPerGroup()
    {
        var session = Harness.Session(typeof(GroupOrdersByCustomerRule));
        var ann = new Customer("Ann");
        var bob = new Customer("Bob");
        session.InsertAll([ann, bob, new Order(1, ann, 10), new Order(2, ann, 5), new Order(3, bob, 7)]);

        session.Fire();

        Assert.Equal(new Total("Ann", 15), session.Query<Total>().Single());
    }

    [Fact]
    public void Select_ProjectedValues_FilteredAfterProjection()
    {
        var session = Harness.Session(typeof(SelectAmountRule));
        session.InsertAll([new Order(1, null, 10), new Order(2, null, 60), new Order(3, null, 70)]);

        session.Fire();

        Assert.Equal(["doubled 120", "doubled 140"], session.Query<Notice>().Select(n => n.Text).Order());
    }

    [Fact]
    public void SelectMany_FromBoundFact_FlattensAndFilters()
    {
        var session = Harness.Session(typeof(VipTagRule));
        var ann = new Customer("Ann");
        ann.Tags.AddRange(["vip-gold", "new", "vip-early"]);
        session.Insert(ann);

        session.Fire();

        Assert.Equal(["Ann#vip-early", "Ann#vip-gold"], session.Query<Notice>().Select(n => n.Text).Order());
    }

    [Fact]
    public void SortedCollect_OrderByDescendingThenBy_SortsTheCollection()
    {
        var session = Harness.Session(typeof(SortedOrdersRule));
        session.InsertAll([new Order(3, null, 5), new Order(1, null, 9), new Order(2, null, 5), new Order(4, null, 1)]);

        session.Fire();

        Assert.Equal("1,2,3,4", session.Query<Notice>().Single().Text);
    }

    [Fact]
    public void ToLookup_OrdersByCustomerName_BuildsOneLookup()
    {
        var session = Harness.Session(typeof(OrderLookupRule));
        var ann = new Customer("Ann");
        var bob = new Customer("Bob");
        session.InsertAll([ann, bob, new Order(1, ann, 1), new Order(2, bob, 1), new Order(3, ann, 1)]);

        session.Fire();

        Assert.Equal("Ann=1,3;Bob=2", session.Query<Notice>().Single().Text);
    }

    [Fact]
    public void ChainedQuery_GroupSelectWhereCollectOrderBy_ComposesOperators()
    {
        var session = Harness.Session(typeof(ChainedQueryRule));
        var ann = new Customer("Ann");
        var bob = new Customer("Bob");
        var cid = new Customer("Cid");
        session.InsertAll([cid, bob, ann, new Order(1, cid, 20), new Order(2, ann, 5), new Order(3, ann, 7), new Order(4, bob, 3)]);

        session.Fire();

        Assert.Equal("Ann=12;Cid=20", session.Query<Notice>().Single().Text);
    }

    [Fact]
    public void LetHaving_BindingFilteredByHaving_FiresOnlyForLargeValues()
    {
        var session = Harness.Session(typeof(LetHavingRule));
        session.InsertAll([new Order(1, null, 10), new Order(2, null, 60)]);

        session.Fire();

        Assert.Equal("2:120", session.Query<Notice>().Single().Text);
    }

    [Fact]
    public void LetHaving_UpdateChangesBinding_ReevaluatesHaving()
    {
        var session = Harness.Session(typeof(LetHavingRule));
        var order = new Order(1, null, 10);
        session.Insert(order);
        Assert.True(session.Agenda.IsEmpty);

        order.Amount = 80;
        session.Update(order);

        Assert.Equal(1, session.Fire());
        Assert.Equal("1:160", session.Query<Notice>().Single().Text);
    }
}
