using Crm.Engine.Abstractions.Security;

namespace Crm.Plugins.Sales.Tests;

public sealed class ReviewProbeTests
{
    // The opportunity's amount is "the sum of its lines", but the total is computed over the lines the *caller*
    // may read: a rep (Own depth) adding a line to their own opportunity drops every line someone else added.
    [Fact]
    public async Task Probe_LineTotal_CountsLinesTheCallerCannotRead()
    {
        await using var fx = await SalesFixture.StartAsync();
        var (repId, rep) = await fx.UserAsync("rita", SystemRoles.SalesRep);
        var opportunity = await fx.OpportunityAsync("Deal", owner: repId);
        await fx.Sales.AddLineAsync(opportunity.Id, new OpportunityLineInput("Widget", 10, 100m)); // e.g. added by an integration / manager: 1000

        await fx.For(rep).AddLineAsync(opportunity.Id, new OpportunityLineInput("Service", 1, 100m));

        Assert.Equal(1100m, (await fx.Tenant.Records.GetAsync(SalesEntities.Opportunity, opportunity.Id))![OpportunityFields.Amount]);
    }
}
