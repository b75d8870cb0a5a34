using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Plugins;
using Crm.Engine.Abstractions.Storage;
using Crm.Engine.Storage;
using Crm.Engine.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Engine.Data.Sqlite.Tests;

public class SqliteStoreTests
{
    private static readonly Assembly Provider = typeof(SqliteEngineBuilderExtensions).Assembly;

    [Fact]
    public async Task StartAsync_NewDatabase_EveryShippedCoreMigrationRecordedWithItsChecksum()
    {
        await using var host = await CrmTestHost.StartAsync();
        var shipped = ShippedCoreMigrations();

        var recorded = await QueryAsync(host, "SELECT version, name, checksum FROM crm_schema_migrations WHERE module = 'core' ORDER BY version",
            r => (Version: r.GetInt32(0), Name: r.GetString(1), Checksum: r.GetString(2)));

        Assert.NotEmpty(shipped);
        Assert.Equal(shipped.Select(m => (m.Version, m.Name, Checksum(m.Sql))), recorded);
        Assert.Contains("records", await TablesAsync(host));
    }

    [Fact]
    public async Task StartAsync_SecondEngineAndRestart_MigrationsAreNoOp()
    {
        await using var first = await CrmTestHost.StartAsync();
        await first.CreateTenantAsync("kept");
        var before = await MigrationRowsAsync(first);

        await using (var second = await CrmTestHost.StartAsync(directory: first.Directory, start: CrmTestHost.DefaultStart.AddDays(3)))
        {
            Assert.Equal(before, await MigrationRowsAsync(second));
            Assert.NotNull(await second.Engine.Tenants.GetAsync("kept"));
        }

        first.Clock.Advance(TimeSpan.FromDays(1));
        await first.RestartAsync();

        Assert.Equal(before, await MigrationRowsAsync(first));
        Assert.NotNull(await first.Engine.Tenants.GetAsync("kept"));
    }

