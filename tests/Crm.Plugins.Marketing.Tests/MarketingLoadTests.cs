using Crm.Engine.Abstractions.Reports;
using Crm.Engine.Abstractions.Rules;
using Crm.Engine.Testing;
using Crm.Plugins.Commerce;
using Crm.Plugins.Sales;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Plugins.Marketing.Tests;

public sealed class MarketingLoadTests
{
    [Fact]
    public async Task Engine_WithMarketingAndItsDependencies_Starts()
    {
        await using var host = await CrmTestHost.StartAsync(b => b
            .AddPlugin<CommercePlugin>(CommercePlugin.Id).AddPlugin<SalesPlugin>(SalesPlugin.Id).AddPlugin<MarketingPlugin>(MarketingPlugin.Id));
        var crm = await host.CreateTenantAsync();

        var entities = (await crm.Metadata.ListEntitiesAsync()).Select(e => e.ApiName).ToList();

        Assert.Contains(SalesEntities.Lead, entities);
        Assert.Contains(CommerceEntities.Order, entities);
        Assert.Subset(entities.ToHashSet(), MarketingEntities.Definitions.Select(d => d.ApiName).ToHashSet());
        var lead = await crm.Metadata.GetEntityAsync(SalesEntities.Lead);
        Assert.All(MarketingEntities.LeadExtensions, f => Assert.NotNull(lead.FindField(f.ApiName)));
        Assert.NotNull((await crm.Metadata.GetEntityAsync(SalesEntities.Opportunity)).FindField(OpportunityMarketingFields.CampaignId));
    }

    [Fact]
    public async Task Plugin_RegistersItsRuleActionsAndReports()
    {
        await using var host = await CrmTestHost.StartAsync(b => b
            .AddPlugin<CommercePlugin>(CommercePlugin.Id).AddPlugin<SalesPlugin>(SalesPlugin.Id).AddPlugin<MarketingPlugin>(MarketingPlugin.Id));

        var actions = host.Services.GetServices<RuleActionDefinition>().Where(a => a.Module == MarketingPlugin.Id).Select(a => a.Name).Order(StringComparer.Ordinal);
        var reports = host.Services.GetServices<ReportRegistration>().Where(r => r.PluginId == MarketingPlugin.Id)
            .Select(r => ((IReport)ActivatorUtilities.CreateInstance(host.Services, r.ReportType)).Definition.Name).Order(StringComparer.Ordinal);

        Assert.Equal(["scoreLead", "startNurture"], actions);
        Assert.Equal(["marketing.campaignRoi", "marketing.funnelBySource", "marketing.timeToWin"], reports);
    }
}
