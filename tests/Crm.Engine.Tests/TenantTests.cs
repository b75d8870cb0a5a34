using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Tenancy;

namespace Crm.Engine.Tests;

public class TenantTests(EngineFixture fixture) : IClassFixture<EngineFixture>
{
    private ITenantAdministration Tenants => fixture.Engine.Tenants;

    [Fact]
    public async Task CreateAsync_ValidTenant_IsStoredWithSettingsAndListed()
    {
        var settings = new TenantSettings("Europe/Berlin", "de-DE", "EUR");

        var created = await Tenants.CreateAsync("acme-create", "Acme GmbH", settings);

        Assert.Equal("acme-create", created.Id);
        Assert.Equal(settings, created.Settings);
        Assert.Equal(fixture.Host.Clock.GetUtcNow(), created.CreatedAt);
        var read = await Tenants.GetAsync("acme-create");
        Assert.Equal(created, read);
        Assert.Contains(await Tenants.ListAsync(), t => t.Id == "acme-create" && t.Name == "Acme GmbH");
        var root = await fixture.Engine.ForTenant("acme-create").Organization.GetRootUnitAsync();
        Assert.Null(root.ParentId);
    }

    [Fact]
    public async Task ListAsync_SeveralTenants_OrderedById()
    {
        await Tenants.CreateAsync("list-b", "B");
        await Tenants.CreateAsync("list-a", "A");

        var ids = (await Tenants.ListAsync()).Select(t => t.Id).ToList();

        Assert.Equal(ids.Order(StringComparer.Ordinal), ids);
        Assert.True(ids.IndexOf("list-a") < ids.IndexOf("list-b"));
    }

    [Fact]
    public async Task CreateAsync_NoSettings_DefaultsToUtcEnUsUsd()
    {
        var created = await Tenants.CreateAsync("defaults", "Defaults");

        Assert.Equal(new TenantSettings("UTC", "en-US", "USD"), created.Settings);
    }

    [Theory]
    [InlineData("Mars/Olympus", "en-US", "USD", "timeZone")]
    [InlineData("UTC", "xx-NOTACULTURE", "USD", "culture")]
    [InlineData("UTC", "", "USD", "culture")]
    [InlineData("UTC", "en-US", "eur", "currency")]
    [InlineData("UTC", "en-US", "EURO", "currency")]
    public async Task CreateAsync_BadSetting_ValidationErrorNamesSettingAndNothingIsStored(string timeZone, string culture, string currency, string field)
    {
        var id = "bad-" + field.ToLowerInvariant() + "-" + currency.Length;
        var settings = new TenantSettings(timeZone, culture, currency);
        var bad = field switch { "timeZone" => timeZone, "culture" => culture, _ => currency };

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => Tenants.CreateAsync(id, "Bad", settings));

        var error = Assert.Single(ex.Errors);
        Assert.Equal("tenant", error.EntityType);
        Assert.Equal(field, error.Field);
        Assert.Equal(bad, error.Value);
        Assert.Contains(bad, ex.Message, StringComparison.Ordinal);
        Assert.Null(await Tenants.GetAsync(id));
    }

    [Fact]
    public async Task UpdateSettingsAsync_BadTimeZone_RejectedAndSettingsUnchanged()
    {
        await Tenants.CreateAsync("upd-settings", "U", new TenantSettings("Europe/Berlin", "de-DE", "EUR"));

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => Tenants.UpdateSettingsAsync("upd-settings", new TenantSettings("Nowhere/City", "de-DE", "EUR")));

        Assert.Equal("timeZone", Assert.Single(ex.Errors).Field);
        Assert.Equal("Europe/Berlin", (await Tenants.GetAsync("upd-settings"))!.Settings.TimeZone);
        var updated = await Tenants.UpdateSettingsAsync("upd-settings", new TenantSettings("America/New_York", "en-US", "USD"));
        Assert.Equal("America/New_York", updated.Settings.TimeZone);
    }

    [Fact]
    public async Task UpdateSettingsAsync_UnknownTenant_TenantNotFound()
    {
        var ex = await Assert.ThrowsAsync<CrmTenantNotFoundException>(() => Tenants.UpdateSettingsAsync("no-such-tenant", new TenantSettings()));

        Assert.Equal("no-such-tenant", ex.TenantId);
    }

    [Fact]
    public async Task CreateAsync_DuplicateId_ValidationErrorAndOriginalKept()
    {
        await Tenants.CreateAsync("dup", "Original");

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => Tenants.CreateAsync("dup", "Copy"));

        var error = Assert.Single(ex.Errors);
        Assert.Equal(("tenant", "id", "dup", "duplicate"), (error.EntityType, error.Field, error.Value as string, error.Rule));
        Assert.Equal("Original", (await Tenants.GetAsync("dup"))!.Name);
        Assert.Single(await fixture.Engine.ForTenant("dup").Organization.ListUnitsAsync());
    }

    [Theory]
    [InlineData("A")]
    [InlineData("Acme")]
    [InlineData("-acme")]
    [InlineData("acme-")]
    [InlineData("ac--me")]
    [InlineData("acme corp")]
    [InlineData("acme_corp")]
    [InlineData("")]
    public async Task CreateAsync_BadId_ValidationErrorNamesId(string id)
    {
        var before = (await Tenants.ListAsync()).Count;

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => Tenants.CreateAsync(id, "Name"));

        var error = Assert.Single(ex.Errors);
        Assert.Equal(("tenant", "id", "format"), (error.EntityType, error.Field, error.Rule));
        Assert.Equal(id, error.Value);
        Assert.Equal(before, (await Tenants.ListAsync()).Count);
    }

    [Fact]
    public async Task CreateAsync_TooLongId_Rejected()
    {
        var id = new string('a', 64);

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => Tenants.CreateAsync(id, "Long"));

        Assert.Equal("id", Assert.Single(ex.Errors).Field);
    }

    [Fact]
    public async Task CreateAsync_BlankName_Rejected()
    {
        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => Tenants.CreateAsync("blank-name", "  "));

        Assert.Equal("name", Assert.Single(ex.Errors).Field);
        Assert.Null(await Tenants.GetAsync("blank-name"));
    }

    [Fact]
    public async Task ForTenant_UnknownTenant_EveryServiceFailsWithTenantNotFound()
    {
        var ghost = fixture.Engine.ForTenant("ghost");

        var ex = await Assert.ThrowsAsync<CrmTenantNotFoundException>(() => ghost.Records.CountAsync(RecordQuery.For(CoreEntities.Account)));
        Assert.Equal("ghost", ex.TenantId);
        await Assert.ThrowsAsync<CrmTenantNotFoundException>(() => ghost.Accounts.CreateAsync(new NewAccount("X")));
        await Assert.ThrowsAsync<CrmTenantNotFoundException>(() => ghost.Records.GetAsync(CoreEntities.Account, Guid.NewGuid()));
        await Assert.ThrowsAsync<CrmTenantNotFoundException>(() => ghost.Metadata.ListEntitiesAsync());
        await Assert.ThrowsAsync<CrmTenantNotFoundException>(() => ghost.Organization.ListUsersAsync());
        Assert.Null(await Tenants.GetAsync("ghost"));
    }
}
