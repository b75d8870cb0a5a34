using BenchmarkDotNet.Attributes;
using Crm.Engine.Abstractions;
using Crm.Engine.Testing;

namespace Crm.Engine.Benchmarks.Storage;

/// <summary>
/// Creating N contacts in one go: the engine's bulk path (pipeline, validation, prepared statements, one
/// transaction) against raw prepared inserts of the same rows (records + phone/e-mail keys). Goal: at most 2x.
/// </summary>
[InvocationCount(1)]
public class BulkCreateBenchmarks
{
    private List<Dictionary<string, object?>> _rows = [];
    private CrmTestHost? _host;
    private ICrmTenant? _crm;

    public static IEnumerable<int> Sizes => [BenchmarkConfig.Size(100_000, quick: 50)];

    [ParamsSource(nameof(Sizes))]
    public int N { get; set; }

    [GlobalSetup]
    public void GlobalSetup() => _rows = ContactData.Rows(N);

    [IterationSetup]
    public void IterationSetup()
    {
        _host = CrmTestHost.StartAsync().GetAwaiter().GetResult();
        _crm = _host.CreateTenantAsync("bench").GetAwaiter().GetResult();
    }

    [IterationCleanup]
    public void IterationCleanup() => _host!.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Baseline = true, Description = "raw prepared inserts")]
    public void Raw() => ContactData.InsertRaw(_host!.DatabasePath, "bench", N);

    [Benchmark(Description = "engine bulk path")]
    public Task Engine() => _crm!.Records.CreateManyAsync("contact", _rows);
}
