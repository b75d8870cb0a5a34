using BenchmarkDotNet.Attributes;
using Crm.Engine.Testing;

namespace Crm.Engine.Benchmarks.Storage;

/// <summary>Cold start: building the engine and migrating a new database. Goal (with the five built-in plugins, once they exist): under 1 s.</summary>
public class ColdStartBenchmarks
{
    private int _starts;

    [Benchmark(Description = "start engine + migrate new database")]
    public async Task<int> StartAndMigrate()
    {
        await using var host = await CrmTestHost.StartAsync();
        return ++_starts;
    }
}
