using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Security;
using Crm.Engine.Abstractions.Organization;
using static Crm.Plugins.Commerce.Tests.CommerceFixture;

namespace Crm.Plugins.Commerce.Tests;

public sealed class ReviewProbeTests
{
    [Fact]
    public async Task Probe_SyncOrder_AsAdministratorUser_Works()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var admin = await crm.Organization.CreateUserAsync(new NewUser("admin1", "Admin One"));
        await crm.Security.GrantRoleAsync(SecurityPrincipal.User(admin.Id), SystemRoles.Administrator);

        // The module doc's own example: ForTenant(engine.ForTenant("acme").AsUser(userId)).SyncOrderAsync(...)
        var result = await host.Commerce(crm.AsUser(admin.Id)).SyncOrderAsync(Order());

        Assert.Equal(SyncOutcome.Created, result.Outcome);
    }
}
