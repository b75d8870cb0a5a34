using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Records;

namespace Crm.Plugins.Sales.Tests;

public sealed class LeadCaptureTests
{
    [Fact]
    public async Task CaptureLead_FromAWebForm_MapsCommonNamesAndKeepsUnmappedFields()
    {
        await using var fx = await SalesFixture.StartAsync();

        var result = await fx.Sales.CaptureLeadAsync(new LeadCapture
        {
            Origin = LeadOrigin.WebForm,
            Channel = "paid-search",
            CampaignName = "Spring 2026",
            FormFields = new Dictionary<string, string?>
            {
                ["Full Name"] = "Ada Maria Lovelace",
                ["E-Mail"] = " ada@example.com ",
                ["company_name"] = "Analytical Engines",
                ["Telephone"] = "+44 20 7946 0000",
                ["Message"] = "Please call me back",
                ["Budget"] = "50k",
                ["how_did_you_hear"] = "a friend",
                ["empty"] = "  ",
            },
        });

        var lead = result.Lead;
        Assert.Equal("Lovelace", lead[LeadFields.LastName]);
        Assert.Equal("Ada Maria", lead[LeadFields.FirstName]);
        Assert.Equal("ada@example.com", lead[LeadFields.Email]);
        Assert.Equal("Analytical Engines", lead[LeadFields.Company]);
        Assert.Equal("Please call me back", lead[LeadFields.Description]);
        Assert.Equal("web", lead[LeadFields.Source]);
        Assert.Equal("paid-search", lead[LeadFields.Channel]);
        Assert.Equal("Spring 2026", lead[LeadFields.CampaignName]);
        Assert.Equal(LeadStatus.New, lead[LeadFields.Status]);
        Assert.Equal("+442079460000", lead[LeadFields.PhoneKey]);
        Assert.Equal(["Budget", "how_did_you_hear"], result.UnmappedFormFields);
        Assert.Equal("Budget: 50k\nhow_did_you_hear: a friend", lead[LeadFields.FormData]);
    }

    [Fact]
    public async Task CaptureLead_FormFieldThatClashesWithAGivenValue_IsKeptNotDropped()
    {
        await using var fx = await SalesFixture.StartAsync();

        var result = await fx.Sales.CaptureLeadAsync(new LeadCapture
        {
            Values = new Dictionary<string, object?> { [LeadFields.LastName] = "Hopper", [LeadFields.Email] = "grace@navy.mil" },
            FormFields = new Dictionary<string, string?> { ["email"] = "other@example.com", ["Source"] = "referral" },
        });

        Assert.Equal("grace@navy.mil", result.Lead[LeadFields.Email]);
        Assert.Equal("referral", result.Lead[LeadFields.Source]);
        Assert.Equal(["email"], result.UnmappedFormFields);
        Assert.Equal("email: other@example.com", result.Lead[LeadFields.FormData]);
    }

    [Theory]
    [InlineData(LeadOrigin.Api, "api")]
    [InlineData(LeadOrigin.Import, "import")]
    public async Task CaptureLead_WithoutSource_TakesTheOriginAsSource(LeadOrigin origin, string expected)
    {
        await using var fx = await SalesFixture.StartAsync();

        var result = await fx.Sales.CaptureLeadAsync(new LeadCapture { Origin = origin, Values = new Dictionary<string, object?> { [LeadFields.LastName] = "Turing" } });

        Assert.Equal(expected, result.Lead[LeadFields.Source]);
    }

    [Fact]
    public async Task CaptureLead_WithoutLastName_IsRejectedNamingTheField()
    {
        await using var fx = await SalesFixture.StartAsync();

        var error = await Assert.ThrowsAsync<CrmValidationException>(() => fx.Sales.CaptureLeadAsync(new LeadCapture
        {
            FormFields = new Dictionary<string, string?> { ["email"] = "x@example.com" },
        }));

        Assert.Contains(error.Errors, e => e.Field == LeadFields.LastName);
        Assert.Equal(0, await fx.CountAsync(SalesEntities.Lead));
    }

