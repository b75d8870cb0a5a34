using System.Diagnostics;
using Crm.Engine.RulePacks;
using Crm.Engine.Rules;

namespace Crm.Engine.Benchmarks.Rules;

/// <summary>
/// The first rule-base build of a new process, JIT included, which BenchmarkDotNet's runs (warmed up, many builds per
/// process) do not show: <c>--cold-build csharp</c> builds the 1,000 C# rules of <see cref="RuleBaseBuildBenchmarks"/>,
/// <c>--cold-build pack</c> the 1,000-rule pack of <see cref="RulePackBuildBenchmarks"/>. Run it once per process,
/// several times (docs/benchmarks.md). Goal: under 150 ms.
/// </summary>
public static class ColdBuild
{
    /// <summary>Builds a rule base of <paramref name="rules"/> rules the way <paramref name="kind"/> says and writes the times.</summary>
    public static void Run(string kind, TextWriter output, int rules = 1000)
    {
        var sinceStart = DateTime.Now - Process.GetCurrentProcess().StartTime;
        var clock = Stopwatch.StartNew();
        switch (kind)
        {
            case "csharp":
            {
                var definitions = BenchRules.SingleFact(rules);
                var model = clock.Elapsed;
                var factory = new RuleCompiler().Compile(definitions);
                var total = clock.Elapsed;
                Check(factory.Rules.Count == rules, "rules compiled");
                output.WriteLine($"cold build, {rules} C# rules: {Ms(total)} ms (rule model {Ms(model)} ms, Rete {Ms(total - model)} ms); runtime start before it: {Ms(sinceStart)} ms");
                break;
            }

            case "pack":
            {
                var catalog = RulePackBuildBenchmarks.Catalog();
                var entities = RulePackBuildBenchmarks.SampleEntities();
                var text = RulePackBuildBenchmarks.Pack(rules, 0);
                var setup = clock.Elapsed;
                var workbench = RulePackWorkbench.FromDefinitions(entities, catalog);
                var fired = RulePackBuildBenchmarks.Build(workbench, text);
                var build = clock.Elapsed - setup;
                Check(fired == 0, "no facts, no firings");
                output.WriteLine($"cold build, {rules}-rule pack: {Ms(build)} ms (read + bind + build + Rete, on a new workbench); engine services, metadata and pack text before it: {Ms(setup)} ms; runtime start before that: {Ms(sinceStart)} ms");
                break;
            }

            default:
                throw new ArgumentException($"--cold-build takes 'csharp' or 'pack', not '{kind}'.", nameof(kind));
        }
    }

    private static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("F0", System.Globalization.CultureInfo.InvariantCulture);

    private static void Check(bool ok, string what)
    {
        if (!ok)
        {
            throw new InvalidOperationException($"cold build went wrong: {what}");
        }
    }
}
