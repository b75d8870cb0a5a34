using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Security;
using Crm.Plugins.Sales;

namespace Crm.Plugins.Marketing.Tests;

public sealed class CampaignResultsTests
{
    private static async Task<Guid> MemberAsync(MarketingWorld world, Guid campaignId, CrmRecord contactOrLead)
    {
        var field = contactOrLead.EntityType == SalesEntities.Lead ? CampaignMemberFields.LeadId : CampaignMemberFields.ContactId;
        var member = await world.Tenant.Records.CreateAsync(MarketingEntities.CampaignMember, new Dictionary<string, object?> { [CampaignMemberFields.CampaignId] = campaignId, [field] = contactOrLead.Id });
        return member.Id;
    }

    [Fact]
    public async Task RecordResponse_MarksTheMemberResponded_AndPublishesTheEvent()
    {
        await using var world = await MarketingWorld.StartAsync();
        var events = world.Collect<CampaignResponseRecorded>();
        var campaign = await world.CampaignAsync("Webinar", CampaignChannel.Event);
        var memberId = await MemberAsync(world, campaign.Id, await world.ContactAsync("Adler", email: "adler@example.test"));

        var responseId = await world.Marketing().RecordResponseAsync(memberId, CampaignResponseType.Registered, notes: "via landing page");

        var response = await world.Tenant.Records.GetAsync(MarketingEntities.CampaignResponse, responseId);
        Assert.Equal((campaign.Id, memberId, "registered", world.Host.Clock.GetUtcNow()),
            (response!.Ref(CampaignResponseFields.CampaignId), response!.Ref(CampaignResponseFields.MemberId), response![CampaignResponseFields.Type], response![CampaignResponseFields.RespondedAt]));
        var member = await world.Tenant.Records.GetAsync(MarketingEntities.CampaignMember, memberId);
        Assert.Equal(CampaignMemberStatus.Responded, member![CampaignMemberFields.Status]);
        var evt = Assert.Single(events);
        Assert.Equal((campaign.Id, responseId, (Guid?)memberId, "registered"), (evt.CampaignId, evt.ResponseId, evt.MemberId, evt.Type));
    }

    [Fact]
    public async Task RecordResponse_Unsubscribed_OptsTheMemberOut()
    {
        await using var world = await MarketingWorld.StartAsync();
        var campaign = await world.CampaignAsync("Newsletter");
        var memberId = await MemberAsync(world, campaign.Id, await world.ContactAsync("Adler", email: "adler@example.test"));
        await world.Marketing().RecordResponseAsync(memberId, CampaignResponseType.Opened);

        await world.Marketing().RecordResponseAsync(memberId, CampaignResponseType.Unsubscribed);

        var member = await world.Tenant.Records.GetAsync(MarketingEntities.CampaignMember, memberId);
        Assert.Equal(CampaignMemberStatus.OptedOut, member![CampaignMemberFields.Status]);
    }

    [Fact]
    public async Task Response_ForAMemberOfAnotherCampaign_IsRefused_AndAnUnknownTypeToo()
    {
        await using var world = await MarketingWorld.StartAsync();
        var spring = await world.CampaignAsync("Spring");
        var autumn = await world.CampaignAsync("Autumn");
        var memberId = await MemberAsync(world, spring.Id, await world.ContactAsync("Adler", email: "adler@example.test"));

        var wrongCampaign = await Assert.ThrowsAsync<CrmValidationException>(() => world.Tenant.Records.CreateAsync(MarketingEntities.CampaignResponse, new Dictionary<string, object?>
        {
            [CampaignResponseFields.CampaignId] = autumn.Id, [CampaignResponseFields.MemberId] = memberId, [CampaignResponseFields.Type] = CampaignResponseType.Clicked,
        }));
        var badType = await Assert.ThrowsAsync<CrmValidationException>(() => world.Marketing().RecordResponseAsync(memberId, "teleported"));

        Assert.Equal(CampaignResponseFields.CampaignId, Assert.Single(wrongCampaign.Errors).Field);
        Assert.Equal(CampaignResponseFields.Type, Assert.Single(badType.Errors).Field);
    }

