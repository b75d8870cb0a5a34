using BenchmarkDotNet.Running;

namespace Crm.Engine.Benchmarks;

/// <summary>Runs every benchmark once at tiny sizes, so none of them can rot unnoticed.</summary>
public static class QuickRun
{
    public static IReadOnlyList<Type> BenchmarkTypes { get; } = typeof(QuickRun).Assembly.GetTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false, IsPublic: true } && t.GetMethods().Any(m => m.GetCustomAttributes(typeof(BenchmarkDotNet.Attributes.BenchmarkAttribute), false).Length > 0))
        .OrderBy(t => t.Name, StringComparer.Ordinal)
        .ToList();

    /// <summary>Runs one benchmark class once; returns the problems found (empty when every case ran).</summary>
    public static IReadOnlyList<string> Run(Type benchmarkType)
    {
        BenchmarkConfig.Quick = true;
        var summary = BenchmarkRunner.Run(benchmarkType, BenchmarkConfig.QuickConfig());
        var problems = summary.ValidationErrors.Where(e => e.IsCritical).Select(e => $"{benchmarkType.Name}: {e.Message}").ToList();
        problems.AddRange(summary.Reports.Where(r => !r.Success).Select(r => $"{benchmarkType.Name}: {r.BenchmarkCase.DisplayInfo} did not run"));
        if (summary.Reports.Length == 0)
        {
            problems.Add($"{benchmarkType.Name}: no benchmark case ran");
        }

        return problems;
    }

    public static int RunAll(TextWriter output)
    {
        var failures = 0;
        foreach (var type in BenchmarkTypes)
        {
            var problems = Run(type);
            output.WriteLine(problems.Count == 0 ? $"ok   {type.Name}" : $"FAIL {type.Name}: {string.Join("; ", problems)}");
            failures += problems.Count;
        }

        return failures;
    }
}
