using Crm.Engine.Benchmarks;

namespace Crm.Engine.Benchmarks.Tests;

/// <summary>
/// Runs every benchmark once at tiny sizes (BenchmarkDotNet's dry job, in-process), so a benchmark that no longer
/// compiles, throws, or fails validation breaks the test run. Measures nothing: numbers live in docs/benchmarks.md.
/// </summary>
[Collection(nameof(QuickBenchmarkTests))]
public class QuickBenchmarkTests
{
    public static TheoryData<string> BenchmarkNames()
    {
        var data = new TheoryData<string>();
        foreach (var type in QuickRun.BenchmarkTypes)
        {
            data.Add(type.FullName!);
        }

        return data;
    }

    [Fact]
    public void BenchmarkAssembly_HasBenchmarks() => Assert.NotEmpty(QuickRun.BenchmarkTypes);

    [Theory]
    [MemberData(nameof(BenchmarkNames))]
    public void Benchmark_RunOnceAtTinySize_EveryCaseRuns(string benchmarkTypeName)
    {
        var type = QuickRun.BenchmarkTypes.Single(t => t.FullName == benchmarkTypeName);

        var problems = QuickRun.Run(type);

        Assert.Empty(problems);
    }

    [Theory]
    [InlineData("csharp", "C# rules")]
    [InlineData("pack", "-rule pack")]
    public void ColdBuild_SmallRuleBase_BuildsAndReportsTimes(string kind, string expected)
    {
        var output = new StringWriter();

        Rules.ColdBuild.Run(kind, output, rules: 20);

        Assert.Contains(expected, output.ToString(), StringComparison.Ordinal);
        Assert.Contains(" ms", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ColdBuild_UnknownKind_NamesTheChoices() =>
        Assert.Contains("'csharp' or 'pack'", Assert.Throws<ArgumentException>(() => Rules.ColdBuild.Run("yaml", TextWriter.Null)).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("core", "core only")]
    [InlineData("plugins", "5 plugins from disk")]
    public async Task ColdStart_StartsTheEngineTwice_AndReportsTheFirstStartsPhases(string kind, string expected)
    {
        var output = new StringWriter();

        await Storage.ColdStart.RunAsync(kind, output);

        var line = output.ToString();
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.Contains("start + migrate", line, StringComparison.Ordinal);
        Assert.Contains("a second start in the same process", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ColdStart_UnknownKind_NamesTheChoices() =>
        Assert.Contains("'plugins' or 'core'", (await Assert.ThrowsAsync<ArgumentException>(() => Storage.ColdStart.RunAsync("all", TextWriter.Null))).Message, StringComparison.Ordinal);
}
