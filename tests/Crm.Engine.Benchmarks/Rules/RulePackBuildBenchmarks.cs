using BenchmarkDotNet.Attributes;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.RulePacks.Actions;
using Crm.Engine.RulePacks;
using Crm.Engine.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Engine.Benchmarks.Rules;

/// <summary>
/// Building a rule base from a generated rule pack of 1,000 rules (each: a case pattern with two conditions joined to
/// its account, a setField and a log action with a computed message): read the YAML, bind every expression against the
/// metadata, build the rule model and compile the Rete network (what <c>crm rules apply</c> does before storing a
/// version). Cold: a new pack text on fresh metadata caches; warm: the same pack again (validate-then-apply, or another
/// pack of the tenant changed). Goal: under 150 ms cold / 50 ms warm; see docs/benchmarks.md.
/// </summary>
public class RulePackBuildBenchmarks
{
    private static readonly IReadOnlyList<EntityDefinition> Entities = SampleEntities();

    private IRuleActionCatalog _catalog = null!;
    private RulePackWorkbench _warm = null!;
    private string _pack = string.Empty;
    private int _round;

    public static IEnumerable<int> Sizes => [BenchmarkConfig.Size(1000, quick: 20)];

    [ParamsSource(nameof(Sizes))]
    public int Rules { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _catalog = Catalog();
        _pack = Pack(Rules, 0);
        _warm = RulePackWorkbench.FromDefinitions(Entities, _catalog);
        Build(_warm, _pack);
    }

    [Benchmark(Baseline = true, Description = "Rule pack: read + bind + build + Rete (cold)")]
    public int Cold() => Build(RulePackWorkbench.FromDefinitions(Entities, _catalog), Pack(Rules, ++_round));

    [Benchmark(Description = "Rule pack: read + bind + build + Rete (warm)")]
    public int Warm() => Build(_warm, _pack);

    [Benchmark(Description = "Rule pack: read + bind + build, no Rete (cold)")]
    public int ValidateCold() => RulePackWorkbench.FromDefinitions(Entities, _catalog).Validate(Pack(Rules, ++_round), "big.yaml").Count;

    [Benchmark(Description = "Rule pack: read + bind + build, no Rete (warm)")]
    public int ValidateWarm() => _warm.Validate(_pack, "big.yaml").Count;

    internal static IRuleActionCatalog Catalog()
    {
        var services = new ServiceCollection();
        new CrmEngineBuilder(services).AddRulePacks();
        return services.BuildServiceProvider().GetRequiredService<IRuleActionCatalog>();
    }

    internal static int Build(RulePackWorkbench bench, string pack)
    {
        var result = bench.Test(pack, "big.yaml", []);
        return result.Errors.Count == 0 ? result.Evaluation!.Firings.Count : throw new InvalidOperationException(string.Join("; ", result.Errors));
    }

    // The pack of the RulePacks test ThousandRulePack_CompilesAndWorks; the round makes each cold text new.
    internal static string Pack(int rules, int round) => ThousandRulePack.Text(rules, round);

    internal static IReadOnlyList<EntityDefinition> SampleEntities()
    {
        var builtIn = new CrmEngineBuilder(new ServiceCollection()).Registry.Entities.ToList();
        var json = File.ReadAllText(Path.Combine(FindRoot(), "samples", "rule-packs", "entities.json"));
        return RulePackWorkbench.MergeEntities(builtIn, json);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Crm.Engine.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Crm.Engine.sln not found above the benchmark binaries.");
    }
}