    [Fact]
    public async Task ConvertedCampaignLead_PassesItsCampaignToTheOpportunity_AndMarksItsMemberConverted()
    {
        await using var world = await MarketingWorld.StartAsync();
        var campaign = await world.CampaignAsync("Fair 2026", CampaignChannel.Event);
        var lead = await world.LeadAsync("Ernst", source: "fair", campaignId: campaign.Id);
        var memberId = await MemberAsync(world, campaign.Id, lead);

        var opportunity = await world.ConvertAsync(lead, 5000m);

        var attributed = await world.Tenant.Records.GetAsync(SalesEntities.Opportunity, opportunity.Id);
        Assert.Equal(campaign.Id, attributed!.Ref(OpportunityMarketingFields.CampaignId));
        Assert.Equal(opportunity.Id, (await world.Tenant.Records.GetAsync(SalesEntities.Lead, lead.Id))!.Ref(LeadFields.ConvertedOpportunityId));
        Assert.Equal(CampaignMemberStatus.Converted, (await world.Tenant.Records.GetAsync(MarketingEntities.CampaignMember, memberId))![CampaignMemberFields.Status]);
    }

    [Fact]
    public async Task ConvertedCampaignLead_OpportunityIsCreatedByTheSalesConversion_WithTheLeadsData()
    {
        await using var world = await MarketingWorld.StartAsync();
        var campaign = await world.CampaignAsync("Fair 2026", CampaignChannel.Event);
        var lead = await world.LeadAsync("Ernst", source: "fair", campaignId: campaign.Id, company: "Ernst Maschinenbau");

        var opportunity = await world.ConvertAsync(lead, 5000m);

        var converted = (await world.Tenant.Records.GetAsync(SalesEntities.Lead, lead.Id))!;
        Assert.Equal((LeadStatus.Converted, (object?)campaign.Id), (converted[LeadFields.Status], converted[LeadMarketingFields.CampaignId]));
        Assert.Equal(("Ernst Maschinenbau - Ernst", (decimal?)5000m, (Guid?)lead.Id, "fair", OpportunityStatus.Open, (Guid?)campaign.Id),
            ((string?)opportunity[OpportunityFields.Name], (decimal?)opportunity[OpportunityFields.Amount], opportunity.Ref(OpportunityFields.LeadId),
                (string?)opportunity[OpportunityFields.LeadSource], (string?)opportunity[OpportunityFields.Status], opportunity.Ref(OpportunityMarketingFields.CampaignId)));
    }

    [Fact]
    public async Task ConvertedLead_WhoseOpportunityNamesACampaignAlready_KeepsThatCampaign()
    {
        await using var world = await MarketingWorld.StartAsync();
        var fair = await world.CampaignAsync("Fair 2026", CampaignChannel.Event);
        var web = await world.CampaignAsync("Web", CampaignChannel.Web);
        var lead = await world.LeadAsync("Ernst");
        var memberId = await MemberAsync(world, fair.Id, lead);
        var opportunity = await world.ConvertAsync(lead, 5000m);
        await world.Tenant.Records.UpdateAsync(SalesEntities.Opportunity, opportunity.Id, null, new Dictionary<string, object?> { [OpportunityMarketingFields.CampaignId] = web.Id });

        // The fair's campaign is attributed to the converted lead afterwards (a late import of the fair's scans).
        await world.Tenant.Records.UpdateAsync(SalesEntities.Lead, lead.Id, null, new Dictionary<string, object?> { [LeadMarketingFields.CampaignId] = fair.Id });

        Assert.Equal(web.Id, (await world.Tenant.Records.GetAsync(SalesEntities.Opportunity, opportunity.Id))!.Ref(OpportunityMarketingFields.CampaignId));
        Assert.Equal(CampaignMemberStatus.Converted, (await world.Tenant.Records.GetAsync(MarketingEntities.CampaignMember, memberId))![CampaignMemberFields.Status]);
    }

