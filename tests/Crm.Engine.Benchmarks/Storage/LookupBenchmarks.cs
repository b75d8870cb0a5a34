using BenchmarkDotNet.Attributes;
using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Testing;
using Microsoft.Data.Sqlite;

namespace Crm.Engine.Benchmarks.Storage;

/// <summary>
/// Reads among a large store: caller-number look-up (goal: p99 under 1 ms among 1,000,000 contacts; the P95 and Max
/// columns bound it) and a query on a custom JSON field with and without its expression index.
/// </summary>
public class LookupBenchmarks
{
    private CrmTestHost? _host;
    private ICrmTenant? _crm;
    private int _next;

    public static IEnumerable<int> Sizes => [BenchmarkConfig.Size(1_000_000, quick: 500)];

    [ParamsSource(nameof(Sizes))]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _host = CrmTestHost.StartAsync().GetAwaiter().GetResult();
        _crm = _host.CreateTenantAsync("bench").GetAwaiter().GetResult();
        _crm.Metadata.AddCustomFieldAsync("contact", new FieldDefinition { ApiName = "segmentIdx_c", Type = FieldType.Text, Indexed = true }).GetAwaiter().GetResult();
        _crm.Metadata.AddCustomFieldAsync("contact", new FieldDefinition { ApiName = "segmentScan_c", Type = FieldType.Text }).GetAwaiter().GetResult();
        ContactData.InsertRaw(_host.DatabasePath, "bench", N);
        using var connection = new SqliteConnection($"Data Source={_host.DatabasePath}");
        connection.Open();
        using var command = connection.CreateCommand();
        // One contact in 1,000 is in segment 'S7'; both custom fields hold the same value.
        command.CommandText = "UPDATE records SET fields = json_set(fields, '$.segmentIdx_c', 'S' || (rowid % 1000), '$.segmentScan_c', 'S' || (rowid % 1000)); ANALYZE;";
        command.ExecuteNonQuery();
    }

    [GlobalCleanup]
    public void Cleanup() => _host?.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Description = "caller look-up by phone")]
    public async Task<int> CallerLookup()
    {
        var i = Interlocked.Increment(ref _next) * 7919 % N;
        var found = await _crm!.Contacts.FindByPhoneAsync("0170 " + (1_000_000 + i));
        return found.Count;
    }

    [Benchmark(Description = "custom field query, indexed")]
    public async Task<int> CustomFieldIndexed() =>
        (await _crm!.Records.QueryAsync(RecordQuery.For("contact").Where("segmentIdx_c", "S7").Take(50))).Records.Count;

    [Benchmark(Description = "custom field query, no index")]
    public async Task<int> CustomFieldScan() =>
        (await _crm!.Records.QueryAsync(RecordQuery.For("contact").Where("segmentScan_c", "S7").Take(50))).Records.Count;
}
