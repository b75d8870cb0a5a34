using System.Linq.Expressions;
using Crm.Engine.Rules.Fluent;
using Crm.Engine.Rules.Rete;
using Crm.Engine.Rules.RuleModel;
using Crm.Engine.Rules.RuleModel.Builders;

namespace Crm.Engine.Rules.Tests;

public class CompilerTests
{
    [Fact]
    public void RuleMetadata_Attributes_ReadIntoDefinition()
    {
        var rule = Harness.Compile(typeof(DiscountRule)).Rules.Single();

        Assert.Equal("Discount", rule.Name);
        Assert.Equal("Gives preferred customers a discount from the discount service.", rule.Description);
        Assert.Equal(3, rule.Priority);
        Assert.Equal(["customer", "pricing"], rule.Tags.Order());
        Assert.Equal(RuleRepeatability.Repeatable, rule.Repeatability);
        Assert.Equal(RuleRepeatability.NonRepeatable, Harness.Compile(typeof(CountVisitsOnceRule)).Rules.Single().Repeatability);
    }

    [Fact]
    public void RuleMetadata_NoNameAttribute_UsesFullTypeName()
    {
        var metadata = new Fluent.Dsl.RuleMetadata(typeof(NamelessRule));

        Assert.Equal(typeof(NamelessRule).FullName, metadata.Name);
        Assert.False(metadata.IsTagged("pricing"));
    }

    [Fact]
    public void Load_FromAssemblyWithTagFilter_LoadsOnlyTaggedRulesIntoNamedSet()
    {
        var repository = new RuleRepository();
        repository.Load(x => x.From(typeof(DiscountRule).Assembly).Where(r => r.IsTagged("pricing")).To("pricing"));
        repository.Load(x => x.From(typeof(HighPriorityRule), typeof(LowPriorityRule), typeof(NotARuleBase), typeof(string)).Where(r => r.Priority > 0));

        var sets = repository.GetRuleSets().ToList();

        Assert.Equal(["pricing", "default"], sets.Select(s => s.Name));
        Assert.Equal(["Discount"], sets[0].Rules.Select(r => r.Name));
        Assert.Equal(["High"], sets[1].Rules.Select(r => r.Name));
        Assert.Equal(2, repository.Compile().Rules.Count);
    }

    [Fact]
    public void Compile_DuplicateRuleNames_Throws()
    {
        var definition = new HighPriorityRule().GetDefinition();

        Assert.Throws<RuleCompilationException>(() => new RuleCompiler().Compile([definition, definition]));
    }

    [Fact]
    public void NodeSharing_SameConditionDifferentParameterNames_SharesOneAlphaNode()
    {
        var factory = (SessionFactory)Harness.Compile(typeof(PreferredCustomerRule), typeof(PreferredAgainRule), typeof(PreferredAgain3Rule), typeof(ChainStartRule));

        var customerNode = factory.Network.TypeNodesFor(typeof(Customer)).Single();
        var preferred = customerNode.Children.Single();

        Assert.Equal(4, preferred.Rules.Count);
        Assert.Single(preferred.Children);
        Assert.NotNull(preferred.Memory);
    }

    [Fact]
    public void NodeSharing_GenericMethodWithOtherTypeArgument_DoesNotShare()
    {
        // Is<string> and Is<int> return the same type and have the same metadata token: only the type argument differs.
        var builder = new NetworkBuilder();
        builder.AddRule(GenericRule("text", Condition<Entity>("et", e => Is<string>(e.Get("value")))));
        builder.AddRule(GenericRule("number", Condition<Entity>("en", e => Is<int>(e.Get("value")))));
        var factory = new SessionFactory(builder.Build());

        Assert.Equal(2, factory.Network.TypeNodesFor(typeof(Entity)).Single().Children.Count());
        var session = factory.CreateSession();
        session.Insert(Entity("account", ("value", 5)));
        Assert.Equal(1, session.Agenda.Count);
        Assert.Equal("number", session.Agenda.Peek().Rule.Name);
    }

