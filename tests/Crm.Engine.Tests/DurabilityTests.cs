using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Events;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Records;
using Crm.Engine.Testing;
using Microsoft.Data.Sqlite;
using static Crm.Engine.Tests.EngineFixture;

namespace Crm.Engine.Tests;

/// <summary>Two engines on one database file, restarts, and the all-or-nothing bulk path. Each test owns its host.</summary>
public class DurabilityTests
{
    [Fact]
    public async Task UpdateAsync_TwoEnginesSameExpectedVersion_ExactlyOneWinsAndItsChangeIsStored()
    {
        await using var first = await CrmTestHost.StartAsync();
        await using var second = await CrmTestHost.StartAsync(directory: first.Directory);
        var one = await first.CreateTenantAsync("shared");
        var two = second.Engine.ForTenant("shared");

        for (var round = 0; round < 5; round++)
        {
            var account = await one.Accounts.CreateAsync(new NewAccount($"Acme {round}"));
            using var go = new ManualResetEventSlim();
            var writers = new[] { (Crm: one, City: "Berlin"), (Crm: two, City: "Hamburg") }
                .Select(w => Task.Run(async () =>
                {
                    go.Wait();
                    try
                    {
                        return (w.City, Record: await w.Crm.Records.UpdateAsync(CoreEntities.Account, account.Id, 1, V((AccountFields.City, w.City))), Error: (CrmConcurrencyException?)null);
                    }
                    catch (CrmConcurrencyException ex)
                    {
                        return (w.City, Record: (CrmRecord?)null, Error: ex);
                    }
                }))
                .ToList();
            go.Set();
            var results = await Task.WhenAll(writers);

            var winner = Assert.Single(results, r => r.Record is not null);
            var loser = Assert.Single(results, r => r.Error is not null);
            Assert.Equal((1L, 2L), (loser.Error!.ExpectedVersion, loser.Error.ActualVersion));
            var stored = await two.Accounts.GetAsync(account.Id);
            Assert.Equal((winner.City, 2L), (stored![AccountFields.City], stored.Version));
            Assert.Equal(stored.Version, (await one.Accounts.GetAsync(account.Id))!.Version);
        }
    }