    [Fact]
    public async Task ConversionByASalesRep_WithNoRightsOnMarketingRecords_StillAttributesTheOpportunity()
    {
        await using var world = await MarketingWorld.StartAsync();
        var campaign = await world.CampaignAsync("Fair 2026", CampaignChannel.Event);
        var rep = await world.UserAsync("rep", SystemRoles.SalesRep);
        var lead = await rep.Records.CreateAsync(SalesEntities.Lead, new Dictionary<string, object?>
        {
            [LeadFields.LastName] = "Ernst", [LeadFields.Company] = "Ernst Maschinenbau", [LeadMarketingFields.CampaignId] = null,
        });
        await world.Tenant.Records.UpdateAsync(SalesEntities.Lead, lead.Id, null, new Dictionary<string, object?> { [LeadMarketingFields.CampaignId] = campaign.Id });
        await MemberAsync(world, campaign.Id, lead);

        var opportunity = await world.ConvertAsync(lead, 800m, as_: rep);

        Assert.Equal(campaign.Id, (await world.Tenant.Records.GetAsync(SalesEntities.Opportunity, opportunity.Id))!.Ref(OpportunityMarketingFields.CampaignId));
    }

    [Fact]
    public async Task WonAttributedOpportunities_MakeTheCampaignsActualRevenueAndRoi()
    {
        await using var world = await MarketingWorld.StartAsync();
        var campaign = await world.CampaignAsync("Fair 2026", CampaignChannel.Event, actualCost: 1000m, budget: 1500m);
        var won = await world.ConvertAsync(await world.LeadAsync("Ernst", campaignId: campaign.Id), 5000m);
        var lost = await world.ConvertAsync(await world.LeadAsync("Fink", campaignId: campaign.Id), 7000m);
        var wonToo = await world.ConvertAsync(await world.LeadAsync("Graf", campaignId: campaign.Id), 1000m);

        await world.WinAsync(won.Id);
        await world.LoseAsync(lost.Id);
        await world.WinAsync(wonToo.Id);

        var stored = await world.Tenant.Records.GetAsync(MarketingEntities.Campaign, campaign.Id);
        Assert.Equal(6000m, stored![CampaignFields.ActualRevenue]);
        var results = await world.Marketing().GetResultsAsync(campaign.Id);
        Assert.Equal((1500m, 1000m, 6000m, 5m, 2L), (results.Budget, results.ActualCost, results.ActualRevenue, results.Roi, results.WonOpportunities));

        await world.ReopenAsync(won.Id, "negotiation");

        Assert.Equal(1000m, (await world.Tenant.Records.GetAsync(MarketingEntities.Campaign, campaign.Id))![CampaignFields.ActualRevenue]);
        Assert.Equal(0m, (await world.Marketing().GetResultsAsync(campaign.Id)).Roi);
    }

    [Fact]
    public async Task ActualRevenue_SetByACaller_IsRefused()
    {
        await using var world = await MarketingWorld.StartAsync();
        var campaign = await world.CampaignAsync("Fair 2026");

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => world.Tenant.Records.UpdateAsync(MarketingEntities.Campaign, campaign.Id, null,
            new Dictionary<string, object?> { [CampaignFields.ActualRevenue] = 1_000_000m }));