    private static bool Is<T>(object? value) => value is T;

    private static IRuleDefinition GenericRule(string name, LambdaExpression condition)
    {
        var builder = new RuleBuilder();
        builder.Name(name);
        builder.LeftHandSide().Pattern(typeof(Entity), condition.Parameters[0].Name!).Condition(condition);
        return builder.Build();
    }

    [Fact]
    public void NodeSharing_DifferentConstants_DoNotShare()
    {
        var builder = new NetworkBuilder();
        builder.AddRule(EntityRule("a", "account"));
        builder.AddRule(EntityRule("b", "contact"));
        builder.AddRule(EntityRule("c", "account"));

        var typeNode = builder.Build().TypeNodesFor(typeof(Entity)).Single();

        Assert.Equal(2, typeNode.Children.Count());
        Assert.Equal(2, builder.CompiledExpressionCount);
    }

    [Fact]
    public void NodeSharing_ThreeHundredPackRules_CompilesEachDistinctExpressionOnce()
    {
        var builder = new NetworkBuilder();
        for (var i = 0; i < 300; i++)
        {
            var tier = i % 10;
            var rule = new RuleBuilder();
            rule.Name("pack rule " + i);
            var pattern = rule.LeftHandSide().Pattern(typeof(Entity), "e");
            pattern.Condition(Condition<Entity>("e", e => e.EntityType == "account"));
            pattern.Condition(Condition<Entity>("e", e => (int?)e.Get("tier") == tier));
            builder.AddRule(rule.Build());
        }

        var account = builder.Build().TypeNodesFor(typeof(Entity)).Single().Children.Single();

        Assert.Equal(10, account.Children.Count());
        Assert.Equal(11, builder.CompiledExpressionCount);
        Assert.Equal(300, account.Rules.Count);
    }

    [Fact]
    public void Rebuild_SameLambdaInstances_ReusesCompiledConditionsAndFiresTheSame()
    {
        // A rule pack's conditions are cached by text, so rebuilding a tenant's rule base hands the compiler the same
        // lambda instances: the second build reuses what was worked out from them and must behave identically.
        var alpha = Condition<Entity>("e", e => e.EntityType == "account" && (int?)e.Get("tier") == 2);
        var join = Condition<Entity, Entity>("e", "c", (e, c) => (string?)c.Get("accountId") == (string?)e.Get("id"));
        IRuleDefinition Rule()
        {
            var builder = new RuleBuilder();
            builder.Name("tier 2 contacts");
            var lhs = builder.LeftHandSide();
            lhs.Pattern(typeof(Entity), "e").Condition(alpha);
            lhs.Pattern(typeof(Entity), "c").Condition(join);
            return builder.Build();
        }

        var first = (SessionFactory)new RuleCompiler().Compile([Rule()]);
        var second = (SessionFactory)new RuleCompiler().Compile([Rule()]);

        var conditions = Selections(first.Network.TypeNodesFor(typeof(Entity)).Single()).Select(n => n.Condition).ToList();
        Assert.Equal(2, conditions.Count); // the two conjuncts of the alpha condition
        Assert.Equal(conditions, Selections(second.Network.TypeNodesFor(typeof(Entity)).Single()).Select(n => n.Condition)); // the same instances
        Assert.True(SecondNode(second, "tier 2 contacts").IsHashed);
        foreach (var factory in new[] { first, second })
        {
            var session = factory.CreateSession();
            session.Insert(Entity("account", ("id", "A1"), ("tier", 2)));
            session.Insert(Entity("account", ("id", "A2"), ("tier", 3)));
            session.Insert(Entity("contact", ("accountId", "A1")));
            session.Insert(Entity("contact", ("accountId", "A2")));
            Assert.Equal(1, session.Fire());
        }
    }

