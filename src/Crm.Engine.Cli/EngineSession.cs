using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Tenancy;
using Crm.Engine.RulePacks;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Crm.Engine.Cli;

/// <summary>
/// The one place that opens the engine for a <c>--db</c> path: the real engine on that SQLite file, migrated, with
/// nothing logged to the console. Dispose it to close the database.
/// </summary>
internal sealed class EngineSession : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    private EngineSession(ServiceProvider provider, string databasePath, bool created, IReadOnlyList<string> appliedMigrations)
    {
        _provider = provider;
        DatabasePath = databasePath;
        Created = created;
        AppliedMigrations = appliedMigrations;
        Engine = provider.GetRequiredService<ICrmEngine>();
    }

    /// <summary>The engine.</summary>
    public ICrmEngine Engine { get; }

    /// <summary>The engine's services (e.g. the tenants' rule bases).</summary>
    public IServiceProvider Services => _provider;

    /// <summary>The user tenant commands act as, or <see langword="null"/> for the system context.</summary>
    public string? UserName { get; private init; }

    /// <summary>The full path of the database file.</summary>
    public string DatabasePath { get; }

    /// <summary>Whether this session created the database file.</summary>
    public bool Created { get; }

    /// <summary>The migrations applied while opening, e.g. <c>Applied migration core 1 (core)</c>.</summary>
    public IReadOnlyList<string> AppliedMigrations { get; }

    /// <summary>
    /// The plugins folder of the running command (<c>--plugins</c>, <c>$CRM_PLUGINS</c>, else the <c>plugins</c> folder
    /// next to <c>crm</c> when it exists), set per invocation by <see cref="CrmCli.InvokeAsync(IReadOnlyList{string}, CliContext, CancellationToken)"/>;
    /// <see langword="null"/>: the core only.
    /// </summary>
    public static AsyncLocal<string?> PluginsDirectory { get; } = new();

    /// <summary>Loads the plugins of <see cref="PluginsDirectory"/>, if any, into an engine being built.</summary>
    /// <param name="builder">The engine builder.</param>
    /// <returns>The builder.</returns>
    public static CrmEngineBuilder AddPlugins(CrmEngineBuilder builder) =>
        PluginsDirectory.Value is { } directory ? builder.AddPluginsFrom(directory) : builder;

    /// <summary>Opens the engine on a database file and migrates it.</summary>
    /// <param name="databasePath">The path given with <c>--db</c>.</param>
    /// <param name="create">Whether a missing file may be created (only <c>crm init</c>); otherwise a missing file is an error.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The open session.</returns>
    /// <exception cref="CliException">The file does not exist and <paramref name="create"/> is false.</exception>
    /// <param name="userName">The user tenant commands act as (<c>--user</c>), or <see langword="null"/> for the system context.</param>
    public static async Task<EngineSession> OpenAsync(string databasePath, bool create, CancellationToken cancellationToken, string? userName = null)
    {
        var fullPath = Path.GetFullPath(databasePath);
        var existed = File.Exists(fullPath);
        if (!existed && !create)
        {
            throw new CliException($"there is no CRM database at {fullPath}. Create one with `crm init --db {databasePath}`, or point --db (or CRM_DB) at an existing database.");
        }

        if (!existed)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
        }

        var migrations = new MigrationLog();
        var services = new ServiceCollection();

        // An empty configuration, as a Microsoft.Extensions host would have, so the engine's options keep their defaults.
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddLogging(logging => logging.AddProvider(migrations));
        AddPlugins(services.AddCrmEngine().UseSqlite(new SqliteConnectionStringBuilder { DataSource = fullPath }.ToString()).AddRulePacks());
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        try
        {
            await provider.GetRequiredService<ICrmEngine>().InitializeAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await DisposeProviderAsync(provider).ConfigureAwait(false);
            throw;
        }

        return new EngineSession(provider, fullPath, !existed, migrations.Applied) { UserName = string.IsNullOrWhiteSpace(userName) ? null : userName.Trim() };
    }

    /// <summary>Gets the services of an existing tenant, acting as the command line.</summary>
    /// <param name="tenantId">The tenant id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The tenant's services.</returns>
    /// <exception cref="CliException">The tenant does not exist.</exception>
    public async Task<ICrmTenant> OpenTenantAsync(string tenantId, CancellationToken cancellationToken)
    {
        if (await Engine.Tenants.GetAsync(tenantId, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new CliException(
                $"tenant '{tenantId}' does not exist in {DatabasePath}. Create it with `crm tenant create {tenantId} --name \"<name>\"`, or see the tenants with `crm tenant list`.");
        }

        if (UserName is null)
        {
            return Engine.ForTenant(new CallerContext(tenantId, null, OperationSource.Cli, "crm"));
        }

        var user = await Engine.ForTenant(CallerContext.System(tenantId, "crm")).Organization.FindUserAsync(UserName, cancellationToken).ConfigureAwait(false);
        if (user is not { IsActive: true })
        {
            throw new CliException($"there is no active user '{UserName}' in tenant '{tenantId}'; --user (or {CliOptions.UserVariable}) must name one of the tenant's users.");
        }

        return Engine.ForTenant(new CallerContext(tenantId, user.Id, OperationSource.Cli, "crm"));
    }

    public ValueTask DisposeAsync() => DisposeProviderAsync(_provider);

    private static async ValueTask DisposeProviderAsync(ServiceProvider provider)
    {
        await provider.DisposeAsync().ConfigureAwait(false);

        // Close pooled connections so the file is released when the command ends (and tests can delete it).
        SqliteConnection.ClearAllPools();
    }

    /// <summary>Collects the engine's "applied migration" log lines, so <c>crm init</c> can say what it did; drops everything else.</summary>
    private sealed class MigrationLog : ILoggerProvider, ILogger
    {
        private const string MigrationCategory = "Crm.Engine.Storage.MigrationRunner";
        private readonly List<string> _applied = [];

        public IReadOnlyList<string> Applied => _applied;

        public ILogger CreateLogger(string categoryName) =>
            string.Equals(categoryName, MigrationCategory, StringComparison.Ordinal) ? this : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            ArgumentNullException.ThrowIfNull(formatter);
            var message = formatter(state, exception);
            if (message.StartsWith("Applied migration", StringComparison.Ordinal))
            {
                lock (_applied)
                {
                    _applied.Add(message);
                }
            }
        }

        public void Dispose()
        {
        }
    }
}
