using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Security;
using Crm.Plugins.Sales;

namespace Crm.Plugins.Marketing.Tests;

public sealed class TargetListTests
{
    private static Task<CrmRecord> SegmentAsync(MarketingWorld world, string entityType, string filters) =>
        world.Tenant.Records.CreateAsync(MarketingEntities.Segment, new Dictionary<string, object?>
        {
            [SegmentFields.Name] = "German speakers",
            [SegmentFields.EntityType] = entityType,
            [SegmentFields.Filters] = filters,
        });

    [Fact]
    public async Task BuildTargetList_EmailCampaignFromSegment_AddsReachableContactsAndReportsEverySkipWithItsReason()
    {
        await using var world = await MarketingWorld.StartAsync();
        var added = world.Collect<CampaignMemberAdded>();
        var campaign = await world.CampaignAsync("Spring mailing");
        var reachable = await world.ContactAsync("Adler", email: "adler@example.test", language: "de");
        var optedOut = await world.ContactAsync("Bauer", email: "bauer@example.test", doNotEmail: true, language: "de");
        var noAddress = await world.ContactAsync("Conrad", mobile: "+49 170 1", language: "de");
        await world.ContactAsync("Dupont", email: "dupont@example.test", language: "fr");
        var segment = await SegmentAsync(world, CoreEntities.Contact, """[{"field":"language","op":"eq","value":"de"}]""");

        var result = await world.Marketing().BuildTargetListAsync(campaign.Id, TargetSelection.FromSegment(segment.Id));

        var member = Assert.Single(result.Added);
        Assert.Equal(reachable.Id, member.RecordId);
        Assert.Equal(2, result.Skipped.Count);
        Assert.Contains("doNotEmail", result.Skipped.Single(s => s.RecordId == optedOut.Id).Reason, StringComparison.Ordinal);
        Assert.Contains("no e-mail address", result.Skipped.Single(s => s.RecordId == noAddress.Id).Reason, StringComparison.Ordinal);
        var stored = await world.Tenant.Records.GetAsync(MarketingEntities.CampaignMember, member.MemberId!.Value);
        Assert.Equal((campaign.Id, reachable.Id, CampaignMemberStatus.Targeted), (stored!.Ref(CampaignMemberFields.CampaignId), stored!.Ref(CampaignMemberFields.ContactId), stored![CampaignMemberFields.Status]));
        Assert.Equal(world.Host.Clock.GetUtcNow(), stored[CampaignMemberFields.AddedAt]);
        var evt = Assert.Single(added);
        Assert.Equal((campaign.Id, member.MemberId, reachable.Id), (evt.CampaignId, (Guid?)evt.MemberId, evt.ContactId));

        var again = await world.Marketing().BuildTargetListAsync(campaign.Id, TargetSelection.FromSegment(segment.Id));

        var already = Assert.Single(again.AlreadyMembers);
        Assert.Equal(member.MemberId, already.MemberId);
        Assert.Empty(again.Added);
        Assert.Equal(2, again.Skipped.Count);
        Assert.Single(added);
        Assert.Equal(1, await world.Tenant.Records.CountAsync(RecordQuery.For(MarketingEntities.CampaignMember)));
    }

    [Fact]
    public async Task BuildTargetList_SmsCampaignOfLeads_SkipsOptedOutLeadsAndLeadsWithoutPhone()
    {
        await using var world = await MarketingWorld.StartAsync();
        var campaign = await world.CampaignAsync("Text blast", CampaignChannel.Sms);
        var withPhone = await world.LeadAsync("Ernst", source: "fair", phone: "+49 170 2");
        var optedOut = await world.LeadAsync("Fink", source: "fair", phone: "+49 170 3", optOut: true);
        var noPhone = await world.LeadAsync("Graf", source: "fair", email: "graf@example.test");

        var result = await world.Marketing().BuildTargetListAsync(campaign.Id, TargetSelection.FromFilters(SalesEntities.Lead, """[{"field":"source","value":"fair"}]"""));

        Assert.Equal(withPhone.Id, Assert.Single(result.Added).RecordId);
        Assert.Contains("marketingOptOut", result.Skipped.Single(s => s.RecordId == optedOut.Id).Reason, StringComparison.Ordinal);
        Assert.Contains("no phone number", result.Skipped.Single(s => s.RecordId == noPhone.Id).Reason, StringComparison.Ordinal);
        var member = await world.Tenant.Records.GetAsync(MarketingEntities.CampaignMember, result.Added[0].MemberId!.Value);
        Assert.Equal(withPhone.Id, member!.Ref(CampaignMemberFields.LeadId));
    }

