using Crm.Engine.Rules.RuleModel;

namespace Crm.Engine.Rules.Tests;

public class ExplainTests
{
    [Fact]
    public void Trace_Enabled_RecordsFiringsInOrderWithFacts()
    {
        var session = Harness.Session(typeof(ChainStartRule), typeof(ChainNextRule));
        session.TracingEnabled = true;
        var ann = new Customer("Ann") { IsPreferred = true };
        session.Insert(ann);

        session.Fire();

        Assert.Equal(["ChainStart", "ChainNext"], session.Firings.Select(f => f.RuleName));
        Assert.Equal([1, 2], session.Firings.Select(f => f.Sequence));
        Assert.Equal(new KeyValuePair<string, object?>("customer", ann), session.Firings[0].Facts.Single());
        Assert.Equal(ActionTrigger.Activated, session.Firings[0].Trigger);
    }

    [Fact]
    public void Trace_Disabled_RecordsNothing()
    {
        var session = Harness.Session(typeof(ChainStartRule));
        session.Insert(new Customer("Ann") { IsPreferred = true });

        session.Fire();

        Assert.Empty(session.Firings);
        Assert.False(session.Explain("ChainStart").TracingEnabled);
    }

    [Fact]
    public void Explain_FiredRule_ReportsFiringsAndCurrentMatch()
    {
        var session = Harness.Session(typeof(BigOrderOfCustomerRule));
        session.TracingEnabled = true;
        var ann = new Customer("Ann");
        var order = new Order(1, ann, 500);
        session.InsertAll([ann, order]);
        session.Fire();

        var explanation = session.Explain("BigOrderOfCustomer");

        Assert.True(explanation.Fired);
        Assert.True(explanation.Matches);
        Assert.Equal([ann, order], explanation.Firings.Single().Facts.Select(f => f.Value));
        Assert.Equal(1, explanation.Branches.Single().CompleteMatches);
    }

    [Fact]
    public void Explain_RuleThatDidNotFire_NamesTheFailingConditionAndFact()
    {
        var session = Harness.Session(typeof(BigOrderOfCustomerRule));
        session.TracingEnabled = true;
        var ann = new Customer("Ann");
        var small = new Order(1, ann, 50);
        session.InsertAll([ann, small]);
        session.Fire();

        var explanation = session.Explain("BigOrderOfCustomer");

        Assert.False(explanation.Fired);
        Assert.False(explanation.Matches);
        var branch = explanation.Branches.Single();
        Assert.Equal(1, branch.MatchedElements);
        var failure = branch.Failures.Single();
        Assert.Same(small, failure.Fact);
        Assert.Equal("order", failure.Declaration);
        Assert.Contains("Amount", failure.Condition, StringComparison.Ordinal);
        Assert.Same(ann, failure.PartialMatch.Single().Value);
        Assert.Contains("failed", explanation.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_NotBlockedByFact_ReportsTheBlockingFact()
    {
        var session = Harness.Session(typeof(CustomerWithoutOrdersRule));
        var ann = new Customer("Ann");
        var order = new Order(1, ann, 1);
        session.InsertAll([ann, order]);

        var failure = session.Explain("NoOrders").Branches.Single().Failures.Single();

        Assert.Same(order, failure.Fact);
        Assert.Contains("not", failure.Condition, StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_NoCandidateFact_SaysSo()
    {
        var session = Harness.Session(typeof(BigOrderOfCustomerRule));

        var branch = session.Explain("BigOrderOfCustomer").Branches.Single();

        Assert.Equal(0, branch.MatchedElements);
        Assert.Null(branch.Failures.Single().Fact);
    }

    [Fact]
    public void Explain_ConditionThrows_ReportedAsFailureWithoutThrowingOrRaisingEvents()
    {
        var session = Harness.Session(typeof(CityRule));
        var raised = 0;
        session.Events.LhsExpressionFailedEvent += (_, e) =>
        {
            raised++;
            e.IsHandled = true;
        };
        session.Insert(new Customer("Ann"));
        Assert.Equal(1, raised);

        var failure = session.Explain("CityOfCustomer").Branches.Single().Failures.Single();

        Assert.Contains("threw", failure.Condition, StringComparison.Ordinal);
        Assert.Equal(1, raised);
    }

    [Fact]
    public void Explain_UnknownRule_Throws()
    {
        var session = Harness.Session(typeof(BigOrderOfCustomerRule));

        Assert.Throws<ArgumentException>(() => session.Explain("nope"));
    }

    [Fact]
    public void Explain_AggregateRule_ReportsWhenTheAggregateFiltersEverythingOut()
    {
        var session = Harness.Session(typeof(CollectOrdersRule));
        var ann = new Customer("Ann");
        session.InsertAll([ann, new Order(1, ann, 1)]);

        var branch = session.Explain("CollectOrders").Branches.Single();

        Assert.Equal(1, branch.MatchedElements);
        Assert.Contains("aggregate", branch.Failures.Single().Condition, StringComparison.Ordinal);
    }
}
