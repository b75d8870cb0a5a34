using BenchmarkDotNet.Attributes;
using Crm.Engine.Rules;

namespace Crm.Engine.Benchmarks.Rules;

/// <summary>
/// Building a rule base of 1,000 single-fact rules (model → Rete network → compiled expressions), warm process,
/// against constructing Microsoft RulesEngine with the same rules and running it once (its compile is lazy).
/// Goal: under 50 ms warm (cold-process goal: under 150 ms; see docs/benchmarks.md for how that is measured).
/// </summary>
public class RuleBaseBuildBenchmarks
{
    public static IEnumerable<int> Sizes => [BenchmarkConfig.Size(1000, quick: 20)];

    [ParamsSource(nameof(Sizes))]
    public int Rules { get; set; }

    [Benchmark(Baseline = true, Description = "Crm.Engine.Rules: build + compile")]
    public int Rete()
    {
        var factory = new RuleCompiler().Compile(BenchRules.SingleFact(Rules));
        return factory.Rules.Count;
    }

    [Benchmark(Description = "Microsoft RulesEngine: construct + first run")]
    public async Task<int> RulesEngine()
    {
        var engine = new global::RulesEngine.RulesEngine(BenchRules.SingleFactWorkflow(Rules), new global::RulesEngine.Models.ReSettings());
        var results = await engine.ExecuteAllRulesAsync("orders", new BenchOrder { Amount = 1 });
        return results.Count;
    }
}
