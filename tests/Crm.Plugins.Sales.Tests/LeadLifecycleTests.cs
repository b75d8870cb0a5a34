using Crm.Engine.Abstractions.Errors;

namespace Crm.Plugins.Sales.Tests;

public sealed class LeadLifecycleTests
{
    [Fact]
    public async Task SetLeadStatus_AlongTheLifecycle_StampsEachChange()
    {
        await using var fx = await SalesFixture.StartAsync();
        var lead = await fx.LeadAsync("Lovelace");
        Assert.Equal(fx.Host.Clock.GetUtcNow(), lead[LeadFields.StatusChangedAt]);

        fx.Host.Clock.Advance(TimeSpan.FromHours(2));
        var working = await fx.Sales.SetLeadStatusAsync(lead.Id, LeadStatus.Working);
        var qualified = await fx.Sales.SetLeadStatusAsync(lead.Id, LeadStatus.Qualified);

        Assert.Equal(LeadStatus.Working, working[LeadFields.Status]);
        Assert.Equal(LeadStatus.Qualified, qualified[LeadFields.Status]);
        Assert.Equal(fx.Host.Clock.GetUtcNow(), qualified[LeadFields.StatusChangedAt]);
    }

    [Theory]
    [InlineData(LeadStatus.New, LeadStatus.Converted)]
    [InlineData(LeadStatus.Working, LeadStatus.New)]
    [InlineData(LeadStatus.Disqualified, LeadStatus.Qualified)]
    public async Task InvalidTransition_IsRejectedNamingBothStatuses(string from, string to)
    {
        await using var fx = await SalesFixture.StartAsync();
        var lead = from == LeadStatus.Disqualified
            ? await fx.Tenant.Records.CreateAsync(SalesEntities.Lead, new Dictionary<string, object?> { [LeadFields.LastName] = "X", [LeadFields.Status] = from, [LeadFields.DisqualifiedReason] = "spam" })
            : await fx.LeadAsync("X", status: from);

        var error = await Assert.ThrowsAsync<CrmValidationException>(() =>
            fx.Tenant.Records.UpdateAsync(SalesEntities.Lead, lead.Id, null, new Dictionary<string, object?> { [LeadFields.Status] = to }));

        var single = Assert.Single(error.Errors);
        Assert.Equal(LeadFields.Status, single.Field);
        Assert.Contains($"cannot go from '{from}' to '{to}'", single.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disqualify_WithoutAReason_IsRejected_WithOneItIsKept()
    {
        await using var fx = await SalesFixture.StartAsync();
        var lead = await fx.LeadAsync("Lovelace");

        var error = await Assert.ThrowsAsync<CrmValidationException>(() => fx.Sales.SetLeadStatusAsync(lead.Id, LeadStatus.Disqualified));
        Assert.Equal(LeadFields.DisqualifiedReason, Assert.Single(error.Errors).Field);

        var disqualified = await fx.Sales.SetLeadStatusAsync(lead.Id, LeadStatus.Disqualified, "no budget");
        Assert.Equal("no budget", disqualified[LeadFields.DisqualifiedReason]);
        Assert.Equal(LeadStatus.Working, (await fx.Sales.SetLeadStatusAsync(lead.Id, LeadStatus.Working))[LeadFields.Status]);
    }

    [Fact]
    public async Task CreateLead_AsConverted_IsRejected()
    {
        await using var fx = await SalesFixture.StartAsync();

        var error = await Assert.ThrowsAsync<CrmValidationException>(() => fx.LeadAsync("X", status: LeadStatus.Converted));

        Assert.Equal(LeadFields.Status, Assert.Single(error.Errors).Field);
        Assert.Equal(0, await fx.CountAsync(SalesEntities.Lead));
    }

    [Fact]
    public async Task SetLeadStatus_Converted_PointsToConvertLead()
    {
        await using var fx = await SalesFixture.StartAsync();
        var lead = await fx.LeadAsync("X", status: LeadStatus.Qualified);

        var error = await Assert.ThrowsAsync<CrmValidationException>(() => fx.Sales.SetLeadStatusAsync(lead.Id, LeadStatus.Converted));

        Assert.Contains("ConvertLeadAsync", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetLeadStatus_OfAnUnknownLead_IsNotFound()
    {
        await using var fx = await SalesFixture.StartAsync();

        await Assert.ThrowsAsync<CrmNotFoundException>(() => fx.Sales.SetLeadStatusAsync(Guid.NewGuid(), LeadStatus.Working));
    }
}
