using Crm.Engine.Rules.Diagnostics;
using Crm.Engine.Rules.Extensibility;
using Crm.Engine.Rules.RuleModel;
using NSubstitute;

namespace Crm.Engine.Rules.Tests;

public class SessionTests
{
    [Fact]
    public void ForwardChaining_InsertedFactActivatesAnotherRule_BothFire()
    {
        var session = Harness.Session(typeof(ChainStartRule), typeof(ChainNextRule));
        session.Insert(new Customer("Ann") { IsPreferred = true });

        var fired = session.FireAndRecord();

        Assert.Equal(["ChainStart", "ChainNext"], fired.Select(f => f.Rule));
        Assert.Contains(new Notice("step2 step1 Ann"), session.Query<Notice>());
    }

    [Fact]
    public void Yield_LinkedFactFollowsItsActivation_UpdatedAndRetracted()
    {
        var session = Harness.Session(typeof(YieldTotalRule));
        var ann = new Customer("Ann");
        var order = new Order(1, ann, 10);
        session.InsertAll([ann, order]);
        session.Fire();
        Assert.Equal(new Total("Ann", 10), session.Query<Total>().Single());

        order.Amount = 25;
        session.Update(order);
        session.Fire();
        Assert.Equal(new Total("Ann", 25), session.Query<Total>().Single());

        session.Retract(ann);
        Assert.Empty(session.Query<Total>());
    }

    [Fact]
    public void RetractAll_ALinkedFactWithItsSource_RetractsBothWithoutError()
    {
        var session = Harness.Session(typeof(YieldTotalRule));
        var ann = new Customer("Ann");
        session.InsertAll([ann, new Order(1, ann, 10)]);
        session.Fire();
        var total = session.Query<Total>().Single();

        // Retracting Ann removes the match that yielded the total, which takes the total with it before its turn.
        session.RetractAll([ann, total]);

        Assert.Empty(session.Query<Customer>());
        Assert.Empty(session.Query<Total>());
    }

    [Fact]
    public void UpdateAll_AnUpdateThatTakesALinkedFactOfTheBatch_SkipsItWithoutError()
    {
        var session = Harness.Session(typeof(YieldWithUpdateRule));
        var order = new Order(1, null, 10);
        session.Insert(order);
        session.Fire();
        var total = session.Query<Total>().Single();

        // The order no longer matches, so the total it yielded goes before its turn in the batch.
        order.Amount = 0;
        session.UpdateAll([order, total]);

        Assert.Empty(session.Query<Total>());
        Assert.Same(order, session.Query<Order>().Single());
    }