        Assert.Equal((CampaignFields.ActualRevenue, "read_only"), (Assert.Single(ex.Errors).Field, ex.Errors[0].Rule));
    }

    [Fact]
    public async Task GetResults_CountsMembersAndRespondingMembers()
    {
        await using var world = await MarketingWorld.StartAsync();
        var campaign = await world.CampaignAsync("Newsletter");
        var first = await MemberAsync(world, campaign.Id, await world.ContactAsync("Adler", email: "a@example.test"));
        await MemberAsync(world, campaign.Id, await world.ContactAsync("Bauer", email: "b@example.test"));
        await MemberAsync(world, campaign.Id, await world.ContactAsync("Conrad", email: "c@example.test"));
        await MemberAsync(world, campaign.Id, await world.ContactAsync("Dietz", email: "d@example.test"));
        await world.Marketing().RecordResponseAsync(first, CampaignResponseType.Opened);
        await world.Marketing().RecordResponseAsync(first, CampaignResponseType.Clicked);

        var results = await world.Marketing().GetResultsAsync(campaign.Id);

        Assert.Equal((4L, 2L, 1L, 0.25m, (decimal?)null), (results.Members, results.Responses, results.RespondingMembers, results.ResponseRate, results.Roi));
    }

    [Fact]
    public async Task GetResults_ForACampaignTheUserCannotSee_IsNotFound()
    {
        await using var world = await MarketingWorld.StartAsync();
        var campaign = await world.CampaignAsync("Secret launch");
        var nobody = await world.UserAsync("nobody");

        await Assert.ThrowsAsync<CrmNotFoundException>(() => world.Marketing(nobody).GetResultsAsync(campaign.Id));
        await Assert.ThrowsAsync<CrmNotFoundException>(() => world.Marketing(nobody).RecalculateRevenueAsync(campaign.Id));
    }

    [Fact]
    public async Task RecalculateRevenue_RepairsAStaleFigure()
    {
        await using var world = await MarketingWorld.StartAsync();
        var campaign = await world.CampaignAsync("Fair 2026", actualCost: 100m);
        var opportunity = await world.ConvertAsync(await world.LeadAsync("Ernst", campaignId: campaign.Id), 300m);
        await world.WinAsync(opportunity.Id);

        Assert.Equal(300m, await world.Marketing().RecalculateRevenueAsync(campaign.Id));
        Assert.Equal(300m, (await world.Tenant.Records.GetAsync(MarketingEntities.Campaign, campaign.Id))![CampaignFields.ActualRevenue]);
    }

    [Fact]
    public async Task WonWithTheTenantsOwnStageNames_CountsAsRevenue_BecauseSalesSetsTheStatus()
    {
        await using var world = await MarketingWorld.StartAsync();
        await world.Sales().SetStagesAsync(
        [
            new SalesStage("discovery", 10, ForecastCategories.Pipeline),
            new SalesStage("offer", 60, ForecastCategories.Commit),
            new SalesStage("signed", 100, ForecastCategories.Closed, StageOutcome.Won),
            new SalesStage("dropped", 0, ForecastCategories.Omitted, StageOutcome.Lost),
        ]);
        var campaign = await world.CampaignAsync("Fair 2026", CampaignChannel.Event, actualCost: 1000m);
        var won = await world.ConvertAsync(await world.LeadAsync("Ernst", campaignId: campaign.Id), 4000m);
        var lost = await world.ConvertAsync(await world.LeadAsync("Fink", campaignId: campaign.Id), 9000m);

        var stored = await world.WinAsync(won.Id);
        await world.LoseAsync(lost.Id);

        Assert.Equal(("signed", OpportunityStatus.Won), ((string?)stored[OpportunityFields.Stage], (string?)stored[OpportunityFields.Status]));
        Assert.Equal(4000m, (await world.Tenant.Records.GetAsync(MarketingEntities.Campaign, campaign.Id))![CampaignFields.ActualRevenue]);
        var results = await world.Marketing().GetResultsAsync(campaign.Id);
        Assert.Equal((4000m, (decimal?)3m, 1L), (results.ActualRevenue, results.Roi, results.WonOpportunities));

        await world.ReopenAsync(won.Id, "offer");

        Assert.Equal(0m, (await world.Tenant.Records.GetAsync(MarketingEntities.Campaign, campaign.Id))![CampaignFields.ActualRevenue]);
    }
}