    [Fact]
    public async Task StartAsync_PluginMigrationEditedAfterApplied_FailsWithClearError()
    {
        var directory = NewDirectory();
        try
        {
            await using (var original = await CrmTestHost.StartAsync(b => b.AddPlugin(new MigratingPlugin("CREATE TABLE demo_items (tenant_id TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (tenant_id, id));"), "demo"), directory: directory))
            {
                Assert.Contains("demo_items", await TablesAsync(original));
                Assert.Single(await QueryAsync(original, "SELECT version FROM crm_schema_migrations WHERE module = 'demo'", r => r.GetInt32(0)));
            }

            var ex = await Assert.ThrowsAsync<CrmConfigurationException>(() => CrmTestHost.StartAsync(
                b => b.AddPlugin(new MigratingPlugin("CREATE TABLE demo_items (tenant_id TEXT NOT NULL, id TEXT NOT NULL, label TEXT, PRIMARY KEY (tenant_id, id));"), "demo"),
                directory: directory));

            Assert.Contains("Migration 1 (init) of module 'demo' was changed after it was applied", ex.Message, StringComparison.Ordinal);
            Assert.Equal(CrmErrorCodes.Configuration, ex.Code);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task StartAsync_CoreMigrationChecksumDiffers_FailsWithClearError()
    {
        await using var host = await CrmTestHost.StartAsync();
        await ExecuteAsync(host, "UPDATE crm_schema_migrations SET checksum = 'EDITED' WHERE module = 'core' AND version = 1");

        var ex = await Assert.ThrowsAsync<CrmConfigurationException>(() => CrmTestHost.StartAsync(directory: host.Directory));

        Assert.Contains("of module 'core' was changed after it was applied", ex.Message, StringComparison.Ordinal);
        Assert.Contains("add a new version", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_EngineConnection_WalModeAndForeignKeysOn()
    {
        await using var host = await CrmTestHost.StartAsync();
        var storage = host.Services.GetRequiredService<IStorageProvider>();
        await using var connection = await storage.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();

        command.CommandText = "PRAGMA journal_mode";
        var journal = (string?)await command.ExecuteScalarAsync();
        command.CommandText = "PRAGMA foreign_keys";
        var foreignKeys = (long?)await command.ExecuteScalarAsync();
        command.CommandText = "INSERT INTO records (tenant_id, id, entity_type, version, created_at, modified_at, fields) VALUES ('no-such-tenant', 'x', 'account', 1, '', '', '{}')";
        var violation = await Assert.ThrowsAsync<SqliteException>(() => command.ExecuteNonQueryAsync());

        Assert.Equal("wal", journal);
        Assert.Equal(1, foreignKeys);
        Assert.Contains("FOREIGN KEY", violation.Message, StringComparison.Ordinal);
        Assert.Equal(StorageProviders.Sqlite, storage.Name);
        Assert.Equal("wal", await QueryScalarAsync(host, "PRAGMA journal_mode"));
    }

    [Fact]
    public async Task Schema_EveryTenantTable_PrimaryKeyAndUniqueIndexesStartWithTenantId()
    {
        await using var host = await CrmTestHost.StartAsync();
        var tables = await TablesAsync(host);
        var tenantTables = new List<string>();

        foreach (var table in tables)
        {
            var columns = await QueryAsync(host, $"SELECT name, pk FROM pragma_table_info('{table}')", r => (Name: r.GetString(0), Pk: r.GetInt32(1)));
            if (!columns.Any(c => c.Name == "tenant_id"))
            {
                continue;
            }

            tenantTables.Add(table);
            var key = columns.Where(c => c.Pk > 0).OrderBy(c => c.Pk).Select(c => c.Name).ToList();
            // (tenant_id, id...) for tenant-owned rows; (tenant_id) alone for a tenant's one settings row.
            Assert.True(key.Count > 0 && key[0] == "tenant_id", $"{table}: primary key ({string.Join(", ", key)}) does not start with tenant_id");
            var uniqueIndexes = await QueryAsync(host, $"SELECT name FROM pragma_index_list('{table}') WHERE \"unique\" = 1", r => r.GetString(0));
            foreach (var index in uniqueIndexes)
            {
                var first = await QueryScalarAsync(host, $"SELECT name FROM pragma_index_info('{index}') WHERE seqno = 0");
                Assert.True(first == "tenant_id", $"{table}: unique index {index} does not start with tenant_id");
            }
        }

        Assert.Superset(
            new HashSet<string> { "entity_labels", "field_labels", "custom_fields", "org_units", "users", "teams", "team_members", "roles", "role_assignments", "records", "record_refs", "record_keys" },
            tenantTables.ToHashSet());
    }

    [Fact]
    public async Task IndexedFields_JsonExpressionIndexesExistAndQueryPlanUsesThem()
    {
        await using var host = await CrmTestHost.StartAsync();
        var crm = await host.CreateTenantAsync("plans");
        await crm.Metadata.AddCustomFieldAsync(CoreEntities.Account, new FieldDefinition { ApiName = "tier_c", Type = FieldType.Text, Indexed = true });
        await crm.Metadata.AddCustomFieldAsync(CoreEntities.Account, new FieldDefinition { ApiName = "plain_c", Type = FieldType.Text });
        for (var i = 0; i < 50; i++)
        {
            await crm.Accounts.CreateAsync(new NewAccount($"Account {i}") { Fields = new Dictionary<string, object?> { ["tier_c"] = $"t{i % 5}", ["plain_c"] = "x" } });
        }

        var indexes = await QueryAsync(host, "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'ix_records_f_%'", r => r.GetString(0));
        var dialect = host.Services.GetRequiredService<IStorageProvider>().Dialect;
        // The shape of the engine's query: parameters, the id tie-breaker and a page limit.
        var plan = string.Join(" | ", await QueryAsync(host,
            $"EXPLAIN QUERY PLAN SELECT id, fields FROM records WHERE tenant_id = 'plans' AND entity_type = 'account' AND {dialect.JsonValue("fields", "tier_c")} = 't1' ORDER BY id ASC LIMIT 101 OFFSET 0",
            r => r.GetString(3)));
        var systemPlan = string.Join(" | ", await QueryAsync(host,
            $"EXPLAIN QUERY PLAN SELECT id FROM records WHERE tenant_id = 'plans' AND entity_type = 'contact' AND {dialect.JsonValue("fields", ContactFields.AccountId)} = 'x' ORDER BY id ASC LIMIT 101 OFFSET 0",
            r => r.GetString(3)));

        Assert.Superset(
            new HashSet<string> { "ix_records_f_name", "ix_records_f_parentAccountId", "ix_records_f_accountNumber", "ix_records_f_accountId", "ix_records_f_activityType", "ix_records_f_regarding", "ix_records_f_contactId", "ix_records_f_tier_c" },
            indexes.ToHashSet());
        Assert.DoesNotContain("ix_records_f_plain_c", indexes);
        Assert.Contains("ix_records_f_tier_c", plan, StringComparison.Ordinal);
        Assert.Contains("ix_records_f_accountId", systemPlan, StringComparison.Ordinal);
        Assert.Equal(10, await crm.Records.CountAsync(Abstractions.Records.RecordQuery.For(CoreEntities.Account).Where("tier_c", "t1")));
    }

    private static string NewDirectory()
    {
        var directory = Path.Combine(Path.GetTempPath(), "crm-sqlite-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        return directory;
    }

    private static List<SqlMigration> ShippedCoreMigrations() =>
        [.. new EmbeddedMigrationSource("core", Provider, "Crm.Engine.Data.Sqlite.Migrations").GetMigrations(StorageProviders.Sqlite).OrderBy(m => m.Version)];

    private static string Checksum(string sql) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sql.ReplaceLineEndings("\n"))));

    private static Task<List<(string, int, string, string)>> MigrationRowsAsync(CrmTestHost host) =>
        QueryAsync(host, "SELECT module, version, checksum, applied_at FROM crm_schema_migrations ORDER BY module, version",
            r => (r.GetString(0), r.GetInt32(1), r.GetString(2), r.GetString(3)));

    private static Task<List<string>> TablesAsync(CrmTestHost host) =>
        QueryAsync(host, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name", r => r.GetString(0));

    private static async Task<string?> QueryScalarAsync(CrmTestHost host, string sql) =>
        (await QueryAsync(host, sql, r => r.IsDBNull(0) ? null : r.GetValue(0).ToString())).FirstOrDefault();

    private static async Task ExecuteAsync(CrmTestHost host, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={host.DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Reads the database file directly, on a connection of its own (not the engine's).</summary>
    private static async Task<List<T>> QueryAsync<T>(CrmTestHost host, string sql, Func<SqliteDataReader, T> read)
    {
        await using var connection = new SqliteConnection($"Data Source={host.DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    private sealed class MigratingPlugin(string sql) : ICrmPlugin, IMigrationSource
    {
        public string ModuleId => "demo";

        public void Configure(ICrmPluginBuilder builder) => builder.AddMigrations(this);

        public IReadOnlyList<SqlMigration> GetMigrations(string provider) =>
            provider == StorageProviders.Sqlite ? [new SqlMigration(1, "init", sql)] : [];
    }
}
