using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Toolchains.InProcess.NoEmit;

namespace Crm.Engine.Benchmarks;

/// <summary>The two ways benchmarks run: measured (full) and smoke (quick: once, tiny sizes, in-process).</summary>
public static class BenchmarkConfig
{
    /// <summary>Whether sizes shrink to smoke-test size (set by the quick run before any benchmark is created).</summary>
    public static bool Quick { get; set; }

    /// <summary>The size to use: <paramref name="full"/> normally, <paramref name="quick"/> in the quick run.</summary>
    public static int Size(int full, int quick) => Quick ? quick : full;

    public static IConfig Full() => DefaultConfig.Instance
        .AddDiagnoser(MemoryDiagnoser.Default)
        .AddColumn(StatisticColumn.P95, StatisticColumn.Max)
        .WithSummaryStyle(SummaryStyle.Default.WithRatioStyle(RatioStyle.Trend));

    /// <summary>
    /// <see cref="Full"/> with one job (3 warm-ups, 10 iterations) per garbage-collector set-up a host can have: workstation with background
    /// GC (a console app's default), workstation without it, and server GC (ASP.NET Core's default). They differ most
    /// for sessions that build up many surviving objects: background GC caps the gen0 budget at a few MB.
    /// </summary>
    public static IConfig GcModes() => Full()
        .AddJob(GcJob.WithGcServer(false).WithGcConcurrent(true).WithId("Workstation+BackgroundGC").AsBaseline())
        .AddJob(GcJob.WithGcServer(false).WithGcConcurrent(false).WithId("Workstation"))
        .AddJob(GcJob.WithGcServer(true).WithGcConcurrent(true).WithId("ServerGC"));

    private static Job GcJob => Job.Default.WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(10);

    public static IConfig QuickConfig() => ManualConfig.CreateEmpty()
        .AddJob(Job.Dry.WithToolchain(InProcessNoEmitToolchain.Instance))
        .AddColumnProvider(DefaultColumnProviders.Instance)
        .AddLogger(NullLogger.Instance)
        .WithOptions(ConfigOptions.DisableOptimizationsValidator | ConfigOptions.DisableLogFile);
}