    [Fact]
    public async Task BuildTargetList_SmsCampaign_SkipsContactsWithDoNotCall()
    {
        await using var world = await MarketingWorld.StartAsync();
        var campaign = await world.CampaignAsync("Text blast", CampaignChannel.Sms);
        var noCalls = await world.ContactAsync("Haas", mobile: "+49 170 4", doNotCall: true);

        var result = await world.Marketing().BuildTargetListAsync(campaign.Id, TargetSelection.FromFilters(CoreEntities.Contact, "[]"));

        Assert.Contains("doNotCall", Assert.Single(result.Skipped, s => s.RecordId == noCalls.Id).Reason, StringComparison.Ordinal);
        Assert.Empty(result.Added);
    }

    [Fact]
    public async Task BuildTargetList_AccountSegment_AddsTheContactsOfTheSelectedAccounts()
    {
        await using var world = await MarketingWorld.StartAsync();
        var campaign = await world.CampaignAsync("Key accounts", CampaignChannel.Event);
        var retail = await world.Tenant.Records.CreateAsync(CoreEntities.Account, new Dictionary<string, object?> { [AccountFields.Name] = "Retail AG", [AccountFields.Industry] = "retail" });
        var bank = await world.Tenant.Records.CreateAsync(CoreEntities.Account, new Dictionary<string, object?> { [AccountFields.Name] = "Bank AG", [AccountFields.Industry] = "banking" });
        var buyer = await world.ContactAsync("Ilse", accountId: retail.Id);
        await world.ContactAsync("Jahn", accountId: bank.Id);
        var segment = await SegmentAsync(world, CoreEntities.Account, """[{"field":"industry","op":"in","value":["retail","food"]}]""");

        var result = await world.Marketing().BuildTargetListAsync(campaign.Id, TargetSelection.FromSegment(segment.Id));

        var entry = Assert.Single(result.Entries);
        Assert.Equal((CoreEntities.Contact, buyer.Id, TargetOutcome.Added), (entry.EntityType, entry.RecordId, entry.Outcome));
    }

    [Fact]
    public async Task Segment_WithUnknownFieldAndBadOperator_IsRefusedNamingEachFilterAndField()
    {
        await using var world = await MarketingWorld.StartAsync();

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => SegmentAsync(world, CoreEntities.Contact,
            """[{"field":"language","value":"de"},{"field":"emial","value":"x"},{"field":"doNotEmail","op":"around","value":true}]"""));

