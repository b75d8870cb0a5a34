using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Work;
using Crm.Plugins.Sales;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Plugins.Marketing.Tests;

public sealed class NurtureTests
{
    private static async Task<MarketingWorld> StartAsync(bool rules = false)
    {
        var world = await MarketingWorld.StartAsync(rules);
        await world.Work.Templates.SaveAsync(new TemplateDefinition("nurture-1", "Still interested, {{ recipient.lastName }}?", "Hello {{ recipient.name }}, here is more about what you asked for."));
        return world;
    }

    private static async Task<Guid> MemberAsync(MarketingWorld world, CrmRecord contact, string channel = CampaignChannel.Email)
    {
        var campaign = await world.CampaignAsync("Nurture", channel);
        var result = await world.Marketing().BuildTargetListAsync(campaign.Id, TargetSelection.FromFilters(CoreEntities.Contact, $$"""[{"field":"id","value":"{{contact.Id}}"}]"""));
        return Assert.Single(result.Added).MemberId!.Value;
    }

    [Fact]
    public async Task FollowUp_WhenDue_NotifiesTheContactOnTheirPreferredChannel_AndMarksTheMemberSent()
    {
        await using var world = await StartAsync();
        var contact = await world.ContactAsync("Adler", email: "adler@example.test", mobile: "+4917055500001", preferred: "sms");
        var memberId = await MemberAsync(world, contact, CampaignChannel.Sms);

        var timer = await world.Marketing().ScheduleFollowUpAsync(new FollowUpRequest { MemberId = memberId, After = BusinessDuration.FromBusinessDays(2), TemplateKey = "nurture-1" });

        Assert.Equal(CrmTestHostStart.AddDays(2), timer.DueAt);
        world.Host.Clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(0, await world.FireTimersAsync());
        world.Host.Clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(1, await world.FireTimersAsync());
        Assert.Equal(1, await world.DispatchAsync());

        var message = Assert.Single(world.Sent);
        Assert.Equal(("sms", "+4917055500001", "Still interested, Adler?"), (message.Channel, message.Address, message.Subject));
        var member = await world.Tenant.Records.GetAsync(MarketingEntities.CampaignMember, memberId);
        Assert.Equal((CampaignMemberStatus.Sent, "queued", timer.DueAt), (member![CampaignMemberFields.Status], member[CampaignMemberFields.LastFollowUpResult], member[CampaignMemberFields.LastFollowUpAt]));
    }

    [Fact]
    public async Task FollowUp_ToAContactWhoOptedOutOfTheirChannel_IsSuppressedAndTheReasonKeptOnTheMember()
    {
        await using var world = await StartAsync();
        var contact = await world.ContactAsync("Bauer", email: "bauer@example.test", preferred: "email");
        var memberId = await MemberAsync(world, contact);
        await world.Tenant.Records.UpdateAsync(CoreEntities.Contact, contact.Id, null, new Dictionary<string, object?> { [ContactFields.DoNotEmail] = true });
        await world.Marketing().ScheduleFollowUpAsync(new FollowUpRequest { MemberId = memberId, After = BusinessDuration.FromWorkingTime(TimeSpan.FromHours(4)), TemplateKey = "nurture-1" });

        world.Host.Clock.Advance(TimeSpan.FromHours(4));
        Assert.Equal(1, await world.FireTimersAsync());
        await world.DispatchAsync();

        Assert.Empty(world.Sent);
        var member = await world.Tenant.Records.GetAsync(MarketingEntities.CampaignMember, memberId);
        Assert.Equal((CampaignMemberStatus.Targeted, "suppressed"), (member![CampaignMemberFields.Status], member[CampaignMemberFields.LastFollowUpResult]));
        Assert.Contains("do-not-email", (string)member[CampaignMemberFields.LastFollowUpNote]!, StringComparison.Ordinal);
        Assert.Single(await world.Work.Notifications.ListAsync(NotificationStatus.Suppressed));
    }