    [Fact]
    public void Rebuild_OneConditionInstanceKeyedForEitherPattern_JoinsBothWays()
    {
        // The same equality lambda is the join key of pattern "c" in one rule and of pattern "e" in another: how it
        // splits into token and fact sides depends on the pattern, and a cached split must not leak between them.
        var join = Condition<Entity, Entity>("e", "c", (e, c) => (string?)c.Get("accountId") == (string?)e.Get("id"));
        var isAccount = Condition<Entity>("e", e => e.EntityType == "account");
        var isContact = Condition<Entity>("c", c => c.EntityType == "contact");
        IRuleDefinition Rule(string name, bool accountFirst)
        {
            var builder = new RuleBuilder();
            builder.Name(name);
            var lhs = builder.LeftHandSide();
            if (accountFirst)
            {
                lhs.Pattern(typeof(Entity), "e").Condition(isAccount);
                var contact = lhs.Pattern(typeof(Entity), "c");
                contact.Condition(isContact);
                contact.Condition(join);
            }
            else
            {
                lhs.Pattern(typeof(Entity), "c").Condition(isContact);
                var account = lhs.Pattern(typeof(Entity), "e");
                account.Condition(isAccount);
                account.Condition(join);
            }

            return builder.Build();
        }

        for (var build = 0; build < 2; build++)
        {
            var factory = (SessionFactory)new RuleCompiler().Compile([Rule("account first", true), Rule("contact first", false)]);
            Assert.True(SecondNode(factory, "account first").IsHashed);
            Assert.True(SecondNode(factory, "contact first").IsHashed);
            var session = factory.CreateSession();
            session.Insert(Entity("account", ("id", "A1")));
            session.Insert(Entity("contact", ("accountId", "A1")));
            session.Insert(Entity("contact", ("accountId", "A9")));
            Assert.Equal(2, session.Fire());
        }
    }

