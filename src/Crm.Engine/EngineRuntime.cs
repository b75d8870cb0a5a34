using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Events;
using Crm.Engine.Metadata;
using Crm.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Crm.Engine;

/// <summary>The engine's shared, thread-safe state: registry, storage, metadata cache, event bus, clock.</summary>
internal sealed class EngineRuntime(
    CrmRegistry registry,
    IStorageProvider storage,
    MetadataCache metadata,
    DomainEventBus events,
    TimeProvider time,
    IServiceProvider services,
    IOptions<CrmEngineOptions> options,
    ILoggerFactory loggers,
    RegisteredPluginVersions pluginVersions) : IDisposable
{
    private readonly SemaphoreSlim _initLock = new(1, 1);
    private volatile bool _initialized;

    public CrmRegistry Registry { get; } = registry;

    public IStorageProvider Storage { get; } = storage;

    public MetadataCache Metadata { get; } = metadata;

    public DomainEventBus Events { get; } = events;

    public TimeProvider Time { get; } = time;

    public IServiceProvider Services { get; } = services;

    public CrmEngineOptions Options { get; } = options.Value;

    public ILoggerFactory Loggers { get; } = loggers;

    public void Dispose() => _initLock.Dispose();

    // Tenants created before security roles existed get the shipped roles (once; edits are kept).
    private async Task SeedSecurityRolesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await Storage.OpenAsync(cancellationToken).ConfigureAwait(false);
        var tenants = (await Dapper.SqlMapper.QueryAsync<string>(connection, new Dapper.CommandDefinition(
            "SELECT id FROM tenants t WHERE NOT EXISTS (SELECT 1 FROM security_roles r WHERE r.tenant_id = t.id)", cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        if (tenants.Count == 0)
        {
            return;
        }

        await using var transaction = await Storage.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        foreach (var tenant in tenants)
        {
            await Security.SecurityService.SeedSystemRolesAsync(connection, transaction, tenant, Time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task EnsureInitializedAsync(CancellationToken cancellationToken)
    {
        if (_initialized)
        {
            return;
        }

        await _initLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_initialized)
            {
                return;
            }

            var runner = new MigrationRunner(Storage, Time, Loggers.CreateLogger<MigrationRunner>());
            var ledger = new PluginLedger(Storage, Time, pluginVersions, Loggers.CreateLogger<PluginLedger>());

            // The core schema first (it holds crm_plugins), then refuse plugin downgrades before any module's
            // migration runs, and record the versions only once every migration succeeded.
            await runner.RunAsync([.. Registry.Migrations.Where(m => m.ModuleId == CrmRegistry.CoreSchemaModule)], cancellationToken).ConfigureAwait(false);
            await ledger.CheckAsync(cancellationToken).ConfigureAwait(false);
            await runner.RunAsync(Registry.Migrations, cancellationToken).ConfigureAwait(false);
            await ledger.RecordAsync(cancellationToken).ConfigureAwait(false);
            await Metadata.EnsureSystemIndexesAsync(cancellationToken).ConfigureAwait(false);
            await SeedSecurityRolesAsync(cancellationToken).ConfigureAwait(false);
            foreach (var initializer in Services.GetServices<IEngineInitializer>())
            {
                await initializer.InitializeAsync(cancellationToken).ConfigureAwait(false);
            }

            _initialized = true;
        }
        catch (Exception ex) when (ex is not CrmException and System.Data.Common.DbException)
        {
            throw new CrmConfigurationException($"The store could not be prepared: {ex.Message}", ex);
        }
        finally
        {
            _initLock.Release();
        }
    }
}
