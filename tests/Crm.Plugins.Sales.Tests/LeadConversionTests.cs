using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Security;

namespace Crm.Plugins.Sales.Tests;

public sealed class LeadConversionTests
{
    [Fact]
    public async Task ConvertLead_CreatesAccountContactAndOpportunity_AndLinksThemOnTheLead()
    {
        await using var fx = await SalesFixture.StartAsync();
        var lead = await fx.LeadAsync("Lovelace", company: "Analytical Engines", email: "ada@example.com", phone: "+44 20 7946 0000", status: LeadStatus.Qualified);
        var events = new List<LeadConverted>();
        using var subscription = fx.Host.Engine.Events.Subscribe<LeadConverted>((e, _) =>
        {
            events.Add(e);
            return Task.CompletedTask;
        });

        var result = await fx.Sales.ConvertLeadAsync(lead.Id, new LeadConversionOptions { Amount = 12000m, CloseDate = new DateOnly(2026, 3, 31) });

        Assert.True(result.AccountCreated);
        Assert.Equal(LeadStatus.Converted, result.Lead[LeadFields.Status]);
        Assert.Equal(result.AccountId, result.Lead[LeadFields.ConvertedAccountId]);
        Assert.Equal(result.ContactId, result.Lead[LeadFields.ConvertedContactId]);
        Assert.Equal(result.OpportunityId, result.Lead[LeadFields.ConvertedOpportunityId]);
        Assert.Equal(fx.Host.Clock.GetUtcNow(), result.Lead[LeadFields.ConvertedAt]);

        var account = await fx.Tenant.Records.GetAsync(CoreEntities.Account, result.AccountId);
        Assert.Equal("Analytical Engines", account![AccountFields.Name]);
        var contact = await fx.Tenant.Records.GetAsync(CoreEntities.Contact, result.ContactId);
        Assert.Equal("Lovelace", contact![ContactFields.LastName]);
        Assert.Equal("ada@example.com", contact[ContactFields.Email]);
        Assert.Equal(result.AccountId, contact[ContactFields.AccountId]);
        var opportunity = await fx.Tenant.Records.GetAsync(SalesEntities.Opportunity, result.OpportunityId!.Value);
        Assert.Equal("Analytical Engines - Lovelace", opportunity![OpportunityFields.Name]);
        Assert.Equal(12000m, opportunity[OpportunityFields.Amount]);
        Assert.Equal(new DateOnly(2026, 3, 31), opportunity[OpportunityFields.CloseDate]);
        Assert.Equal(lead.Id, opportunity[OpportunityFields.LeadId]);
        Assert.Equal(result.ContactId, opportunity[OpportunityFields.ContactId]);
        Assert.Equal("prospecting", opportunity[OpportunityFields.Stage]);

        var converted = Assert.Single(events);
        Assert.Equal((lead.Id, result.AccountId, result.ContactId, result.OpportunityId), (converted.LeadId, converted.AccountId, converted.ContactId, converted.OpportunityId));
    }

    [Fact]
    public async Task ConvertLead_IntoAnExistingAccount_WithoutOpportunity()
    {
        await using var fx = await SalesFixture.StartAsync();
        var account = await fx.AccountAsync("Globex");
        var lead = await fx.LeadAsync("Scorpio", status: LeadStatus.Qualified);

        var result = await fx.Sales.ConvertLeadAsync(lead.Id, new LeadConversionOptions { AccountId = account.Id, CreateOpportunity = false });

        Assert.False(result.AccountCreated);
        Assert.Equal(account.Id, result.AccountId);
        Assert.Null(result.OpportunityId);
        Assert.Equal(1, await fx.CountAsync(CoreEntities.Account));
        Assert.Equal(0, await fx.CountAsync(SalesEntities.Opportunity));
    }