    [Fact]
    public void InsertAll_SameFactTwiceInOneBatch_ThrowsNamingItAndInsertsNothing()
    {
        var session = Harness.Session(typeof(ChainNextRule));
        var first = new Notice("step1 a");

        var error = Assert.Throws<ArgumentException>(() => session.InsertAll([first, new Notice("step1 b"), new Notice("step1 a")]));

        Assert.Contains("more than once", error.Message, StringComparison.Ordinal);
        Assert.Contains(first.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Empty(session.Query<Notice>());
        Assert.Equal(0, session.Agenda.Count);
        Assert.Equal(0, session.Fire());
    }

    [Fact]
    public void RetractAll_SameFactTwiceInOneBatch_RetractsItOnce()
    {
        var session = Harness.Session(typeof(HighPriorityRule));
        var ann = new Customer("Ann");
        var bob = new Customer("Bob");
        var carl = new Customer("Carl");
        session.InsertAll([ann, bob, carl]);

        session.RetractAll([ann, bob, ann]);

        Assert.Equal([carl], session.Query<Customer>());
        Assert.Equal(1, session.Fire());
    }

    [Fact]
    public void YieldWithUpdate_Reactivation_DerivesNewLinkedFactFromOld()
    {
        var session = Harness.Session(typeof(YieldWithUpdateRule));
        var order = new Order(1, null, 10);
        session.Insert(order);
        session.Fire();

        order.Amount = 5;
        session.Update(order);
        session.Fire();

        Assert.Equal(new Total("order 1", 15), session.Query<Total>().Single());
        order.Amount = 0;
        session.Update(order);
        Assert.Empty(session.Query<Total>());
    }

    [Fact]
    public void TransitiveChaining_AncestorChain_DerivesTheClosure()
    {
        var session = Harness.Session(typeof(TransitiveAncestorRule));
        session.InsertAll([new Ancestor("a", "b"), new Ancestor("b", "c"), new Ancestor("c", "d")]);

        session.Fire();

        Assert.Equal(6, session.Query<Ancestor>().Count());
        Assert.Contains(new Ancestor("a", "d"), session.Query<Ancestor>());
    }

    [Fact]
    public void LinkedToSelf_YieldedFactsMatchTheSameRule_ChainStopsAndRetractCascades()
    {
        var session = Harness.Session(typeof(GrowNoticeRule));
        var root = new Notice("ab");
        session.Insert(root);

        session.Fire();
        Assert.Equal(["ab", "abx", "abxx", "abxxx"], session.Query<Notice>().Select(n => n.Text).Order());

        session.Retract(root);
        Assert.Empty(session.Query<Notice>());
    }

    [Fact]
    public void SelfRetract_RuleRetractsItsFact_FiresOnceAndFactIsGone()
    {
        var session = Harness.Session(typeof(CloseOrderRule));
        session.InsertAll([new Order(1, null, 1) { IsOpen = false }, new Order(2, null, 1)]);

        Assert.Equal(1, session.Fire());
        Assert.Equal([2], session.Query<Order>().Select(o => o.Id));
    }

    [Fact]
    public void Priority_HigherPriorityRule_FiresFirst()
    {
        var session = Harness.Session(typeof(LowPriorityRule), typeof(HighPriorityRule));
        session.Insert(new Customer("Ann"));

        Assert.Equal(["High", "Low"], session.FireAndRecord().Select(f => f.Rule));
    }

    [Fact]
    public void Recency_SamePriority_MostRecentActivationFiresFirst()
    {
        var session = Harness.Session(typeof(HighPriorityRule));
        var ann = new Customer("Ann");
        var bob = new Customer("Bob");
        session.Insert(ann);
        session.Insert(bob);

        Assert.Equal([bob, ann], session.FireAndRecord().Select(f => f.Facts[0]));
    }

    [Fact]
    public void Repeatable_RuleUpdatingItsOwnFact_HitsTheFiringLimitNamingTheRule()
    {
        var session = Harness.Session(typeof(CountVisitsRule));
        session.MaxFiringsPerFire = 50;
        session.Insert(new Customer("Ann"));

        var error = Assert.Throws<RuleFiringLimitExceededException>(() => session.Fire());

        Assert.IsAssignableFrom<RuleExecutionException>(error);
        Assert.Equal("CountVisits", error.RuleName);
        Assert.Contains("CountVisits", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, session.Agenda.Count);
    }

    [Fact]
    public void NonRepeatable_RuleUpdatingItsOwnFact_FiresOnce()
    {
        var session = Harness.Session(typeof(CountVisitsOnceRule));
        var ann = new Customer("Ann");
        session.Insert(ann);

        Assert.Equal(1, session.Fire());
        Assert.Equal(1, ann.Visits);
    }

    [Fact]
    public void Repeatable_ExternalUpdateOfMatchedFact_FiresAgain()
    {
        var session = Harness.Session(typeof(PreferredCustomerRule));
        var ann = new Customer("Ann") { IsPreferred = true };
        session.Insert(ann);
        Assert.Equal(1, session.Fire());

        ann.Name = "Anne";
        session.Update(ann);

        var fired = session.FireAndRecord();
        Assert.Single(fired);
    }

    [Fact]
    public void FilterOnChange_RuleUpdatesOtherField_DoesNotLoopButKeyChangeRefires()
    {
        var session = Harness.Session(typeof(OnChangeFilterRule));
        var order = new Order(1, null, 10);
        session.InsertAll([order, new Order(0, null, 10)]);

        Assert.Equal(1, session.Fire());

        order.Amount = 20;
        session.Update(order);
        Assert.Equal(1, session.Fire());
        Assert.Single(session.Query<Order>().Where(o => o.Id == 1));
    }

    [Fact]
    public void Halt_FirstRuleHalts_FireStopsWithActivationsLeft()
    {
        var session = Harness.Session(typeof(HaltingRule));
        session.InsertAll([new Customer("Ann"), new Customer("Bob")]);

        Assert.Equal(1, session.Fire());
        Assert.Equal(1, session.Agenda.Count);
        Assert.Equal(1, session.Fire());
    }

    [Fact]
    public void FireWithLimit_ThreeActivations_FiresAtMostTheLimit()
    {
        var session = Harness.Session(typeof(HighPriorityRule));
        session.InsertAll([new Customer("A"), new Customer("B"), new Customer("C")]);

        Assert.Equal(2, session.Fire(2));
        Assert.Equal(1, session.Fire());
    }

    [Fact]
    public void Update_FactNoLongerMatches_RemovesActivation()
    {
        var session = Harness.Session(typeof(PreferredCustomerRule));
        var ann = new Customer("Ann") { IsPreferred = true };
        session.Insert(ann);

        ann.IsPreferred = false;
        session.Update(ann);

        Assert.Equal(0, session.Fire());
    }

    [Fact]
    public void Retract_BeforeFiring_RemovesActivation()
    {
        var session = Harness.Session(typeof(PreferredCustomerRule));
        var ann = new Customer("Ann") { IsPreferred = true };
        session.Insert(ann);
        session.Retract(ann);

        Assert.Equal(0, session.Fire());
        Assert.Empty(session.Query<Customer>());
    }

    [Fact]
    public void Identity_TwoEqualRecords_AreOneFact()
    {
        var session = Harness.Session(typeof(ChainNextRule));
        session.Insert(new Notice("step1 x"));

        Assert.False(session.TryInsert(new Notice("step1 x")));
        Assert.Throws<ArgumentException>(() => session.Insert(new Notice("step1 x")));
        Assert.True(session.TryRetract(new Notice("step1 x")));
        Assert.Empty(session.Query<Notice>());
    }

    [Fact]
    public void Identity_TwoEqualLookingClassInstances_AreTwoFacts()
    {
        var session = Harness.Session(typeof(HighPriorityRule));
        session.Insert(new Customer("Ann"));
        session.Insert(new Customer("Ann"));

        Assert.Equal(2, session.Agenda.Count);
        Assert.Equal(2, session.Query<Customer>().Count());
    }

    [Fact]
    public void Identity_UpdateWithEqualReplacementRecord_ReplacesTheStoredInstance()
    {
        var session = Harness.Session(typeof(ChainNextRule));
        var original = new Total("Ann", 1);
        session.Insert(original);
        var replacement = original with { };

        session.Update(replacement);

        Assert.Same(replacement, session.Query<Total>().Single());
    }

    [Fact]
    public void Update_UnknownFact_Throws()
    {
        var session = Harness.Session(typeof(HighPriorityRule));

        Assert.Throws<ArgumentException>(() => session.Update(new Customer("Ann")));
        Assert.False(session.TryUpdate(new Customer("Ann")));
        Assert.Throws<ArgumentException>(() => session.Retract(new Customer("Ann")));
    }

    [Fact]
    public void Query_SessionFacts_FiltersByTypeIncludingInterfaces()
    {
        var session = Harness.Session(typeof(HighPriorityRule));
        session.InsertAll([new Customer("Ann") { IsPreferred = true }, new Customer("Bob"), new Order(1, null, 1)]);

        Assert.Equal(["Ann"], session.Query<Customer>().Where(c => c.IsPreferred).Select(c => c.Name));
        Assert.Equal(3, session.Query<object>().Count());
    }

    [Fact]
    public void ConditionException_Unhandled_ThrowsWithRuleName()
    {
        var session = Harness.Session(typeof(CityRule));

        var error = Assert.Throws<RuleLhsExpressionEvaluationException>(() => session.Insert(new Customer("Ann")));

        Assert.Equal("CityOfCustomer", error.RuleName);
        Assert.IsType<NullReferenceException>(error.InnerException);
    }

    [Fact]
    public void ConditionException_Handled_ConditionCountsAsFalse()
    {
        var session = Harness.Session(typeof(CityRule));
        LhsExpressionErrorEventArgs? seen = null;
        session.Events.LhsExpressionFailedEvent += (_, e) =>
        {
            seen = e;
            e.IsHandled = true;
        };
        var ann = new Customer("Ann");

        session.Insert(ann);
        session.Insert(new Customer("Bob") { Address = new Address("Paris") });

        Assert.Equal(1, session.Fire());
        Assert.NotNull(seen);
        Assert.Same(ann, seen.Facts.Single().Value);
        Assert.Equal(typeof(Customer), seen.Facts.Single().Type);
        Assert.Equal("CityOfCustomer", seen.Rules.Single().Name);
    }

    [Fact]
    public void BindingException_Handled_NoActivation()
    {
        var session = Harness.Session(typeof(ThrowingBindingRule));
        var failures = 0;
        session.Events.LhsExpressionFailedEvent += (_, e) =>
        {
            failures++;
            e.IsHandled = true;
        };

        session.Insert(new Customer("Ann"));
        session.Insert(new Customer("Bob") { Address = new Address("Rome") });

        Assert.Equal(1, failures);
        Assert.Equal(1, session.Fire());
        Assert.Equal("Rome", session.Query<Notice>().Single().Text);
    }

    [Fact]
    public void AggregateException_Unhandled_ThrowsLhsEvaluationException()
    {
        var session = Harness.Session(typeof(ThrowingAggregateRule));
        session.Insert(new Order(1, new Customer("Ann"), 1));

        var error = Assert.Throws<RuleLhsExpressionEvaluationException>(() => session.Insert(new Order(2, null, 1)));

        Assert.Equal("ThrowingAggregate", error.RuleName);
    }

    [Fact]
    public void ActionException_Unhandled_ThrowsWithRuleName()
    {
        var session = Harness.Session(typeof(ThrowingActionRule));
        session.Insert(new Customer("Ann"));

        var error = Assert.Throws<RuleRhsExpressionEvaluationException>(() => session.Fire());

        Assert.IsAssignableFrom<RuleExecutionException>(error);
        Assert.Equal("ThrowingAction", error.RuleName);
        Assert.Equal("boom Ann", error.InnerException!.Message);
    }

    [Fact]
    public void ActionException_Handled_NextActionsRun()
    {
        var session = Harness.Session(typeof(ThrowingActionRule));
        IMatch? match = null;
        session.Events.RhsExpressionFailedEvent += (_, e) =>
        {
            match = e.Match;
            e.IsHandled = true;
        };
        session.Insert(new Customer("Ann"));

        session.Fire();

        Assert.Equal("ThrowingAction", match!.Rule.Name);
        Assert.Equal("after Ann", session.Query<Notice>().Single().Text);
    }

    [Fact]
    public void ActionInterceptor_SeesEachActionsDeclaredTrigger_AndTheMatchTriggerOfTheFiring()
    {
        var session = Harness.Session(typeof(UndoRule));
        var seen = new List<string>();
        session.ActionInterceptor = new RecordingInterceptor(seen);
        var ann = new Customer("Ann") { IsPreferred = true };
        session.Insert(ann);
        session.Fire();

        ann.IsPreferred = false;
        session.Update(ann);
        session.Fire();

        Assert.Equal(["Created: Activated, Reactivated", "Removed: Deactivated"], seen);
    }

    private sealed class RecordingInterceptor(List<string> seen) : IActionInterceptor
    {
        public void Intercept(IContext context, IEnumerable<IActionInvocation> actions)
        {
            foreach (var action in actions)
            {
                seen.Add($"{context.Match.Trigger}: {action.Trigger}");
                action.Invoke();
            }
        }
    }

    [Fact]
    public void AgendaEvents_ShowTheMatchTrigger_SetBeforeTheEvent()
    {
        var session = Harness.Session(typeof(PreferredCustomerRule));
        var log = new List<string>();
        session.Events.ActivationCreatedEvent += (_, e) => log.Add($"created {e.Match.Trigger}");
        session.Events.ActivationUpdatedEvent += (_, e) => log.Add($"updated {e.Match.Trigger}");
        session.Events.ActivationDeletedEvent += (_, e) => log.Add($"deleted {e.Match.Trigger}");
        var ann = new Customer("Ann") { IsPreferred = true };
        var bob = new Customer("Bob") { IsPreferred = true };
        session.InsertAll([ann, bob]);
        session.Update(bob);
        session.Retract(bob);
        session.Fire();

        session.Update(ann);
        session.Retract(ann);

        Assert.Equal(["created Created", "created Created", "updated Created", "deleted None", "updated Updated", "deleted Removed"], log);
    }

    [Fact]
    public void ActionInterceptor_InterceptsActions_CanSkipThem()
    {
        var factory = Harness.Compile(typeof(PreferredCustomerRule), typeof(HighPriorityRule));
        var session = factory.CreateSession();
        var interceptor = Substitute.For<IActionInterceptor>();
        interceptor.When(i => i.Intercept(Arg.Any<IContext>(), Arg.Any<IEnumerable<IActionInvocation>>()))
            .Do(call =>
            {
                if (call.Arg<IContext>().Rule.Name == "High")
                {
                    foreach (var action in call.Arg<IEnumerable<IActionInvocation>>())
                    {
                        action.Invoke();
                    }
                }
            });
        session.ActionInterceptor = interceptor;
        session.Insert(new Customer("Ann") { IsPreferred = true });

        Assert.Equal(2, session.Fire());

        interceptor.Received(2).Intercept(Arg.Any<IContext>(), Arg.Any<IEnumerable<IActionInvocation>>());
        Assert.Equal(["high Ann"], session.Query<Notice>().Select(n => n.Text));
    }

    [Fact]
    public void Events_Lifecycle_RaisedInOrderOnSessionAndFactory()
    {
        var factory = Harness.Compile(typeof(PreferredCustomerRule));
        var log = new List<string>();
        var factoryFired = 0;
        factory.Events.RuleFiredEvent += (_, _) => factoryFired++;
        var session = factory.CreateSession();
        session.Events.FactInsertingEvent += (_, e) => log.Add($"inserting {e.Fact.Value}");
        session.Events.FactInsertedEvent += (_, e) => log.Add($"inserted {e.Fact.Value}");
        session.Events.FactUpdatedEvent += (_, e) => log.Add($"updated {e.Fact.Value}");
        session.Events.FactRetractedEvent += (_, e) => log.Add($"retracted {e.Fact.Value}");
        session.Events.ActivationCreatedEvent += (_, e) => log.Add($"created {e.Rule.Name}");
        session.Events.ActivationUpdatedEvent += (_, e) => log.Add($"updated-activation {e.Rule.Name}");
        session.Events.ActivationDeletedEvent += (_, e) => log.Add($"deleted {e.Rule.Name}");
        session.Events.RuleFiringEvent += (_, e) => log.Add($"firing {e.Rule.Name}");
        session.Events.RuleFiredEvent += (_, e) => log.Add($"fired {e.Rule.Name}");
        var ann = new Customer("Ann") { IsPreferred = true };

        session.Insert(ann);
        session.Fire();
        session.Update(ann);
        session.Retract(ann);

        Assert.Equal(
            [
                "inserting Customer(Ann)", "created PreferredCustomer", "inserted Customer(Ann)",
                "firing PreferredCustomer", "inserting Notice { Text = preferred Ann }", "inserted Notice { Text = preferred Ann }", "fired PreferredCustomer",
                "updated-activation PreferredCustomer", "updated Customer(Ann)",
                "deleted PreferredCustomer", "retracted Customer(Ann)",
            ],
            log);
        Assert.Equal(1, factoryFired);
    }

    [Fact]
    public void Dependencies_ResolvedThroughResolver_UsedInAction()
    {
        var factory = Harness.Compile(typeof(DiscountRule));
        var service = Substitute.For<IDiscountService>();
        service.DiscountFor(Arg.Any<Customer>()).Returns(0.15m);
        var resolver = Substitute.For<IDependencyResolver>();
        resolver.Resolve(Arg.Any<IResolutionContext>(), typeof(IDiscountService)).Returns(service);
        factory.DependencyResolver = resolver;
        var session = factory.CreateSession();
        var ann = new Customer("Ann") { IsPreferred = true };
        session.Insert(ann);

        session.Fire();

        Assert.Equal(0.15m, ann.Discount);
        resolver.Received(1).Resolve(Arg.Is<IResolutionContext>(c => c.Rule.Name == "Discount"), typeof(IDiscountService));
    }

    [Fact]
    public void AgendaFilter_RejectingActivations_TheyNeverFire()
    {
        var session = Harness.Session(typeof(HighPriorityRule));
        var filter = Substitute.For<IAgendaFilter>();
        filter.Accept(Arg.Any<AgendaContext>(), Arg.Any<Activation>())
            .Returns(call => ((Customer)call.Arg<Activation>().Get("customer")!).Name != "Bob");
        session.Agenda.AddFilter(filter);
        session.InsertAll([new Customer("Ann"), new Customer("Bob")]);

        Assert.Equal(1, session.Fire());
        Assert.Equal(["high Ann"], session.Query<Notice>().Select(n => n.Text));
    }

    [Fact]
    public void PredicateAgendaFilter_RejectsByActivationFacts()
    {
        var session = Harness.Session(typeof(HighPriorityRule));
        session.Agenda.AddFilter(new AgendaFilters.PredicateAgendaFilter(a => ((Customer)a.Get("customer")!).Name.StartsWith('A')));
        session.InsertAll([new Customer("Ann"), new Customer("Bob"), new Customer("Abe")]);

        Assert.Equal(2, session.Fire());
    }

    [Fact]
    public void AgendaFilter_PerRule_OnlyAppliesToThatRule()
    {
        var factory = Harness.Compile(typeof(HighPriorityRule), typeof(LowPriorityRule));
        var session = factory.CreateSession();
        var reject = Substitute.For<IAgendaFilter>();
        session.Agenda.AddFilter(factory.Rules.Single(r => r.Name == "High"), reject);
        session.Insert(new Customer("Ann"));

        Assert.Equal(["Low"], session.FireAndRecord().Select(f => f.Rule));
    }

    [Fact]
    public void Undo_MatchStopsHoldingAfterFiring_UndoActionFires()
    {
        var session = Harness.Session(typeof(UndoRule));
        var ann = new Customer("Ann") { IsPreferred = true };
        session.Insert(ann);
        session.Fire();

        ann.IsPreferred = false;
        session.Update(ann);
        var fired = session.FireAndRecord();

        Assert.Single(fired);
        Assert.Equal(["off Ann", "on Ann"], session.Query<Notice>().Select(n => n.Text).Order());
    }

    [Fact]
    public void Factory_ManyThreadsCreatingSessions_EachSessionIsIndependent()
    {
        var factory = Harness.Compile(typeof(BigOrderOfCustomerRule), typeof(PreferredCustomerRule));
        var results = new int[64];

        Parallel.For(0, results.Length, i =>
        {
            var session = factory.CreateSession();
            var customer = new Customer("C" + i) { IsPreferred = i % 2 == 0 };
            session.Insert(customer);
            for (var o = 0; o < i % 5; o++)
            {
                session.Insert(new Order(o, customer, 500));
            }

            results[i] = session.Fire();
        });

        Assert.All(Enumerable.Range(0, results.Length), i => Assert.Equal((i % 5) + (i % 2 == 0 ? 1 : 0), results[i]));
    }
}
