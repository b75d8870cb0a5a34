using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Records;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Crm.Engine.Hosting.Tests;

/// <summary>AddCrmEngine in a real generic host; each test gets a temp folder for its database files.</summary>
public sealed class HostingTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "crm-hosting-tests", Guid.NewGuid().ToString("N"));

    public HostingTests() => Directory.CreateDirectory(_directory);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task AddCrmEngine_ConfigurationSectionCrm_OptionsBoundAndUsed()
    {
        using var host = Build(new() { ["Crm:MaxPipelineDepth"] = "3", ["Crm:DefaultPageSize"] = "2", ["Crm:MigrateOnStart"] = "true" });
        await host.StartAsync();

        var options = host.Services.GetRequiredService<IOptions<CrmEngineOptions>>().Value;
        var engine = host.Services.GetRequiredService<ICrmEngine>();
        await engine.Tenants.CreateAsync("bound", "Bound");
        var crm = engine.ForTenant("bound");
        for (var i = 0; i < 3; i++)
        {
            await crm.Accounts.CreateAsync(new NewAccount($"Account {i}"));
        }

        var page = await crm.Records.QueryAsync(RecordQuery.For(CoreEntities.Account).Take(0));

        Assert.Equal((3, 2), (options.MaxPipelineDepth, options.DefaultPageSize));
        Assert.Equal(2, page.Records.Count);
        Assert.NotNull(page.ContinuationToken);
        await host.StopAsync();
    }

    [Theory]
    [InlineData("0")]
    [InlineData("65")]
    public async Task StartAsync_InvalidMaxPipelineDepth_FailsNamingTheOption(string depth)
    {
        using var host = Build(new() { ["Crm:MaxPipelineDepth"] = depth });

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(nameof(CrmEngineOptions.MaxPipelineDepth), ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(DatabasePath("crm")));
    }

    [Fact]
    public async Task StartAsync_HostedService_MigratesBeforeFirstUse()
    {
        using var host = Build();

        await host.StartAsync();

        Assert.True(File.Exists(DatabasePath("crm")));
        Assert.NotEmpty(await MigrationsAsync(DatabasePath("crm")));
        await host.StopAsync();
    }

    [Fact]
    public async Task StartAsync_MigrateOnStartFalse_StoreUntouchedUntilFirstUse()
    {
        using var host = Build(new() { ["Crm:MigrateOnStart"] = "false" });

        await host.StartAsync();
        var before = File.Exists(DatabasePath("crm"));
        await host.Services.GetRequiredService<ICrmEngine>().Tenants.CreateAsync("lazy", "Lazy");

        Assert.False(before);
        Assert.NotEmpty(await MigrationsAsync(DatabasePath("crm")));
        await host.StopAsync();
    }

    [Fact]
    public async Task AddCrmEngine_DefaultStore_UsesConnectionStringsCrm()
    {
        using var host = Build();
        await host.StartAsync();

        await host.Services.GetRequiredService<ICrmEngine>().Tenants.CreateAsync("default-store", "Default");

        Assert.Equal(["default-store"], await TenantsAsync(DatabasePath("crm")));
        await host.StopAsync();
    }

    [Fact]
    public async Task UseSqlite_AfterAddCrmEngine_OverridesConnectionString()
    {
        using var host = Build(useSqlite: $"Data Source={DatabasePath("override")}");
        await host.StartAsync();

        await host.Services.GetRequiredService<ICrmEngine>().Tenants.CreateAsync("overridden", "Overridden");

        Assert.Equal(["overridden"], await TenantsAsync(DatabasePath("override")));
        Assert.False(File.Exists(DatabasePath("crm")));
        await host.StopAsync();
    }

    [Fact]
    public async Task AddCrmEngine_Engine_ResolvesAsOneSingleton()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddCrmEngine().UseSqlite($"Data Source={DatabasePath("single")}");
        using var host = builder.Build();
        await host.StartAsync();

        var first = host.Services.GetRequiredService<ICrmEngine>();
        using var scope = host.Services.CreateScope();

        Assert.Equal(ServiceLifetime.Singleton, Assert.Single(builder.Services, d => d.ServiceType == typeof(ICrmEngine)).Lifetime);
        Assert.Same(first, scope.ServiceProvider.GetRequiredService<ICrmEngine>());
        Assert.Same(first, host.Services.GetRequiredService<ICrmEngine>());
        await host.StopAsync();
    }

    [Fact]
    public async Task AddCrmEngine_ExplicitConfigurationSection_Bound()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Engine:DefaultPageSize"] = "7" });
        builder.Services.AddCrmEngine(builder.Configuration.GetSection("Engine")).UseSqlite($"Data Source={DatabasePath("section")}");
        using var host = builder.Build();
        await host.StartAsync();

        Assert.Equal(7, host.Services.GetRequiredService<IOptions<CrmEngineOptions>>().Value.DefaultPageSize);
        await host.StopAsync();
    }

    private IHost Build(Dictionary<string, string?>? settings = null, string? useSqlite = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        var values = new Dictionary<string, string?> { ["ConnectionStrings:Crm"] = $"Data Source={DatabasePath("crm")}" };
        foreach (var (key, value) in settings ?? [])
        {
            values[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(values);
        var engine = builder.Services.AddCrmEngine();
        if (useSqlite is not null)
        {
            engine.UseSqlite(useSqlite);
        }

        return builder.Build();
    }

    private string DatabasePath(string name) => Path.Combine(_directory, name + ".db");

    private static Task<List<string>> TenantsAsync(string path) => ReadAsync(path, "SELECT id FROM tenants ORDER BY id");

    private static Task<List<string>> MigrationsAsync(string path) => ReadAsync(path, "SELECT module || ' ' || version FROM crm_schema_migrations");

    private static async Task<List<string>> ReadAsync(string path, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }
}