    [Fact]
    public async Task ConvertLead_Twice_IsRejected()
    {
        await using var fx = await SalesFixture.StartAsync();
        var lead = await fx.LeadAsync("Lovelace", company: "Analytical Engines", status: LeadStatus.Qualified);
        var first = await fx.Sales.ConvertLeadAsync(lead.Id);

        var error = await Assert.ThrowsAsync<CrmOperationRejectedException>(() => fx.Sales.ConvertLeadAsync(lead.Id));

        Assert.Contains("already converted", error.Message, StringComparison.Ordinal);
        Assert.Contains(first.AccountId.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Equal(1, await fx.CountAsync(CoreEntities.Account));
    }

    [Fact]
    public async Task ConvertLead_NotYetQualified_IsRejectedAndCreatesNothing()
    {
        await using var fx = await SalesFixture.StartAsync();
        var lead = await fx.LeadAsync("Lovelace", company: "Analytical Engines", status: LeadStatus.Working);

        var error = await Assert.ThrowsAsync<CrmValidationException>(() => fx.Sales.ConvertLeadAsync(lead.Id));

        Assert.Equal(LeadFields.Status, Assert.Single(error.Errors).Field);
        Assert.Equal(0, await fx.CountAsync(CoreEntities.Account));
    }

    [Fact]
    public async Task ConvertLead_WithoutCompanyOrAccount_IsRejectedNamingTheCompany()
    {
        await using var fx = await SalesFixture.StartAsync();
        var lead = await fx.LeadAsync("Lovelace", status: LeadStatus.Qualified);

        var error = await Assert.ThrowsAsync<CrmValidationException>(() => fx.Sales.ConvertLeadAsync(lead.Id));

        Assert.Equal(LeadFields.Company, Assert.Single(error.Errors).Field);
    }

    [Fact]
    public async Task ConvertLead_FailingAtTheOpportunity_LeavesNothingHalfDone()
    {
        await using var fx = await SalesFixture.StartAsync();
        var lead = await fx.LeadAsync("Lovelace", company: "Analytical Engines", status: LeadStatus.Qualified);

        // The account and the contact are written first; the opportunity's negative amount then fails its validation.
        var error = await Assert.ThrowsAsync<CrmValidationException>(() => fx.Sales.ConvertLeadAsync(lead.Id, new LeadConversionOptions { Amount = -1m }));

        Assert.Contains(error.Errors, e => e.EntityType == SalesEntities.Opportunity && e.Field == OpportunityFields.Amount);
        Assert.Equal(0, await fx.CountAsync(CoreEntities.Account));
        Assert.Equal(0, await fx.CountAsync(CoreEntities.Contact));
        Assert.Equal(0, await fx.CountAsync(SalesEntities.Opportunity));
        var unchanged = await fx.Tenant.Records.GetAsync(SalesEntities.Lead, lead.Id);
        Assert.Equal(LeadStatus.Qualified, unchanged![LeadFields.Status]);
        Assert.Equal(lead.Version, unchanged.Version);
    }

    [Fact]
    public async Task ConvertLead_ByAUserWhoCannotWriteTheLead_IsDeniedAndCreatesNothing()
    {
        await using var fx = await SalesFixture.StartAsync();
        var lead = await fx.LeadAsync("Lovelace", company: "Analytical Engines", status: LeadStatus.Qualified);
        var (_, reader) = await fx.UserAsync("reader", SystemRoles.ReadOnly);
        var (_, rep) = await fx.UserAsync("rep", SystemRoles.SalesRep);

        await Assert.ThrowsAsync<CrmAccessDeniedException>(() => fx.For(reader).ConvertLeadAsync(lead.Id));
        await Assert.ThrowsAsync<CrmNotFoundException>(() => fx.For(rep).ConvertLeadAsync(lead.Id));

        Assert.Equal(0, await fx.CountAsync(CoreEntities.Account));
        Assert.Equal(LeadStatus.Qualified, (await fx.Tenant.Records.GetAsync(SalesEntities.Lead, lead.Id))![LeadFields.Status]);
    }

    [Fact]
    public async Task ConvertLead_ByTheOwningRep_CreatesRecordsOwnedByThem()
    {
        await using var fx = await SalesFixture.StartAsync();
        var (repId, rep) = await fx.UserAsync("rep", SystemRoles.SalesRep);
        var lead = await fx.LeadAsync("Lovelace", company: "Analytical Engines", status: LeadStatus.Qualified, tenant: rep);

        var result = await fx.For(rep).ConvertLeadAsync(lead.Id);

        Assert.Equal(repId, (await rep.Records.GetAsync(CoreEntities.Account, result.AccountId))!.OwnerId);
        Assert.Equal(repId, (await rep.Records.GetAsync(SalesEntities.Opportunity, result.OpportunityId!.Value))!.OwnerId);
    }

    [Fact]
    public async Task ConvertLead_WithAnUnknownAccount_IsRejectedNamingTheOption()
    {
        await using var fx = await SalesFixture.StartAsync();
        var lead = await fx.LeadAsync("Lovelace", status: LeadStatus.Qualified);

        var error = await Assert.ThrowsAsync<CrmValidationException>(() => fx.Sales.ConvertLeadAsync(lead.Id, new LeadConversionOptions { AccountId = Guid.NewGuid() }));

        Assert.Equal(nameof(LeadConversionOptions.AccountId), Assert.Single(error.Errors).Field);
    }

    [Fact]
    public async Task GenericUpdateToConverted_ConvertsWithTheDefaults()
    {
        await using var fx = await SalesFixture.StartAsync();
        var lead = await fx.LeadAsync("Lovelace", company: "Analytical Engines", status: LeadStatus.Qualified);

        var converted = await fx.Tenant.Records.UpdateAsync(SalesEntities.Lead, lead.Id, null, new Dictionary<string, object?> { [LeadFields.Status] = LeadStatus.Converted });

        Assert.NotNull(converted[LeadFields.ConvertedAccountId]);
        Assert.NotNull(converted[LeadFields.ConvertedOpportunityId]);
        Assert.Equal(1, await fx.CountAsync(SalesEntities.Opportunity));
    }
}