    [Fact]
    public async Task CaptureLead_MatchingALeadAContactAndAnAccount_FlagsTheLeadAndReportsEachMatchWithItsReason()
    {
        await using var fx = await SalesFixture.StartAsync();
        var earlier = await fx.LeadAsync("Lovelace", phone: "+44 (20) 7946-0000");
        var contact = await fx.Tenant.Contacts.CreateAsync(new NewContact("Ada", "King") { Email = "ADA@example.com" });
        var account = await fx.AccountAsync("Analytical Engines");
        await fx.AccountAsync("Unrelated Ltd");

        var result = await fx.Sales.CaptureLeadAsync(new LeadCapture
        {
            Values = new Dictionary<string, object?>
            {
                [LeadFields.LastName] = "Lovelace",
                [LeadFields.Email] = "ada@example.com",
                [LeadFields.Phone] = "0044 20 7946 0000",
                [LeadFields.Company] = " analytical engines ",
            },
        });

        Assert.Equal(3, result.Duplicates.Count);
        Assert.Equal([DuplicateReason.Email], result.Duplicates.Single(d => d.Record.Id == contact.Id).Reasons);
        Assert.Equal([DuplicateReason.Company], result.Duplicates.Single(d => d.Record.Id == account.Id).Reasons);
        Assert.Equal([DuplicateReason.Phone], result.Duplicates.Single(d => d.Record.Id == earlier.Id).Reasons);
        Assert.Equal(true, result.Lead[LeadFields.PossibleDuplicate]);
        Assert.Equal(result.Duplicates[0].Record.ToString(), result.Lead[LeadFields.DuplicateOfId]);
        Assert.Equal(2, await fx.CountAsync(SalesEntities.Lead));

        // The flag is not a look-up: the original can still be deleted.
        await fx.Tenant.Records.DeleteAsync(SalesEntities.Lead, earlier.Id);
    }

    [Fact]
    public async Task CaptureLead_WithoutMatches_IsNotFlagged()
    {
        await using var fx = await SalesFixture.StartAsync();
        await fx.LeadAsync("Other", company: "Globex", email: "someone@globex.com", phone: "+1 555 0100");

        var result = await fx.Sales.CaptureLeadAsync(new LeadCapture
        {
            Values = new Dictionary<string, object?> { [LeadFields.LastName] = "Lovelace", [LeadFields.Email] = "ada@example.com", [LeadFields.Phone] = "+1 555 0199", [LeadFields.Company] = "Initech" },
        });

        Assert.Empty(result.Duplicates);
        Assert.Null(result.Lead[LeadFields.PossibleDuplicate]);
    }

    [Fact]
    public async Task CaptureLead_RejectingDuplicates_CreatesNothingAndNamesTheMatchingField()
    {
        await using var fx = await SalesFixture.StartAsync();
        var account = await fx.AccountAsync("Globex");

        var error = await Assert.ThrowsAsync<CrmValidationException>(() => fx.Sales.CaptureLeadAsync(new LeadCapture
        {
            RejectDuplicates = true,
            Values = new Dictionary<string, object?> { [LeadFields.LastName] = "Scorpio", [LeadFields.Company] = "GLOBEX" },
        }));

        var single = Assert.Single(error.Errors);
        Assert.Equal(LeadFields.Company, single.Field);
        Assert.Equal("duplicate", single.Rule);
        Assert.Contains(account.Id.ToString(), single.Message, StringComparison.Ordinal);
        Assert.Equal(0, await fx.CountAsync(SalesEntities.Lead));
    }

    [Fact]
    public async Task FindDuplicates_AsAUserWhoCannotReadTheMatch_FindsNothing()
    {
        await using var fx = await SalesFixture.StartAsync();
        await fx.LeadAsync("Lovelace", email: "ada@example.com");
        var (_, rep) = await fx.UserAsync("rep", Crm.Engine.Abstractions.Security.SystemRoles.SalesRep);

        Assert.Empty(await fx.For(rep).FindDuplicatesAsync("ada@example.com", null, null));
        Assert.Single(await fx.Sales.FindDuplicatesAsync("ada@example.com", null, null));
    }

    [Fact]
    public async Task CaptureLead_PublishesLeadCapturedAfterCommit()
    {
        await using var fx = await SalesFixture.StartAsync();
        var events = new List<LeadCaptured>();
        using var subscription = fx.Host.Engine.Events.Subscribe<LeadCaptured>((e, _) =>
        {
            events.Add(e);
            return Task.CompletedTask;
        });

        var result = await fx.Sales.CaptureLeadAsync(new LeadCapture { Values = new Dictionary<string, object?> { [LeadFields.LastName] = "Turing" } });

        var captured = Assert.Single(events);
        Assert.Equal(result.Lead.Id, captured.Lead.Id);
        Assert.Equal(fx.Host.Clock.GetUtcNow(), captured.OccurredAt);
    }

    [Fact]
    public async Task PhoneKey_IsMaintainedOnUpdate_AndCannotBeSetByACaller()
    {
        await using var fx = await SalesFixture.StartAsync();
        var lead = await fx.LeadAsync("Lovelace", phone: "030 1234 567");

        var updated = await fx.Tenant.Records.UpdateAsync(SalesEntities.Lead, lead.Id, null, new Dictionary<string, object?> { [LeadFields.Phone] = "+49 30 1234567" });

        Assert.Equal("+49301234567", updated[LeadFields.PhoneKey]);
        var error = await Assert.ThrowsAsync<CrmValidationException>(() =>
            fx.Tenant.Records.UpdateAsync(SalesEntities.Lead, lead.Id, null, new Dictionary<string, object?> { [LeadFields.PhoneKey] = "1" }));
        Assert.Equal(LeadFields.PhoneKey, Assert.Single(error.Errors).Field);
    }
}
