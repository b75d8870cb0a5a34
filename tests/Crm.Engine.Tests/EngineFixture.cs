using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Testing;

namespace Crm.Engine.Tests;

/// <summary>
/// The one shared helper of this project: a real engine on a temp SQLite file, shared by the tests of a class, with
/// a fresh tenant per test (so tests of a class never see each other's data), and small shortcuts.
/// </summary>
public class EngineFixture : IAsyncLifetime
{
    private int _tenants;

    public CrmTestHost Host { get; private set; } = null!;

    public ICrmEngine Engine => Host.Engine;

    public virtual Task InitializeAsync() => StartAsync(null);

    public Task DisposeAsync() => Host.DisposeAsync().AsTask();

    /// <summary>Creates a tenant with a unique id and returns its services.</summary>
    public Task<ICrmTenant> NewTenantAsync(string prefix = "t") =>
        Host.CreateTenantAsync($"{prefix}-{Interlocked.Increment(ref _tenants)}");

    protected async Task StartAsync(Action<CrmEngineBuilder>? configure, Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? services = null) =>
        Host = await CrmTestHost.StartAsync(configure, services);

    /// <summary>A value dictionary from pairs.</summary>
    public static Dictionary<string, object?> V(params (string Field, object? Value)[] values) =>
        values.ToDictionary(v => v.Field, v => v.Value, StringComparer.Ordinal);

    /// <summary>The number of records of an entity type in a tenant.</summary>
    public static Task<long> CountAsync(ICrmTenant tenant, string entityType) =>
        tenant.Records.CountAsync(RecordQuery.For(entityType));

    /// <summary>Reads every page of a query with a continuation token.</summary>
    public static async Task<List<CrmRecord>> ReadAllPagesAsync(ICrmTenant tenant, RecordQuery query)
    {
        var all = new List<CrmRecord>();
        string? token = null;
        do
        {
            var page = await tenant.Records.QueryAsync(query.After(token));
            all.AddRange(page.Records);
            token = page.ContinuationToken;
        }
        while (token is not null);
        return all;
    }
}
