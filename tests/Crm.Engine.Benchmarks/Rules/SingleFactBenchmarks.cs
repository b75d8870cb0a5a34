using BenchmarkDotNet.Attributes;
using Crm.Engine.Rules;

namespace Crm.Engine.Benchmarks.Rules;

/// <summary>
/// One fact against N single-fact rules: create a session, insert, fire. Against Microsoft RulesEngine (peer) and a
/// hand-written loop (floor). Goal: at least 10x faster than RulesEngine at 100 rules, within 20x of the loop.
/// </summary>
public class SingleFactBenchmarks
{
    private ISessionFactory? _factory;
    private global::RulesEngine.RulesEngine? _peer;
    private (double Threshold, string Category)[] _loopRules = [];

    [Params(10, 100, 1000)]
    public int Rules { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _factory = new RuleCompiler().Compile(BenchRules.SingleFact(Rules));
        _peer = new global::RulesEngine.RulesEngine(BenchRules.SingleFactWorkflow(Rules), new global::RulesEngine.Models.ReSettings());
        _loopRules = Enumerable.Range(0, Rules).Select(i => ((double)i, i % 2 == 0 ? "retail" : "wholesale")).ToArray();
        _peer.ExecuteAllRulesAsync("orders", Order).AsTask().GetAwaiter().GetResult(); // compile outside the measurement
    }

    private BenchOrder Order => new() { Id = 1, CustomerId = 1, Amount = Rules / 2.0, Category = "retail" };

    [Benchmark(Baseline = true, Description = "hand-written loop")]
    public int Loop()
    {
        var order = Order;
        var fired = 0;
        foreach (var (threshold, category) in _loopRules)
        {
            if (order.Amount > threshold && order.Category == category)
            {
                fired++;
            }
        }

        Sink.Add(fired);
        return fired;
    }

    [Benchmark(Description = "Crm.Engine.Rules: session + insert + fire")]
    public int Rete()
    {
        var session = _factory!.CreateSession();
        session.Insert(Order);
        return session.Fire();
    }

    [Benchmark(Description = "Microsoft RulesEngine")]
    public async Task<int> RulesEngine()
    {
        var results = await _peer!.ExecuteAllRulesAsync("orders", Order);
        return results.Count(r => r.IsSuccess);
    }
}