    [Fact]
    public void Compile_ConditionCapturingAnObject_DoesNotKeepTheObjectAliveAfterTheRules()
    {
        // Templates of condition shapes are shared across the process, but a shape holding a captured object (not a
        // literal) must not outlive the rules that use it.
        var captured = CompileAndRunWithCapturedObject();

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.False(captured.IsAlive);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference CompileAndRunWithCapturedObject()
    {
        var vipTypes = new HashSet<string> { "account-vip" };
        var builder = new RuleBuilder();
        builder.Name("vip");
        builder.LeftHandSide().Pattern(typeof(Entity), "e").Condition(Condition<Entity>("e", e => vipTypes.Contains(e.EntityType + "-vip")));
        var session = new RuleCompiler().Compile([builder.Build()]).CreateSession();
        session.Insert(Entity("account"));
        Assert.Equal(1, session.Fire());
        return new WeakReference(vipTypes);
    }

    [Fact]
    public void HashJoin_EqualityOnMembers_IsIndexed()
    {
        var factory = (SessionFactory)Harness.Compile(typeof(OrderJoinRule), typeof(SameCityRule), typeof(TwoOrdersOfSameCustomerRule));

        Assert.True(SecondNode(factory, "OrderJoin").IsHashed);
        Assert.True(SecondNode(factory, "SameCity").IsHashed);
        Assert.True(SecondNode(factory, "ThreeFactJoin").IsHashed);
    }

    [Fact]
    public void HashJoin_DictionaryAccessorEquality_IsIndexedAndMatches()
    {
        var factory = (SessionFactory)Harness.Compile(typeof(EntityJoinRule));
        var session = factory.CreateSession();
        session.InsertAll([
            Entity("account", ("id", "A1")), Entity("account", ("id", "A2")), Entity("account", ("id", null)),
            Entity("contact", ("accountId", "A1")), Entity("contact", ("accountId", "A1")), Entity("contact", ("accountId", "A3")),
            Entity("contact", ("accountId", null)),
        ]);

        Assert.True(SecondNode(factory, "EntityJoin").IsHashed);

        // string == string: null == null holds for the plain condition, so the index must match null keys too.
        Assert.Equal(3, session.Agenda.Count);
    }

    [Fact]
    public void HashJoin_KeyChangesOnUpdate_MovesBetweenBuckets()
    {
        var session = Harness.Session(typeof(OrderJoinRule));
        var ann = new Customer("Ann") { Id = 1 };
        var bob = new Customer("Bob") { Id = 2 };
        var order = new Order(1, null, 1) { CustomerId = 1 };
        session.InsertAll([ann, bob, order]);
        Assert.Same(ann, session.Agenda.Peek().Get("customer"));

        order.CustomerId = 2;
        session.Update(order);

        Assert.Equal(1, session.Agenda.Count);
        Assert.Same(bob, session.Agenda.Peek().Get("customer"));
    }

    [Fact]
    public void HashJoin_UpdateOfEitherFactOfAFiredPair_FiresThePairAgainWithItsFacts()
    {
        var session = Harness.Session(typeof(CustomerOrderPairRule));
        var ann = new Customer("Ann") { Id = 1 };
        var order = new Order(7, null, 1) { CustomerId = 1 };
        session.InsertAll([ann, order]);
        Assert.Equal(1, session.Fire());

        order.Amount = 2;
        session.Update(order);
        var afterOrderUpdate = session.FireAndRecord();
        ann.Name = "Anne";
        session.Update(ann);
        var afterCustomerUpdate = session.FireAndRecord();

        foreach (var fired in new[] { afterOrderUpdate, afterCustomerUpdate })
        {
            var (rule, facts) = Assert.Single(fired);
            Assert.Equal("CustomerOrderPair", rule);
            Assert.Equal([ann, order], facts);
        }

        Assert.Equal(["order 7", "order 7", "order 7"], ann.Tags);
    }

    [Fact]
    public void HashJoin_RetractingEitherFactOfAPair_RemovesItsActivationOrUndoesItsFiring()
    {
        var session = Harness.Session(typeof(CustomerOrderPairRule));
        var ann = new Customer("Ann") { Id = 1 };
        var first = new Order(1, null, 1) { CustomerId = 1 };
        var second = new Order(2, null, 1) { CustomerId = 1 };
        session.InsertAll([ann, first, second]);
        Assert.Equal(2, session.Agenda.Count);

        session.Retract(first);
        Assert.Equal(1, session.Agenda.Count);
        Assert.Same(second, session.Agenda.Peek().Get("order"));
        Assert.Equal(1, session.Fire());

        session.Retract(ann);

        Assert.Equal(1, session.Fire());
        Assert.Equal(["order 2", "undo 2"], ann.Tags);
        Assert.Equal(0, session.Agenda.Count);
    }

    [Fact]
    public void HashJoin_TwentyThousandByTwentyThousand_OneActivationPerOrder()
    {
        const int n = 20_000;
        var session = Harness.Session(typeof(OrderJoinRule));
        session.InsertAll(Enumerable.Range(1, n).Select(i => new Customer("C" + i) { Id = i }));

        session.InsertAll(Enumerable.Range(1, n).Select(i => new Order(i, null, 1) { CustomerId = i }));

        Assert.Equal(n, session.Agenda.Count);
    }

    [Fact]
    public void HashedAggregate_CollectPerCustomer_IndexedAndGroupsCorrectly()
    {
        const int n = 5_000;
        var factory = (SessionFactory)Harness.Compile(typeof(CollectByIdRule));
        var node = (SourceNode)((JoinNode)factory.Network.Rules.Single().Branches[0].First).Next;
        var session = factory.CreateSession();
        session.InsertAll(Enumerable.Range(1, n).Select(i => new Customer("C" + i) { Id = i }));

        session.InsertAll(Enumerable.Range(1, 2 * n).Select(i => new Order(i, null, 1) { CustomerId = ((i - 1) % n) + 1 }));

        Assert.True(node.IsHashed);
        Assert.Equal(n, session.Agenda.Count);
        Assert.Equal(2, ((IEnumerable<Order>)session.Agenda.Peek().Get("orders")!).Count());
    }

    [Fact]
    public void HashJoin_ObjectTypedOperands_KeepReferenceEqualitySemantics()
    {
        var id = new object();
        var builder = new RuleBuilder();
        builder.Name("objects");
        var lhs = builder.LeftHandSide();
        var a = lhs.Pattern(typeof(Entity), "a");
        var b = lhs.Pattern(typeof(Entity), "b");
        b.Condition(Condition<Entity, Entity>("b", "a", (b, a) => b.Get("ref") == a.Get("ref") && b != a));
        builder.RightHandSide().Action((Expression<Action<IContext>>)(ctx => ctx.Halt()));
        var session = new RuleCompiler().Compile([builder.Build()]).CreateSession();

        // Two boxed 5s are different objects: '==' on object is reference equality, and the index must agree.
        session.InsertAll([Entity("x", ("ref", 5)), Entity("y", ("ref", 5)), Entity("z", ("ref", id)), Entity("w", ("ref", id))]);

        Assert.Equal(2, session.Agenda.Count);
    }

    [Fact]
    public void RuleBuilder_OneClrTypeToldApartByEntityType_CompilesAndFires()
    {
        var builder = new RuleBuilder();
        builder.Name("Contact of big account");
        builder.Priority(5);
        builder.Tags(["pack:sales"]);
        var lhs = builder.LeftHandSide();
        lhs.Pattern(typeof(Entity), "account").Condition(Condition<Entity>("account", a => a.EntityType == "account" && (int)a.Get("size")! > 100));
        lhs.Pattern(typeof(Entity), "contact").Condition(Condition<Entity, Entity>("contact", "account", (c, a) => c.EntityType == "contact" && (string?)c.Get("accountId") == (string?)a.Get("id")));
        lhs.Not().Pattern(typeof(Entity), "task").Condition(Condition<Entity, Entity>("task", "contact", (t, c) => t.EntityType == "task" && ReferenceEquals(t.Get("contact"), c)));
        var contactParameter = Expression.Parameter(typeof(Entity), "contact");
        var ctx = Expression.Parameter(typeof(IContext), "ctx");
        builder.RightHandSide().Action(Expression.Lambda(
            Expression.Call(ctx, typeof(IContext).GetMethod(nameof(IContext.Insert))!, Expression.New(typeof(Notice).GetConstructors()[0], Expression.Call(contactParameter, typeof(object).GetMethod(nameof(ToString))!))),
            ctx,
            contactParameter));
        var factory = new RuleCompiler().Compile([builder.Build()]);
        var session = factory.CreateSession();
        var contact = Entity("contact", ("accountId", "A1"));
        session.InsertAll([Entity("account", ("id", "A1"), ("size", 500)), Entity("account", ("id", "A2"), ("size", 5)), contact, Entity("contact", ("accountId", "A2"))]);

        Assert.Equal(1, session.Fire());
        Assert.Equal("pack:sales", factory.Rules.Single().Tags.Single());
        Assert.Single(session.Query<Notice>());
        session.Insert(Entity("task", ("contact", contact)));
        Assert.Equal(0, session.Fire());
    }

    [Fact]
    public void RuleBuilder_NaturallyTypedLambdas_ParametersMatchDeclarationsByName()
    {
        var builder = new RuleBuilder();
        builder.Name("big order");
        var lhs = builder.LeftHandSide();
        lhs.Pattern(typeof(Customer), "customer").Condition((Customer customer) => customer.IsPreferred);
        lhs.Pattern(typeof(Order), "order").Condition((Order order, Customer customer) => order.Customer == customer && order.Amount > 1000);
        builder.RightHandSide().Action((IContext ctx, Order order, Customer customer) => ctx.Insert(new Notice($"{customer.Name}:{order.Id}")));
        var session = new RuleCompiler().Compile([builder.Build()]).CreateSession();
        var ann = new Customer("Ann") { IsPreferred = true };
        session.InsertAll([ann, new Order(1, ann, 5000), new Order(2, ann, 5)]);

        session.Fire();

        Assert.Equal("Ann:1", session.Query<Notice>().Single().Text);
    }

    [Fact]
    public void RuleBuilder_UndeclaredParameter_FailsCompilationNamingIt()
    {
        var builder = new RuleBuilder();
        builder.Name("broken");
        builder.LeftHandSide().Pattern(typeof(Entity), "a").Condition(Condition<Entity, Entity>("a", "ghost", (a, g) => a == g));

        var error = Assert.Throws<RuleCompilationException>(() => new RuleCompiler().Compile([builder.Build()]));

        Assert.Contains("ghost", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RuleModel_FluentRule_ProducesSeparateModelElements()
    {
        var definition = new CustomerWithoutOrdersRule().GetDefinition();

        var elements = definition.LeftHandSide.ChildElements;
        Assert.IsType<PatternElement>(elements[0]);
        var not = Assert.IsType<NotElement>(elements[1]);
        var pattern = Assert.IsType<PatternElement>(not.Source);
        Assert.Equal(typeof(Order), pattern.ValueType);
        Assert.Equal(["customer"], definition.LeftHandSide.Exports.Select(d => d.Name));
        Assert.Equal(typeof(IContext), definition.RightHandSide.Actions.Single().Expression.Parameters[0].Type);
    }

    private static IEnumerable<SelectionNode> Selections(AlphaNode node) => node.Children.SelectMany(c => Selections(c).Prepend(c));

    private static MatchNode SecondNode(SessionFactory factory, string rule) =>
        (MatchNode)((JoinNode)factory.Network.Rules.Single(r => r.Definition.Name == rule).Branches[0].First).Next;

    private static Entity Entity(string type, params (string Key, object? Value)[] fields) =>
        new(type, fields.ToDictionary(f => f.Key, f => f.Value));

    private static IRuleDefinition EntityRule(string name, string entityType)
    {
        var builder = new RuleBuilder();
        builder.Name(name);
        builder.LeftHandSide().Pattern(typeof(Entity), "e" + name).Condition(Condition<Entity>("e" + name, e => e.EntityType == entityType));
        return builder.Build();
    }

    // Lambdas written in C# get their parameters renamed to the declaration names the model matches on.
    private static LambdaExpression Condition<T>(string name, Expression<Func<T, bool>> lambda) =>
        ExpressionTools.Rename(Inline(lambda), lambda.Parameters[0].Name!, Expression.Parameter(typeof(T), name));

    private static LambdaExpression Condition<T1, T2>(string name1, string name2, Expression<Func<T1, T2, bool>> lambda)
    {
        var renamed = ExpressionTools.Rename(Inline(lambda), lambda.Parameters[0].Name!, Expression.Parameter(typeof(T1), name1));
        return ExpressionTools.Rename(renamed, lambda.Parameters[1].Name!, Expression.Parameter(typeof(T2), name2));
    }

    // Captured locals become constants so that equal values give structurally equal expressions.
    private static LambdaExpression Inline(LambdaExpression lambda) => (LambdaExpression)new ClosureInliner().Visit(lambda);

    private sealed class ClosureInliner : ExpressionVisitor
    {
        protected override Expression VisitMember(MemberExpression node) =>
            node.Expression is ConstantExpression { Value: { } closure } && node.Member is System.Reflection.FieldInfo field
                ? Expression.Constant(field.GetValue(closure), node.Type)
                : base.VisitMember(node);
    }
}

public sealed class NamelessRule : Fluent.Dsl.Rule
{
    public override void Define()
    {
        Customer customer = null!;
        When().Match(() => customer);
        Then().Do(ctx => ctx.Halt());
    }
}
