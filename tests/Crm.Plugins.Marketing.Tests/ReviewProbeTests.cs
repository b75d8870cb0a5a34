using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Security;
using Crm.Plugins.Sales;

namespace Crm.Plugins.Marketing.Tests;

public sealed class ReviewProbeTests
{
    // Probe 1: the lead's score is recomputed over the entries the *scoring user* may read, so an Own-depth
    // marketing user wipes the points other callers (rules, the system, colleagues) gave the lead.
    [Fact]
    public async Task Probe_ScoreByOwnDepthUser_KeepsPointsFromEntriesTheyCannotRead()
    {
        await using var world = await MarketingWorld.StartAsync();
        var mia = await world.UserAsync("mia", SystemRoles.MarketingUser);
        var lead = await world.Tenant.Records.CreateAsync(SalesEntities.Lead, new Dictionary<string, object?>
        {
            [LeadFields.LastName] = "Ernst", [LeadFields.Company] = "Ernst GmbH", [LeadFields.Status] = LeadStatus.Qualified,
        }, new CreateOptions { OwnerId = mia.Caller.UserId });

        await world.Marketing().ScoreLeadAsync(lead.Id, 15, "attended the webinar", key: "rule:webinar"); // as system (e.g. a rule)
        var result = await world.Marketing(mia).ScoreLeadAsync(lead.Id, 5, "opened the newsletter");

        var stored = await world.Tenant.Records.GetAsync(SalesEntities.Lead, lead.Id);
        Assert.Equal(20m, stored![LeadMarketingFields.LeadScore]);
        Assert.Equal(20m, result.Score);
    }

    // Probe 2: "a contact or lead is a member of a campaign once (rule duplicate)": the duplicate check reads as the
    // caller, so a member the caller cannot read does not stop a second one.
    [Fact]
    public async Task Probe_DuplicateMember_IsRefusedEvenWhenTheExistingMemberIsNotReadable()
    {
        await using var world = await MarketingWorld.StartAsync();
        var mia = await world.UserAsync("mia", SystemRoles.MarketingUser);
        var campaign = await world.CampaignAsync("Spring", as_: mia);
        var contact = await world.ContactAsync("Ernst", email: "e@example.test");
        await world.Tenant.Records.CreateAsync(MarketingEntities.CampaignMember, new Dictionary<string, object?>
        {
            [CampaignMemberFields.CampaignId] = campaign.Id, [CampaignMemberFields.ContactId] = contact.Id,
        });

        await Assert.ThrowsAnyAsync<Crm.Engine.Abstractions.Errors.CrmValidationException>(() => mia.Records.CreateAsync(MarketingEntities.CampaignMember, new Dictionary<string, object?>
        {
            [CampaignMemberFields.CampaignId] = campaign.Id, [CampaignMemberFields.ContactId] = contact.Id,
        }));
    }

    // Probe 3: attribution runs as the module, so a user who may not even read an opportunity gets the module to
    // write a campaign of their choosing onto it (by giving their own converted lead a campaignId).
    [Fact]
    public async Task Probe_Attribution_DoesNotWriteOpportunitiesTheUserCannotWrite()
    {
        await using var world = await MarketingWorld.StartAsync();
        var rita = await world.UserAsync("rita", SystemRoles.SalesRep);
        var bob = await world.UserAsync("bob", SystemRoles.SalesRep);
        var lead = await world.Tenant.Records.CreateAsync(SalesEntities.Lead, new Dictionary<string, object?>
        {
            [LeadFields.LastName] = "Ernst", [LeadFields.Company] = "Ernst GmbH", [LeadFields.Status] = LeadStatus.Qualified,
        }, new CreateOptions { OwnerId = rita.Caller.UserId });
        var opportunity = await world.ConvertAsync(lead, 1000m);          // owned by rita, no campaign
        await world.Tenant.Records.AssignAsync(SalesEntities.Opportunity, opportunity.Id, bob.Caller.UserId!.Value); // now bob's
        Assert.Null(await rita.Records.GetAsync(SalesEntities.Opportunity, opportunity.Id)); // rita may not even read it

        var ritasCampaign = await world.CampaignAsync("Rita's", as_: rita);
        var current = await rita.Records.GetAsync(SalesEntities.Lead, lead.Id);
        await rita.Records.UpdateAsync(SalesEntities.Lead, lead.Id, current!.Version, new Dictionary<string, object?> { [LeadMarketingFields.CampaignId] = ritasCampaign.Id });

        var stored = await world.Tenant.Records.GetAsync(SalesEntities.Opportunity, opportunity.Id);
        Assert.Null(stored![OpportunityMarketingFields.CampaignId]);
    }
}
