using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Plugins;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Engine.Tests;

public class RecordEdgeCaseTests
{
    [Fact]
    public async Task Records_EntityTypeNoLongerRegistered_KeptAndLookUpStillWorks()
    {
        var directory = Path.Combine(Path.GetTempPath(), "crm-tests", Guid.NewGuid().ToString("N"));
        try
        {
            await using (var withPlugin = await CrmTestHost.StartAsync(configure: b => b.AddPlugin<GadgetPlugin>(), directory: directory))
            {
                var crm = await withPlugin.CreateTenantAsync("acme");
                await crm.Records.CreateAsync("gadget", new Dictionary<string, object?> { ["name"] = "Old gadget", ["hotline"] = "+49 30 5550000" });
                await crm.Contacts.CreateAsync(new NewContact("Jan", "Schulz") { Phone = "+49 30 5550000" });
            }

            // The plugin is gone: its type is unknown, its record is neither deleted nor in the way.
            await using var without = await CrmTestHost.StartAsync(directory: directory);
            var tenant = without.Engine.ForTenant("acme");

            var found = await tenant.Contacts.FindByPhoneAsync("030 5550000");

            Assert.Equal("Jan Schulz", Assert.Single(found)["name"]);
            await Assert.ThrowsAsync<CrmNotFoundException>(() => tenant.Records.QueryAsync(RecordQuery.For("gadget")));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task QueryAsync_NoPageSize_UsesEngineDefaultPageSize()
    {
        await using var host = await CrmTestHost.StartAsync(services: s => s.Configure<CrmEngineOptions>(o => o.DefaultPageSize = 7));
        var crm = await host.CreateTenantAsync("acme");
        await crm.Records.CreateManyAsync(CoreEntities.Account, Enumerable.Range(0, 10).Select(i => (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?> { ["name"] = $"A{i}" }).ToList());

        var page = await crm.Records.QueryAsync(RecordQuery.For(CoreEntities.Account));

        Assert.Equal(7, page.Records.Count);
        Assert.NotNull(page.ContinuationToken);
    }

    public sealed class GadgetPlugin : ICrmPlugin
    {
        public void Configure(ICrmPluginBuilder builder) => builder.AddEntity(new EntityDefinition
        {
            ApiName = "gadget",
            DisplayName = "Gadget",
            Fields = [new() { ApiName = "name", Type = FieldType.Text }, new() { ApiName = "hotline", Type = FieldType.Phone }],
        });
    }
}
