using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Testing;

namespace Acme.Loyalty.Tests;

public class LoyaltyPluginTests
{
    [Theory]
    [InlineData(50, "member")]
    [InlineData(150, "silver")]
    [InlineData(1500, "gold")]
    [InlineData(9000, "platinum")]
    public async Task Create_Points_SetTier(int points, string tier)
    {
        await using var host = await CrmTestHost.StartAsync(engine => engine.AddPlugin<LoyaltyPlugin>(LoyaltyPlugin.Id));
        var crm = await host.CreateTenantAsync();

        var account = await crm.Records.CreateAsync(LoyaltyPlugin.LoyaltyAccount, new Dictionary<string, object?> { ["name"] = "Ada", ["points"] = (decimal)points });

        Assert.Equal(tier, account["tier"]);
    }

    [Fact]
    public async Task Update_NegativePoints_Rejected()
    {
        await using var host = await CrmTestHost.StartAsync(engine => engine.AddPlugin<LoyaltyPlugin>(LoyaltyPlugin.Id));
        var crm = await host.CreateTenantAsync();
        var account = await crm.Records.CreateAsync(LoyaltyPlugin.LoyaltyAccount, new Dictionary<string, object?> { ["name"] = "Ada", ["points"] = 10m });

        await Assert.ThrowsAsync<CrmOperationRejectedException>(() =>
            crm.Records.UpdateAsync(LoyaltyPlugin.LoyaltyAccount, account.Id, account.Version, new Dictionary<string, object?> { ["points"] = -5m }));
    }
}