        Assert.Equal(2, ex.Errors.Count);
        Assert.Contains("filter 2 (field 'emial')", ex.Errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("Did you mean 'email'?", ex.Errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("filter 3 (field 'doNotEmail')", ex.Errors[1].Message, StringComparison.Ordinal);
        Assert.Contains("unknown operator 'around'", ex.Errors[1].Message, StringComparison.Ordinal);
        Assert.All(ex.Errors, e => Assert.Equal((MarketingEntities.Segment, SegmentFields.Filters), (e.EntityType, e.Field)));
        Assert.Equal(0, await world.Tenant.Records.CountAsync(RecordQuery.For(MarketingEntities.Segment)));
    }

    [Theory]
    [InlineData("""{"field":"language"}""", "must be a JSON array")]
    [InlineData("""[{"field":"language","value":"de"}""", "not valid JSON")]
    [InlineData("""[{"field":"doNotEmail","value":"yes"}]""", "filter 1 (field 'doNotEmail'): \"yes\" is not a valid Bool value")]
    [InlineData("""[{"field":"language","op":"in","value":"de"}]""", "operator 'in' needs an array")]
    [InlineData("""[{"field":"language","op":"eq"}]""", "needs a 'value'")]
    [InlineData("""[{"feild":"language","value":"de"}]""", "unknown key 'feild'")]
    public async Task BuildTargetList_WithBadAdHocFilters_IsRefusedWithTheProblem(string filters, string expected)
    {
        await using var world = await MarketingWorld.StartAsync();
        var campaign = await world.CampaignAsync("Spring mailing");
        await world.ContactAsync("Adler", email: "adler@example.test");

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => world.Marketing().BuildTargetListAsync(campaign.Id, TargetSelection.FromFilters(CoreEntities.Contact, filters)));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, await world.Tenant.Records.CountAsync(RecordQuery.For(MarketingEntities.CampaignMember)));
    }

    [Fact]
    public async Task BuildTargetList_ForAnEntityTypeASegmentCannotSelect_IsRefused()
    {
        await using var world = await MarketingWorld.StartAsync();
        var campaign = await world.CampaignAsync("Spring mailing");

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => world.Marketing().BuildTargetListAsync(campaign.Id, TargetSelection.FromFilters("opportunity", "[]")));

        Assert.Equal(SegmentFields.EntityType, Assert.Single(ex.Errors).Field);
    }

    [Fact]
    public async Task CampaignMember_AddedTwiceOrWithoutContactOrLead_IsRefused()
    {
        await using var world = await MarketingWorld.StartAsync();
        var campaign = await world.CampaignAsync("Spring mailing");
        var contact = await world.ContactAsync("Adler", email: "adler@example.test");
        var member = new Dictionary<string, object?> { [CampaignMemberFields.CampaignId] = campaign.Id, [CampaignMemberFields.ContactId] = contact.Id };
        await world.Tenant.Records.CreateAsync(MarketingEntities.CampaignMember, member);

        var twice = await Assert.ThrowsAsync<CrmValidationException>(() => world.Tenant.Records.CreateAsync(MarketingEntities.CampaignMember, member));
        var neither = await Assert.ThrowsAsync<CrmValidationException>(() => world.Tenant.Records.CreateAsync(MarketingEntities.CampaignMember,
            new Dictionary<string, object?> { [CampaignMemberFields.CampaignId] = campaign.Id }));

        Assert.Equal("duplicate", Assert.Single(twice.Errors).Rule);
        Assert.Equal("member", Assert.Single(neither.Errors).Rule);
    }

    [Fact]
    public async Task BuildTargetList_ByAReadOnlyUser_IsRefused_AndByAUserWhoCannotSeeTheCampaign_IsNotFound()
    {
        await using var world = await MarketingWorld.StartAsync();
        var campaign = await world.CampaignAsync("Spring mailing");
        await world.ContactAsync("Adler", email: "adler@example.test");
        var reader = await world.UserAsync("reader", SystemRoles.ReadOnly);
        var stranger = await world.UserAsync("stranger", SystemRoles.MarketingUser);
        var selection = TargetSelection.FromFilters(CoreEntities.Contact, "[]");

        await Assert.ThrowsAsync<CrmAccessDeniedException>(() => world.Marketing(reader).BuildTargetListAsync(campaign.Id, selection));
        await Assert.ThrowsAsync<CrmNotFoundException>(() => world.Marketing(stranger).BuildTargetListAsync(campaign.Id, selection));

        Assert.Equal(0, await world.Tenant.Records.CountAsync(RecordQuery.For(MarketingEntities.CampaignMember)));
    }

    [Fact]
    public async Task BuildTargetList_ByAMarketingUserOnTheirOwnCampaign_AddsMembersTheyOwn()
    {
        await using var world = await MarketingWorld.StartAsync();
        var marketer = await world.UserAsync("marketer", SystemRoles.MarketingUser);
        var campaign = await world.CampaignAsync("Own campaign", as_: marketer);
        await world.ContactAsync("Adler", email: "adler@example.test");

        var result = await world.Marketing(marketer).BuildTargetListAsync(campaign.Id, TargetSelection.FromFilters(CoreEntities.Contact, "[]"));

        var member = await world.Tenant.Records.GetAsync(MarketingEntities.CampaignMember, Assert.Single(result.Added).MemberId!.Value);
        Assert.Equal(marketer.Caller.UserId, member!.OwnerId);
    }
}