    [Fact]
    public async Task FollowUp_ForAMemberWhoUnsubscribed_IsSkippedWithTheReason()
    {
        await using var world = await StartAsync();
        var memberId = await MemberAsync(world, await world.ContactAsync("Conrad", email: "conrad@example.test"));
        await world.Marketing().ScheduleFollowUpAsync(new FollowUpRequest { MemberId = memberId, After = BusinessDuration.FromBusinessDays(1), TemplateKey = "nurture-1" });
        await world.Marketing().RecordResponseAsync(memberId, CampaignResponseType.Unsubscribed);

        world.Host.Clock.Advance(TimeSpan.FromDays(1));
        await world.FireTimersAsync();
        await world.DispatchAsync();

        Assert.Empty(world.Sent);
        var member = await world.Tenant.Records.GetAsync(MarketingEntities.CampaignMember, memberId);
        Assert.Equal("skipped", member![CampaignMemberFields.LastFollowUpResult]);
        Assert.Contains("opted out of the campaign", (string)member[CampaignMemberFields.LastFollowUpNote]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FollowUp_ToALeadWhoOptedOut_IsNotSent_AndANoteIsLeftOnTheLead()
    {
        await using var world = await StartAsync();
        var lead = await world.LeadAsync("Fink", email: "fink@example.test", optOut: true);
        await world.Marketing().ScheduleFollowUpAsync(new FollowUpRequest { LeadId = lead.Id, After = BusinessDuration.FromBusinessDays(1), TemplateKey = "nurture-1" });

        world.Host.Clock.Advance(TimeSpan.FromDays(1));
        await world.FireTimersAsync();
        await world.DispatchAsync();

        Assert.Empty(world.Sent);
        var note = Assert.Single((await world.Tenant.Records.QueryAsync(RecordQuery.For(CoreEntities.Activity))).Records);
        Assert.Equal(ActivityTypes.Note, note[ActivityFields.ActivityType]);
        Assert.Contains("marketingOptOut", (string)note[ActivityFields.Description]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FollowUp_FiredTwice_NotifiesOnce()
    {
        await using var world = await StartAsync();
        var lead = await world.LeadAsync("Graf", email: "graf@example.test");
        var timer = await world.Marketing().ScheduleFollowUpAsync(new FollowUpRequest { LeadId = lead.Id, After = BusinessDuration.FromBusinessDays(1), TemplateKey = "nurture-1" });
        var sender = world.Host.Services.GetServices<Crm.Engine.Abstractions.Events.IDomainEventConsumer<DeadlineReached>>().Single(c => c.GetType().Name == "FollowUpSender");
        var due = new DeadlineReached("test", timer.DueAt, timer.Id, timer.Key, timer.EventName, timer.RecordId, timer.DueAt, timer.Payload);

        await sender.HandleAsync(due, CancellationToken.None);
        await sender.HandleAsync(due, CancellationToken.None);
        await world.DispatchAsync();

        var message = Assert.Single(world.Sent);
        Assert.Equal(("email", "graf@example.test"), (message.Channel, message.Address));
    }

    [Fact]
    public async Task ScheduleFollowUp_WithAnUnknownTemplate_OrNoTarget_IsRefused()
    {
        await using var world = await StartAsync();
        var lead = await world.LeadAsync("Graf", email: "graf@example.test");

        var template = await Assert.ThrowsAsync<CrmValidationException>(() => world.Marketing().ScheduleFollowUpAsync(new FollowUpRequest { LeadId = lead.Id, After = BusinessDuration.FromBusinessDays(1), TemplateKey = "nurture-x" }));
        var target = await Assert.ThrowsAsync<CrmValidationException>(() => world.Marketing().ScheduleFollowUpAsync(new FollowUpRequest { After = BusinessDuration.FromBusinessDays(1), TemplateKey = "nurture-1" }));

        Assert.Equal(nameof(FollowUpRequest.TemplateKey), Assert.Single(template.Errors).Field);
        Assert.Equal("target", Assert.Single(target.Errors).Rule);
    }

    [Fact]
    public async Task ScheduleFollowUp_ByAUserWhoCannotSeeTheContact_IsNotFound()
    {
        await using var world = await StartAsync();
        var contact = await world.ContactAsync("Adler", email: "adler@example.test");
        var nobody = await world.UserAsync("nobody");

        await Assert.ThrowsAsync<CrmNotFoundException>(() => world.Marketing(nobody).ScheduleFollowUpAsync(new FollowUpRequest { ContactId = contact.Id, After = BusinessDuration.FromBusinessDays(1), TemplateKey = "nurture-1" }));
    }

    [Fact]
    public async Task StartNurtureAction_InARulePack_FollowsUpANewLeadAfterOneBusinessDay_Once()
    {
        await using var world = await StartAsync(rules: true);
        await world.Rules.ApplyAsync("""
            schemaVersion: 1
            rules:
              - name: nurture-webinar-leads
                when:
                  - match: lead
                    where: lead.source == 'webinar'
                then:
                  - action: startNurture
                    with: { record: lead, template: nurture-1, after: days(1) }
            """, "nurture.yaml");

        var lead = await world.LeadAsync("Haas", source: "webinar", email: "haas@example.test");
        world.Host.Clock.Advance(TimeSpan.FromHours(2));
        await world.Tenant.Records.UpdateAsync(SalesEntities.Lead, lead.Id, null, new Dictionary<string, object?> { [LeadFields.Company] = "Initech" });

        var timer = await world.Work.Timers.GetAsync($"marketing:followUp:{lead.Id}:nurture-1");
        Assert.Equal(CrmTestHostStart.AddDays(1), timer!.DueAt);
        world.Host.Clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(1, await world.FireTimersAsync());
        await world.DispatchAsync();
        var message = Assert.Single(world.Sent);
        Assert.Equal(("haas@example.test", "Still interested, Haas?"), (message.Address, message.Subject));
    }

    private static DateTimeOffset CrmTestHostStart => Crm.Engine.Testing.CrmTestHost.DefaultStart;
}
