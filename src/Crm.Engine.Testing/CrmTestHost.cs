using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Tenancy;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Crm.Engine.Testing;

/// <summary>
/// The real engine for tests: a SQLite database file in a fresh temp folder, a fake clock, and the plugins the test
/// registers. No part of the engine is mocked. Dispose it to delete the folder.
/// </summary>
public sealed class CrmTestHost : IAsyncDisposable
{
    /// <summary>The instant the fake clock starts at unless told otherwise: Monday 5 January 2026, 09:00 UTC.</summary>
    public static readonly DateTimeOffset DefaultStart = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);

    private readonly Action<CrmEngineBuilder>? _configure;
    private readonly Action<IServiceCollection>? _services;
    private readonly bool _ownsDirectory;
    private ServiceProvider _provider;

    private CrmTestHost(string directory, bool ownsDirectory, FakeTimeProvider clock, Action<CrmEngineBuilder>? configure, Action<IServiceCollection>? services)
    {
        Directory = directory;
        _ownsDirectory = ownsDirectory;
        Clock = clock;
        _configure = configure;
        _services = services;
        _provider = Build();
    }

    /// <summary>The temp folder holding the database.</summary>
    public string Directory { get; }

    /// <summary>The database file.</summary>
    public string DatabasePath => Path.Combine(Directory, "crm.db");

    /// <summary>The fake clock the engine reads; advance it to move time.</summary>
    public FakeTimeProvider Clock { get; }

    /// <summary>The engine's service provider.</summary>
    public IServiceProvider Services => _provider;

    /// <summary>The engine.</summary>
    public ICrmEngine Engine => _provider.GetRequiredService<ICrmEngine>();

    /// <summary>Starts an engine on a new, empty database.</summary>
    /// <param name="configure">Registers plugins or changes the engine.</param>
    /// <param name="services">Adds or replaces services.</param>
    /// <param name="start">Where the fake clock starts; <see cref="DefaultStart"/> by default.</param>
    /// <param name="directory">An existing folder to use (not deleted on dispose), e.g. to share one database between two hosts.</param>
    /// <returns>The started host.</returns>
    public static async Task<CrmTestHost> StartAsync(
        Action<CrmEngineBuilder>? configure = null,
        Action<IServiceCollection>? services = null,
        DateTimeOffset? start = null,
        string? directory = null)
    {
        var owns = directory is null;
        directory ??= Path.Combine(Path.GetTempPath(), "crm-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var host = new CrmTestHost(directory, owns, new FakeTimeProvider(start ?? DefaultStart), configure, services);
        try
        {
            await host.Engine.InitializeAsync().ConfigureAwait(false);
        }
        catch
        {
            // A store that fails to start (e.g. an edited migration) must not leave the provider and its files behind.
            await host.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return host;
    }

    /// <summary>Creates a tenant and returns its services (system context).</summary>
    /// <param name="tenantId">The tenant id.</param>
    /// <param name="settings">Regional settings.</param>
    /// <returns>The tenant's services.</returns>
    public async Task<ICrmTenant> CreateTenantAsync(string tenantId = "test", TenantSettings? settings = null)
    {
        await Engine.Tenants.CreateAsync(tenantId, $"Tenant {tenantId}", settings).ConfigureAwait(false);
        return Engine.ForTenant(tenantId);
    }

    /// <summary>Stops the engine and starts a new one on the same database, as after a process restart.</summary>
    /// <returns>A task that completes when the new engine is ready.</returns>
    public async Task RestartAsync()
    {
        await _provider.DisposeAsync().ConfigureAwait(false);
        SqliteConnection.ClearAllPools();
        _provider = Build();
        await Engine.InitializeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _provider.DisposeAsync().ConfigureAwait(false);
        SqliteConnection.ClearAllPools();
        if (_ownsDirectory)
        {
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
                // A file still open by a lingering handle: the OS temp cleaner will take it.
            }
        }
    }

    private ServiceProvider Build()
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(Clock);
        var builder = services.AddCrmEngine().UseSqlite($"Data Source={DatabasePath}");
        _configure?.Invoke(builder);
        _services?.Invoke(services);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }
}
