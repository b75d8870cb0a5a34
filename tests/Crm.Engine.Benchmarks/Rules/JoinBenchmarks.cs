using BenchmarkDotNet.Attributes;
using Crm.Engine.Rules;
using Crm.Engine.Rules.Fluent.Dsl;

namespace Crm.Engine.Benchmarks.Rules;

/// <summary>
/// Multi-fact shapes over N customers and N orders (each order matching one customer): an equality join (goal:
/// linear growth, 100k under 150 ms), a collect-and-sum per customer, and not/exists.
/// </summary>
public class JoinBenchmarks
{
    private ISessionFactory? _join;
    private ISessionFactory? _aggregate;
    private ISessionFactory? _not;
    private BenchCustomer[] _customers = [];
    private BenchOrder[] _orders = [];

    public static IEnumerable<int> Sizes => BenchmarkConfig.Quick ? [100] : [1_000, 10_000, 100_000];

    [ParamsSource(nameof(Sizes))]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _join = new RuleCompiler().Compile([new OrderOfCustomerRule().GetDefinition()]);
        _aggregate = new RuleCompiler().Compile([new OrderTotalPerCustomerRule().GetDefinition()]);
        _not = new RuleCompiler().Compile([new CustomerWithoutOrdersRule().GetDefinition(), new CustomerWithOrdersRule().GetDefinition()]);
        _customers = Enumerable.Range(0, N).Select(i => new BenchCustomer { Id = i, Name = "C" + i }).ToArray();
        // Every order matches one customer; a tenth of the customers get two orders and one in ten gets none.
        _orders = Enumerable.Range(0, N).Select(i => new BenchOrder { Id = i, CustomerId = i % 10 == 9 ? i - 1 : i, Amount = i % 100 }).ToArray();
    }

    [Benchmark(Description = "equality join N orders x N customers")]
    public int Join() => Run(_join!);

    [Benchmark(Description = "collect + sum orders per customer")]
    public int CollectPerCustomer() => Run(_aggregate!);

    [Benchmark(Description = "not / exists per customer")]
    public int NotExists() => Run(_not!);

    private int Run(ISessionFactory factory)
    {
        var session = factory.CreateSession();
        session.InsertAll(_customers);
        session.InsertAll(_orders);
        return session.Fire();
    }

    public sealed class OrderOfCustomerRule : Rule
    {
        public override void Define()
        {
            BenchOrder order = null!;
            BenchCustomer customer = null!;
            When()
                .Match(() => order)
                .Match(() => customer, c => c.Id == order.CustomerId);
            Then().Do(_ => Sink.Hit());
        }
    }

    public sealed class OrderTotalPerCustomerRule : Rule
    {
        public override void Define()
        {
            BenchCustomer customer = null!;
            IEnumerable<BenchOrder> orders = null!;
            When()
                .Match(() => customer)
                .Query(() => orders, q => q.Match<BenchOrder>(o => o.CustomerId == customer.Id).Collect());
            Then().Do(_ => Sink.Add((long)orders.Sum(o => o.Amount)));
        }
    }

    public sealed class CustomerWithoutOrdersRule : Rule
    {
        public override void Define()
        {
            BenchCustomer customer = null!;
            When()
                .Match(() => customer)
                .Not<BenchOrder>(o => o.CustomerId == customer.Id);
            Then().Do(_ => Sink.Hit());
        }
    }

    public sealed class CustomerWithOrdersRule : Rule
    {
        public override void Define()
        {
            BenchCustomer customer = null!;
            When()
                .Match(() => customer)
                .Exists<BenchOrder>(o => o.CustomerId == customer.Id);
            Then().Do(_ => Sink.Hit());
        }
    }
}
