using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Testing;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Engine.Plugins.Tests;

/// <summary>Upgrading a plugin applies its new migrations and keeps every record and custom field; downgrading is refused.</summary>
public sealed class PluginUpgradeTests
{
    [Fact]
    public async Task Upgrade_V1ToV2_AppliesNewMigrationsInOrderAndKeepsDataAndCustomFields_ThenDowngradeRefused()
    {
        var database = Path.Combine(Path.GetTempPath(), "crm-plugin-tests", "upgrade-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(database);
        using var v1 = new PluginFolders();
        v1.Add("Loyalty");
        using var v2 = new PluginFolders();
        v2.Add("LoyaltyV2");

        Guid cardId;
        await using (var host = await CrmTestHost.StartAsync(b => b.AddPluginsFrom(v1.Root), directory: database))
        {
            var crm = await host.CreateTenantAsync();
            await crm.Metadata.AddCustomFieldAsync("loyaltyCard", new FieldDefinition { ApiName = "nickname_c", Type = FieldType.Text, MaxLength = 50 });
            var card = await crm.Records.CreateAsync("loyaltyCard", new Dictionary<string, object?> { ["name"] = "Ada", ["points"] = 1200m, ["nickname_c"] = "the countess" });
            cardId = card.Id;
            await using var db = new SqliteConnection($"Data Source={host.DatabasePath}");
            await db.ExecuteAsync("INSERT INTO test_loyalty_ledger (tenant_id, id, points) VALUES ('test', 'x1', 1200)");
        }

        await using (var host = await CrmTestHost.StartAsync(b => b.AddPluginsFrom(v2.Root), directory: database))
        {
            var crm = host.Engine.ForTenant("test");
            var card = await crm.Records.GetAsync("loyaltyCard", cardId);
            Assert.NotNull(card);
            Assert.Equal("the countess", card["nickname_c"]);
            Assert.Equal("gold", card["tier"]);
            var entity = await crm.Metadata.GetEntityAsync("loyaltyCard");
            Assert.NotNull(entity.FindField("nickname_c"));
            Assert.NotNull(entity.FindField("expiresOn")); // the new version's field
            var updated = await crm.Records.UpdateAsync("loyaltyCard", cardId, card.Version, new Dictionary<string, object?> { ["expiresOn"] = new DateOnly(2027, 1, 31) });
            Assert.Equal("the countess", updated["nickname_c"]);

            await using var db = new SqliteConnection($"Data Source={host.DatabasePath}");
            Assert.Equal([1, 2], await db.QueryAsync<int>("SELECT version FROM crm_schema_migrations WHERE module = 'Test.Loyalty' ORDER BY applied_at, version"));
            Assert.Equal("unknown", await db.ExecuteScalarAsync<string>("SELECT reason FROM test_loyalty_ledger WHERE id = 'x1'"));
            var row = await db.QuerySingleAsync<(string Version, string Previous)>("SELECT version, previous_version FROM crm_plugins WHERE plugin_id = 'Test.Loyalty'");
            Assert.Equal(("2.0.0", "1.0.0"), row);
        }

        var ex = await Assert.ThrowsAsync<CrmConfigurationException>(() => CrmTestHost.StartAsync(b => b.AddPluginsFrom(v1.Root), directory: database));
        Assert.Contains("Plugin 'Test.Loyalty' is version 1.0.0, but this store was last used with version 2.0.0 of it", ex.Message, StringComparison.Ordinal);

        // The refused start changed nothing: version 2 still runs on the store.
        await using (var host = await CrmTestHost.StartAsync(b => b.AddPluginsFrom(v2.Root), directory: database))
        {
            Assert.NotNull(await host.Engine.ForTenant("test").Records.GetAsync("loyaltyCard", cardId));
        }

        SqliteConnection.ClearAllPools();
        Directory.Delete(database, recursive: true);
    }
}
