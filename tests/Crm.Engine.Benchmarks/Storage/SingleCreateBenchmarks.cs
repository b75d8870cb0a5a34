using BenchmarkDotNet.Attributes;
using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Events;
using Crm.Engine.Abstractions.Pipeline;
using Crm.Engine.Abstractions.Plugins;
using Crm.Engine.Testing;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Crm.Engine.Benchmarks.Storage;

/// <summary>
/// One create through the full pipeline (validation, three handlers, an event subscriber) against one raw Dapper
/// insert in its own transaction. Goal: at most 3x.
/// </summary>
public class SingleCreateBenchmarks
{
    private CrmTestHost? _host;
    private ICrmTenant? _crm;
    private IDisposable? _subscription;
    private int _n;
    private long _events;

    [GlobalSetup]
    public void Setup()
    {
        _host = CrmTestHost.StartAsync(configure: b => b.AddPlugin<ThreeHandlersPlugin>()).GetAwaiter().GetResult();
        _crm = _host.CreateTenantAsync("bench").GetAwaiter().GetResult();
        _subscription = _host.Engine.Events.Subscribe<RecordCreated>((_, _) =>
        {
            Interlocked.Increment(ref _events);
            return Task.CompletedTask;
        });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _subscription?.Dispose();
        _host?.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, Description = "raw Dapper insert")]
    public async Task Raw()
    {
        await using var connection = new SqliteConnection($"Data Source={_host!.DatabasePath}");
        await connection.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        var n = Interlocked.Increment(ref _n);
        await connection.ExecuteAsync(
            "INSERT INTO records (tenant_id, id, entity_type, version, owner_id, created_at, created_by, modified_at, modified_by, fields) VALUES (@t, @id, 'contact', 1, NULL, @at, NULL, @at, NULL, @fields)",
            new { t = "bench", id = Guid.CreateVersion7().ToString("D"), at = "2026-01-05T09:00:00.0000000Z", fields = $"{{\"lastName\":\"Raw{n}\",\"name\":\"Raw{n}\"}}" },
            tx);
        await tx.CommitAsync();
    }

    [Benchmark(Description = "engine create (3 handlers + event)")]
    public Task Engine() => _crm!.Records.CreateAsync("contact", new Dictionary<string, object?> { ["lastName"] = "Engine" + Interlocked.Increment(ref _n) });

    public sealed class ThreeHandlersPlugin : ICrmPlugin
    {
        public void Configure(ICrmPluginBuilder builder)
        {
            builder.AddPipelineHandler<CountingHandler>(PipelineMessages.Create, "contact", PipelineStage.PreValidation);
            builder.AddPipelineHandler<CountingHandler>(PipelineMessages.Create, "contact", PipelineStage.PreOperation);
            builder.AddPipelineHandler<CountingHandler>(PipelineMessages.Create, "contact", PipelineStage.PostOperation);
        }
    }

    public sealed class CountingHandler : IPipelineHandler
    {
        public Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
        {
            context.SharedVariables["seen"] = context.Stage;
            return Task.CompletedTask;
        }
    }
}