    [Fact]
    public async Task UpdateAsync_ManyParallelWritersOneEngine_VersionsNeverLost()
    {
        await using var host = await CrmTestHost.StartAsync();
        var crm = await host.CreateTenantAsync("parallel");
        var account = await crm.Accounts.CreateAsync(new NewAccount("Acme"));

        var attempts = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            try
            {
                await crm.Records.UpdateAsync(CoreEntities.Account, account.Id, 1, V((AccountFields.City, $"city {i}")));
                return true;
            }
            catch (CrmConcurrencyException)
            {
                return false;
            }
        })));

        Assert.Equal(1, attempts.Count(ok => ok));
        Assert.Equal(2, (await crm.Accounts.GetAsync(account.Id))!.Version);
    }

    [Fact]
    public async Task MetadataChange_OtherEngineOnSameFile_SeenOnNextOperation()
    {
        await using var first = await CrmTestHost.StartAsync();
        await using var second = await CrmTestHost.StartAsync(directory: first.Directory);
        var one = await first.CreateTenantAsync("meta-shared");
        var two = second.Engine.ForTenant("meta-shared");
        Assert.Null((await two.Metadata.GetEntityAsync(CoreEntities.Account)).FindField("tier_c"));

        await one.Metadata.AddCustomFieldAsync(CoreEntities.Account, new FieldDefinition { ApiName = "tier_c", Type = FieldType.Text });
        await one.Metadata.RenameEntityAsync(CoreEntities.Account, "Customer");

        var account = await two.Accounts.CreateAsync(new NewAccount("Acme") { Fields = V(("tier_c", "gold")) });
        Assert.Equal("gold", (await one.Accounts.GetAsync(account.Id))!["tier_c"]);
        Assert.Equal("Customer", (await two.Metadata.GetEntityAsync(CoreEntities.Account)).DisplayName);
    }

    [Fact]
    public async Task RestartAsync_CustomFieldsLabelsAndRecords_SurviveAndMigrationsAreNoOp()
    {
        await using var host = await CrmTestHost.StartAsync();
        var crm = await host.CreateTenantAsync("durable");
        await crm.Metadata.AddCustomFieldAsync(CoreEntities.Account, new FieldDefinition
        {
            ApiName = "tier_c",
            Type = FieldType.Choice,
            Label = "Tier",
            Indexed = true,
            Options = [new("gold", "Gold"), new("silver", "Silver")],
        });
        await crm.Metadata.AddCustomFieldAsync(CoreEntities.Account, new FieldDefinition { ApiName = "budget_c", Type = FieldType.Money, MinValue = 0 });
        await crm.Metadata.RenameFieldAsync(CoreEntities.Account, "tier_c", "Loyalty tier");
        await crm.Metadata.RenameEntityAsync(CoreEntities.Account, "Customer", "Customers");
        var account = await crm.Accounts.CreateAsync(new NewAccount("Acme") { Fields = V(("tier_c", "gold"), ("budget_c", 12.5m)) });
        var migrations = await ReadMigrationsAsync(host);

        await host.RestartAsync();
        crm = host.Engine.ForTenant("durable");

        Assert.Equal(migrations, await ReadMigrationsAsync(host));
        var entity = await crm.Metadata.GetEntityAsync(CoreEntities.Account);
        Assert.Equal(("Customer", "Customers"), (entity.DisplayName, entity.PluralName));
        var tier = entity.FindField("tier_c")!;
        Assert.Equal(("Loyalty tier", FieldType.Choice, true, 2), (tier.Label, tier.Type, tier.Definition.Indexed, tier.Definition.Options.Count));
        Assert.Equal(0m, entity.FindField("budget_c")!.Definition.MinValue);
        var stored = await crm.Accounts.GetAsync(account.Id);
        Assert.Equal(("gold", 12.5m, 1L), (stored!["tier_c"], stored.Get<decimal>("budget_c"), stored.Version));
        var invalid = await Assert.ThrowsAsync<CrmValidationException>(() => crm.Records.UpdateAsync(CoreEntities.Account, account.Id, 1, V(("budget_c", -1))));
        Assert.Equal("range", invalid.Errors[0].Rule);
        Assert.Equal(1, await crm.Records.CountAsync(RecordQuery.For(CoreEntities.Account).Where("tier_c", "gold")));
    }

    [Fact]
    public async Task CreateManyAsync_ThreeThousandRows_AllStoredInInputOrder()
    {
        await using var host = await CrmTestHost.StartAsync();
        var crm = await host.CreateTenantAsync("bulk");
        var rows = Enumerable.Range(1, 3000)
            .Select(i => (IReadOnlyDictionary<string, object?>)V(("lastName", $"Person {i:D4}"), ("firstName", "Bulk"), ("email", $"p{i}@bulk.example")))
            .ToList();

        var created = await ((RecordService)crm.Records).CreateManyAsync(CoreEntities.Contact, rows);

        Assert.Equal(3000, created.Count);
        Assert.Equal("Bulk Person 0001", created[0][ContactFields.Name]);
        Assert.Equal("Bulk Person 3000", created[^1][ContactFields.Name]);
        Assert.Equal(3000, await CountAsync(crm, CoreEntities.Contact));
        Assert.Equal(created[1233].Id, Assert.Single(await crm.Contacts.FindByEmailAsync("P1234@bulk.example")).Id);
    }

    [Fact]
    public async Task CreateManyAsync_OneBadRowAmongThousands_NothingStoredAndRowNumberNamed()
    {
        await using var host = await CrmTestHost.StartAsync();
        var crm = await host.CreateTenantAsync("bulk-bad");
        var events = 0;
        using var subscription = host.Engine.Events.Subscribe<RecordCreated>((_, _) =>
        {
            Interlocked.Increment(ref events);
            return Task.CompletedTask;
        });
        var rows = Enumerable.Range(1, 2500)
            .Select(i => (IReadOnlyDictionary<string, object?>)V(("lastName", $"Person {i}"), ("email", i == 2345 ? "not-an-email" : $"p{i}@bulk.example")))
            .ToList();

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => ((RecordService)crm.Records).CreateManyAsync(CoreEntities.Contact, rows));

        var error = Assert.Single(ex.Errors);
        Assert.Equal((CoreEntities.Contact, ContactFields.Email, "not-an-email", "format"), (error.EntityType, error.Field, error.Value, error.Rule));
        Assert.StartsWith("row 2345:", error.Message, StringComparison.Ordinal);
        Assert.Contains("row 2345", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, await CountAsync(crm, CoreEntities.Contact));
        Assert.Empty(await crm.Contacts.FindByEmailAsync("p1@bulk.example"));
        Assert.Equal(0, events);
    }

    private static async Task<List<(string Module, long Version, string Checksum, string AppliedAt)>> ReadMigrationsAsync(CrmTestHost host)
    {
        await using var connection = new SqliteConnection($"Data Source={host.DatabasePath};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT module, version, checksum, applied_at FROM crm_schema_migrations ORDER BY module, version";
        var rows = new List<(string, long, string, string)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3)));
        }

        Assert.NotEmpty(rows);
        return rows;
    }
}
