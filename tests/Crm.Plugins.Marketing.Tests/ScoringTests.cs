using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Security;
using Crm.Plugins.Sales;

namespace Crm.Plugins.Marketing.Tests;

public sealed class ScoringTests
{
    private const string WebinarPack = """
        schemaVersion: 1
        rules:
          - name: webinar-attendee
            when:
              - match: lead
                where: lead.source == 'webinar'
            then:
              - action: scoreLead
                with: { record: lead, points: 15, reason: attended the webinar }
          - name: big-company
            when:
              - match: lead
                where: lead.company == 'Globex'
            then:
              - action: scoreLead
                with: { record: lead, points: 20 }
        """;

    [Fact]
    public async Task ScoreLead_WithAKey_AddsPointsOnce_AndKeepsEveryReason()
    {
        await using var world = await MarketingWorld.StartAsync();
        var scored = world.Collect<LeadScored>();
        var lead = await world.LeadAsync("Ernst");

        var first = await world.Marketing().ScoreLeadAsync(lead.Id, 10, "opened the newsletter", key: "newsletter-open");
        world.Host.Clock.Advance(TimeSpan.FromMinutes(1));
        var repeated = await world.Marketing().ScoreLeadAsync(lead.Id, 10, "opened the newsletter", key: "newsletter-open");
        var other = await world.Marketing().ScoreLeadAsync(lead.Id, -3, "free-mail address");

        Assert.Equal((10m, true), (first.Score, first.Applied));
        Assert.Equal((10m, false), (repeated.Score, repeated.Applied));
        Assert.Equal((7m, true), (other.Score, other.Applied));
        var stored = await world.Tenant.Records.GetAsync(SalesEntities.Lead, lead.Id);
        Assert.Equal(7m, stored![LeadMarketingFields.LeadScore]);
        Assert.Equal("+10 opened the newsletter (newsletter-open)\n-3 free-mail address", stored[LeadMarketingFields.ScoreReasons]);
        Assert.Equal(new (decimal, decimal, string?)[] { (10m, 10m, "newsletter-open"), (-3m, 7m, null) }, scored.Select(e => (e.Points, e.Score, e.Key)));
    }

    [Fact]
    public async Task DeletingAScoreEntry_RecomputesTheLeadsScoreAndReasons()
    {
        await using var world = await MarketingWorld.StartAsync();
        var lead = await world.LeadAsync("Ernst");
        await world.Marketing().ScoreLeadAsync(lead.Id, 10, "opened the newsletter", key: "newsletter-open");
        world.Host.Clock.Advance(TimeSpan.FromMinutes(1));
        await world.Marketing().ScoreLeadAsync(lead.Id, 25, "asked for a quote", key: "quote");
        var quote = Assert.Single((await world.Tenant.Records.QueryAsync(RecordQuery.For(MarketingEntities.LeadScoreEntry).Where(LeadScoreEntryFields.Key, "quote"))).Records);

        await world.Tenant.Records.DeleteAsync(MarketingEntities.LeadScoreEntry, quote.Id);

        var stored = await world.Tenant.Records.GetAsync(SalesEntities.Lead, lead.Id);
        Assert.Equal((10m, "+10 opened the newsletter (newsletter-open)"), (stored![LeadMarketingFields.LeadScore], stored[LeadMarketingFields.ScoreReasons]));
    }

    [Fact]
    public async Task ScoreLead_WithoutReason_OrForAnUnknownLead_IsRefused()
    {
        await using var world = await MarketingWorld.StartAsync();
        var lead = await world.LeadAsync("Ernst");

        var noReason = await Assert.ThrowsAsync<CrmValidationException>(() => world.Marketing().ScoreLeadAsync(lead.Id, 5, " "));
        await Assert.ThrowsAsync<CrmNotFoundException>(() => world.Marketing().ScoreLeadAsync(Guid.NewGuid(), 5, "x"));

        Assert.Equal(LeadScoreEntryFields.Reason, Assert.Single(noReason.Errors).Field);
    }

    [Fact]
    public async Task ScoreLead_ByAUserWhoMayNotChangeTheLead_IsRefusedAndScoresNothing()
    {
        await using var world = await MarketingWorld.StartAsync();
        var lead = await world.LeadAsync("Ernst");
        var reader = await world.UserAsync("reader", SystemRoles.ReadOnly);

        await Assert.ThrowsAsync<CrmAccessDeniedException>(() => world.Marketing(reader).ScoreLeadAsync(lead.Id, 5, "looked at pricing"));

        Assert.Null((await world.Tenant.Records.GetAsync(SalesEntities.Lead, lead.Id))![LeadMarketingFields.LeadScore]);
        Assert.Equal(0, await world.Tenant.Records.CountAsync(RecordQuery.For(MarketingEntities.LeadScoreEntry)));
    }

    [Fact]
    public async Task ScoreLeadAction_InARulePack_ScoresOncePerRuleAndLead_EvenWhenTheRuleFiresAgain()
    {
        await using var world = await MarketingWorld.StartAsync(rules: true);
        await world.Rules.ApplyAsync(WebinarPack, "scoring.yaml");

        var lead = await world.LeadAsync("Ernst", source: "webinar");
        await world.Tenant.Records.UpdateAsync(SalesEntities.Lead, lead.Id, null, new Dictionary<string, object?> { [LeadFields.FirstName] = "Emil" });
        world.Host.Clock.Advance(TimeSpan.FromMinutes(1));
        await world.Tenant.Records.UpdateAsync(SalesEntities.Lead, lead.Id, null, new Dictionary<string, object?> { [LeadFields.Company] = "Globex" });
        await world.Tenant.Records.UpdateAsync(SalesEntities.Lead, lead.Id, null, new Dictionary<string, object?> { [LeadFields.Phone] = "+49 1" });

        var stored = await world.Tenant.Records.GetAsync(SalesEntities.Lead, lead.Id);
        Assert.Equal(35m, stored![LeadMarketingFields.LeadScore]);
        Assert.Equal("+15 attended the webinar (rule:webinar-attendee)\n+20 big-company (rule:big-company)", stored[LeadMarketingFields.ScoreReasons]);
        Assert.Equal(2, await world.Tenant.Records.CountAsync(RecordQuery.For(MarketingEntities.LeadScoreEntry)));
    }

    [Fact]
    public async Task ScoreLeadAction_OnAContact_ScoresNothing_AndTheContactIsStillSaved()
    {
        await using var world = await MarketingWorld.StartAsync(rules: true);
        const string pack = """
            schemaVersion: 1
            rules:
              - name: score-contacts
                when:
                  - match: contact
                then:
                  - action: scoreLead
                    with: { record: contact, points: 1 }
            """;
        await world.Rules.ApplyAsync(pack, "wrong.yaml");

        var contact = await world.ContactAsync("Adler");

        Assert.NotNull(contact);
        Assert.Equal(0, await world.Tenant.Records.CountAsync(RecordQuery.For(MarketingEntities.LeadScoreEntry)));
    }
}
