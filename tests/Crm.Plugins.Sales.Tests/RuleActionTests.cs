using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Rules;
using Crm.Engine.Abstractions.Security;
using Crm.Engine.RulePacks;
using Crm.Engine.RulePacks.RuleBases;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Plugins.Sales.Tests;

public sealed class RuleActionTests
{
    [Fact]
    public async Task TheActions_AreInTheCatalogueWithTheModule()
    {
        await using var fx = await SalesFixture.StartAsync(rulePacks: true);

        var actions = fx.Host.Services.GetServices<RuleActionDefinition>().Where(a => a.Module == SalesPlugin.Id).Select(a => a.Name).Order(StringComparer.Ordinal);

        Assert.Equal(["assignLead", "convertLead", "setOpportunityStage"], actions);
    }

    [Fact]
    public async Task ConvertLead_FromARulePack_ConvertsAQualifiedLeadAsTheRule()
    {
        await using var fx = await SalesFixture.StartAsync(rulePacks: true);
        const string pack = """
            schemaVersion: 1
            rules:
              - name: Convert qualified partner leads
                when: [ { match: lead, where: "lead.status == 'qualified' and lead.source == 'partner'" } ]
                then: [ { action: convertLead, with: { record: lead, createOpportunity: false } } ]
            """;
        await fx.Host.Services.GetRequiredService<IRuleBases>().ForTenant(fx.Tenant.TenantId).ApplyAsync(pack, "sales.yaml");

        var lead = await fx.Tenant.Records.CreateAsync(SalesEntities.Lead, new Dictionary<string, object?>
        {
            [LeadFields.LastName] = "Lovelace", [LeadFields.Company] = "Analytical Engines", [LeadFields.Source] = "partner", [LeadFields.Status] = LeadStatus.Qualified,
        });

        var converted = await fx.Tenant.Records.GetAsync(SalesEntities.Lead, lead.Id);
        Assert.Equal(LeadStatus.Converted, converted![LeadFields.Status]);
        Assert.NotNull(converted[LeadFields.ConvertedAccountId]);
        Assert.Null(converted[LeadFields.ConvertedOpportunityId]);
        Assert.Equal(1, await fx.CountAsync(CoreEntities.Account));
        var audit = await fx.Tenant.Audit.QueryAsync(new AuditQuery { RecordId = lead.Id });
        Assert.Contains(audit.Entries, e => e.SourceName == "rule:Convert qualified partner leads@v1");
    }

    [Fact]
    public async Task SetOpportunityStage_FromARulePack_MovesTheOpportunity()
    {
        await using var fx = await SalesFixture.StartAsync(rulePacks: true);
        const string pack = """
            schemaVersion: 1
            rules:
              - name: Big deals start at qualification
                when: [ { match: opportunity, where: "isNew(opportunity) and opportunity.amount >= 10000" } ]
                then: [ { action: setOpportunityStage, with: { record: opportunity, stage: qualification } } ]
            """;
        await fx.Host.Services.GetRequiredService<IRuleBases>().ForTenant(fx.Tenant.TenantId).ApplyAsync(pack, "sales.yaml");

        var big = await fx.OpportunityAsync("Big", 50000m);
        var small = await fx.OpportunityAsync("Small", 50m);

        Assert.Equal("qualification", (await fx.Tenant.Records.GetAsync(SalesEntities.Opportunity, big.Id))![OpportunityFields.Stage]);
        Assert.Equal(20m, (await fx.Tenant.Records.GetAsync(SalesEntities.Opportunity, big.Id))![OpportunityFields.Probability]);
        Assert.Equal("prospecting", (await fx.Tenant.Records.GetAsync(SalesEntities.Opportunity, small.Id))![OpportunityFields.Stage]);
    }
}
