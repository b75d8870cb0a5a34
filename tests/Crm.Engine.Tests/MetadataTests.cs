using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Records;
using static Crm.Engine.Tests.EngineFixture;

namespace Crm.Engine.Tests;

public class MetadataTests(EngineFixture fixture) : IClassFixture<EngineFixture>
{
    private static readonly FieldDefinition[] CustomFields =
    [
        new() { ApiName = "note_c", Type = FieldType.Text, MaxLength = 10 },
        new() { ApiName = "score_c", Type = FieldType.Number, MinValue = 0, MaxValue = 100, Precision = 1 },
        new() { ApiName = "budget_c", Type = FieldType.Money, MinValue = 0 },
        new() { ApiName = "startDate_c", Type = FieldType.Date },
        new() { ApiName = "lastSeen_c", Type = FieldType.DateTime },
        new() { ApiName = "vip_c", Type = FieldType.Bool },
        new() { ApiName = "tier_c", Type = FieldType.Choice, Label = "Loyalty tier", Indexed = true, Options = [new("gold", "Gold"), new("silver", "Silver"), new("bronze", "Bronze")] },
        new() { ApiName = "tags_c", Type = FieldType.MultiChoice, Options = [new("retail", "Retail"), new("online", "Online"), new("export", "Export")] },
        new() { ApiName = "mainContact_c", Type = FieldType.Lookup, LookupTarget = CoreEntities.Contact },
        new() { ApiName = "billingEmail_c", Type = FieldType.Email },
        new() { ApiName = "hotline_c", Type = FieldType.Phone },
    ];

    public static TheoryData<string, object?, string> BadValues => new()
    {
        { "note_c", 42, "type" },
        { "note_c", "eleven chars", "max_length" },
        { "score_c", "12", "type" },
        { "score_c", 100.5m, "range" },
        { "score_c", -1, "range" },
        { "score_c", 1.25m, "precision" },
        { "budget_c", 10.125m, "precision" },
        { "budget_c", true, "type" },
        { "startDate_c", "05.01.2026", "type" },
        { "startDate_c", new DateTime(2026, 1, 5, 10, 30, 0, DateTimeKind.Utc), "type" },
        { "lastSeen_c", new DateTime(2026, 1, 5, 10, 30, 0, DateTimeKind.Unspecified), "type" },
        { "lastSeen_c", "2026-01-05T10:30:00", "type" },
        { "vip_c", "yes", "type" },
        { "vip_c", 1, "type" },
        { "tier_c", "platinum", "unknown_option" },
        { "tier_c", 1, "type" },
        { "tags_c", new List<string> { "retail", "wholesale" }, "unknown_option" },
        { "tags_c", "retail", "type" },
        { "mainContact_c", "not-a-guid", "type" },
        { "mainContact_c", Guid.Parse("0198a8c4-0000-7000-8000-000000000001"), "lookup" },
        { "billingEmail_c", "billing at acme", "format" },
        { "hotline_c", "call me maybe", "format" },
    };

    [Fact]
    public async Task AddCustomFieldAsync_EveryType_ValidValuesStoredInCanonicalTypes()
    {
        var crm = await TenantWithFieldsAsync();
        var contact = await crm.Contacts.CreateAsync(new NewContact("Jan", "Schulz"));

        var account = await crm.Accounts.CreateAsync(new NewAccount("Acme")
        {
            Fields = V(
                ("note_c", "short"),
                ("score_c", 99.5m),
                ("budget_c", 1234.5),
                ("startDate_c", "2026-01-05"),
                ("lastSeen_c", "2026-01-05T10:30:00+02:00"),
                ("vip_c", "true"),
                ("tier_c", "gold"),
                ("tags_c", new List<string> { "online", "retail", "online" }),
                ("mainContact_c", contact.Id.ToString()),
                ("billingEmail_c", "billing@acme.example"),
                ("hotline_c", "+49 30 1234-0 ext. 12")),
        });
        var stored = await crm.Accounts.GetAsync(account.Id);

        foreach (var record in new[] { account, stored! })
        {
            Assert.Equal("short", record.Get<string>("note_c"));
            Assert.Equal(99.5m, record.Get<decimal>("score_c"));
            Assert.Equal(1234.5m, record.Get<decimal>("budget_c"));
            Assert.Equal(new DateOnly(2026, 1, 5), record.Get<DateOnly>("startDate_c"));
            Assert.Equal(new DateTimeOffset(2026, 1, 5, 8, 30, 0, TimeSpan.Zero), record.Get<DateTimeOffset>("lastSeen_c"));
            Assert.Equal(TimeSpan.Zero, record.Get<DateTimeOffset>("lastSeen_c").Offset);
            Assert.True(record.Get<bool>("vip_c"));
            Assert.Equal("gold", record.Get<string>("tier_c"));
            Assert.Equal(["online", "retail"], record.Get<IReadOnlyList<string>>("tags_c")!);
            Assert.Equal(contact.Id, record.Get<Guid>("mainContact_c"));
            Assert.Equal("billing@acme.example", record.Get<string>("billingEmail_c"));
            Assert.Equal("+49 30 1234-0 ext. 12", record.Get<string>("hotline_c"));
        }
    }

    [Theory]
    [MemberData(nameof(BadValues))]
    public async Task CreateAsync_BadCustomValue_TypedErrorNamesEntityFieldValueAndNothingWritten(string field, object? value, string rule)
    {
        var crm = await TenantWithFieldsAsync();

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() =>
            crm.Records.CreateAsync(CoreEntities.Account, V((AccountFields.Name, "Acme"), (field, value))));

        var error = Assert.Single(ex.Errors);
        Assert.Equal((CoreEntities.Account, field, rule), (error.EntityType, error.Field, error.Rule));
        Assert.Equal(value, error.Value);
        Assert.Contains($"{CoreEntities.Account}.{field}", ex.Message, StringComparison.Ordinal);
        Assert.Equal(CrmErrorCodes.Validation, ex.Code);
        Assert.Equal(0, await CountAsync(crm, CoreEntities.Account));
    }

    [Theory]
    [MemberData(nameof(BadValues))]
    public async Task UpdateAsync_BadCustomValue_TypedErrorAndRecordUnchanged(string field, object? value, string rule)
    {
        var crm = await TenantWithFieldsAsync();
        var account = await crm.Accounts.CreateAsync(new NewAccount("Acme") { Fields = V(("note_c", "before")) });

        var valid = field == "vip_c" ? "score_c" : "vip_c";
        object validValue = valid == "vip_c" ? true : 5m;

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() =>
            crm.Records.UpdateAsync(CoreEntities.Account, account.Id, account.Version, V((field, value), (valid, validValue))));

        var error = Assert.Single(ex.Errors);
        Assert.Equal((CoreEntities.Account, field, rule), (error.EntityType, error.Field, error.Rule));
        Assert.Equal(value, error.Value);
        var stored = await crm.Accounts.GetAsync(account.Id);
        Assert.Equal((1L, "before", null), (stored!.Version, stored.Get<string>("note_c"), stored[valid]));
    }

    [Theory]
    [InlineData("Gold", "Did you mean 'gold'?")]
    [InlineData("silvr", "Did you mean 'silver'?")]
    [InlineData("platinum", "Allowed: gold, silver, bronze.")]
    public async Task CreateAsync_UnknownOption_MessageSuggestsOption(string given, string hint)
    {
        var crm = await TenantWithFieldsAsync();

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() =>
            crm.Accounts.CreateAsync(new NewAccount("Acme") { Fields = V(("tier_c", given)) }));

        Assert.Contains($"'{given}' is not an option.", ex.Message, StringComparison.Ordinal);
        Assert.Contains(hint, ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, await CountAsync(crm, CoreEntities.Account));
    }

    [Fact]
    public async Task CreateAsync_UnknownField_SuggestsClosestAndReportsEveryProblemAtOnce()
    {
        var crm = await TenantWithFieldsAsync();

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() =>
            crm.Records.CreateAsync(CoreEntities.Account, V((AccountFields.Name, "Acme"), ("tierr_c", "gold"), ("score_c", 500), ("completelyUnrelated", 1))));

        Assert.Equal(3, ex.Errors.Count);
        var unknown = ex.Errors.Single(e => e.Field == "tierr_c");
        Assert.Equal(("unknown_field", "gold"), (unknown.Rule, unknown.Value));
        Assert.Contains("Did you mean 'tier_c'?", unknown.Message, StringComparison.Ordinal);
        Assert.Equal("range", ex.Errors.Single(e => e.Field == "score_c").Rule);
        Assert.Contains("Add it as a custom field first.", ex.Errors.Single(e => e.Field == "completelyUnrelated").Message, StringComparison.Ordinal);
        Assert.Equal(0, await CountAsync(crm, CoreEntities.Account));
    }

    [Fact]
    public async Task CreateAsync_RequiredCustomFieldMissingOrBlank_RequiredErrorAndNothingWritten()
    {
        var crm = await fixture.NewTenantAsync();
        await crm.Metadata.AddCustomFieldAsync(CoreEntities.Contact, new FieldDefinition { ApiName = "region_c", Type = FieldType.Text, Required = true });

        var missing = await Assert.ThrowsAsync<CrmValidationException>(() => crm.Contacts.CreateAsync(new NewContact("Jan", "Schulz")));
        var blank = await Assert.ThrowsAsync<CrmValidationException>(() => crm.Contacts.CreateAsync(new NewContact("Jan", "Schulz") { Fields = V(("region_c", " ")) }));
        var nulled = await Assert.ThrowsAsync<CrmValidationException>(() => crm.Contacts.CreateAsync(new NewContact("Jan", "Schulz") { Fields = V(("region_c", null)) }));

        foreach (var ex in new[] { missing, blank, nulled })
        {
            var error = Assert.Single(ex.Errors);
            Assert.Equal((CoreEntities.Contact, "region_c", "required"), (error.EntityType, error.Field, error.Rule));
        }

        Assert.Equal(0, await CountAsync(crm, CoreEntities.Contact));
        var ok = await crm.Contacts.CreateAsync(new NewContact("Jan", "Schulz") { Fields = V(("region_c", "North")) });
        var clear = await Assert.ThrowsAsync<CrmValidationException>(() => crm.Records.UpdateAsync(CoreEntities.Contact, ok.Id, ok.Version, V(("region_c", null))));
        Assert.Equal("required", clear.Errors[0].Rule);
        Assert.Equal("North", (await crm.Records.GetAsync(CoreEntities.Contact, ok.Id))!["region_c"]);
    }

    [Fact]
    public async Task CreateAsync_RequiredSystemTextBlank_RequiredError()
    {
        var crm = await fixture.NewTenantAsync();

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => crm.Accounts.CreateAsync(new NewAccount("")));

        Assert.Equal((AccountFields.Name, "required"), (Assert.Single(ex.Errors).Field, ex.Errors[0].Rule));
        Assert.Equal(0, await CountAsync(crm, CoreEntities.Account));
    }

    [Theory]
    [InlineData("loyaltyTier")]
    [InlineData("LoyaltyTier_c")]
    [InlineData("loyalty tier_c")]
    [InlineData("_c")]
    [InlineData("name")]
    public async Task AddCustomFieldAsync_BadApiName_RejectedAndFieldNotAdded(string apiName)
    {
        var crm = await fixture.NewTenantAsync();
        var before = (await crm.Metadata.GetEntityAsync(CoreEntities.Account)).Fields.Count;

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() =>
            crm.Metadata.AddCustomFieldAsync(CoreEntities.Account, new FieldDefinition { ApiName = apiName, Type = FieldType.Text }));

        var error = Assert.Single(ex.Errors);
        Assert.Equal((CoreEntities.Account, apiName, "api_name"), (error.EntityType, error.Field, error.Rule));
        Assert.Contains("_c", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, (await crm.Metadata.GetEntityAsync(CoreEntities.Account)).Fields.Count);
    }

    [Fact]
    public async Task AddCustomFieldAsync_WithoutLabel_LabelFromTheApiNameAndIdDroppedOnlyForLookups()
    {
        var crm = await fixture.NewTenantAsync();

        var text = await crm.Metadata.AddCustomFieldAsync(CoreEntities.Account, new FieldDefinition { ApiName = "mqlId_c", Type = FieldType.Text });
        var lookup = await crm.Metadata.AddCustomFieldAsync(CoreEntities.Account, new FieldDefinition { ApiName = "partnerAccountId_c", Type = FieldType.Lookup, LookupTarget = CoreEntities.Account });

        Assert.Equal(("Mql id", "Partner account"), (text.Label, lookup.Label));
    }

    [Fact]
    public async Task AddCustomFieldAsync_DuplicateApiName_RejectedAndOriginalKept()
    {
        var crm = await fixture.NewTenantAsync();
        await crm.Metadata.AddCustomFieldAsync(CoreEntities.Account, new FieldDefinition { ApiName = "tier_c", Type = FieldType.Text, Label = "Tier" });

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() =>
            crm.Metadata.AddCustomFieldAsync(CoreEntities.Account, new FieldDefinition { ApiName = "tier_c", Type = FieldType.Number }));

        Assert.Equal(("tier_c", "duplicate"), (Assert.Single(ex.Errors).Field, ex.Errors[0].Rule));
        var field = (await crm.Metadata.GetEntityAsync(CoreEntities.Account)).FindField("tier_c");
        Assert.Equal((FieldType.Text, "Tier"), (field!.Type, field.Label));
        Assert.Single((await crm.Metadata.GetEntityAsync(CoreEntities.Account)).Fields, f => f.ApiName == "tier_c");
    }

    [Fact]
    public async Task AddCustomFieldAsync_SameApiNameOnOtherEntityOrTenant_Allowed()
    {
        var a = await fixture.NewTenantAsync();
        var b = await fixture.NewTenantAsync();

        await a.Metadata.AddCustomFieldAsync(CoreEntities.Account, new FieldDefinition { ApiName = "rank_c", Type = FieldType.Number });
        await a.Metadata.AddCustomFieldAsync(CoreEntities.Contact, new FieldDefinition { ApiName = "rank_c", Type = FieldType.Text });
        await b.Metadata.AddCustomFieldAsync(CoreEntities.Account, new FieldDefinition { ApiName = "rank_c", Type = FieldType.Bool });

        Assert.Equal(FieldType.Number, (await a.Metadata.GetEntityAsync(CoreEntities.Account)).FindField("rank_c")!.Type);
        Assert.Equal(FieldType.Text, (await a.Metadata.GetEntityAsync(CoreEntities.Contact)).FindField("rank_c")!.Type);
        Assert.Equal(FieldType.Bool, (await b.Metadata.GetEntityAsync(CoreEntities.Account)).FindField("rank_c")!.Type);
        Assert.Null((await b.Metadata.GetEntityAsync(CoreEntities.Contact)).FindField("rank_c"));
        var unknown = await Assert.ThrowsAsync<CrmValidationException>(() => b.Contacts.CreateAsync(new NewContact("Jan", "Schulz") { Fields = V(("rank_c", "high")) }));
        Assert.Equal(("rank_c", "unknown_field"), (unknown.Errors[0].Field, unknown.Errors[0].Rule));
    }

    public static TheoryData<FieldDefinition, string, string> BadDefinitions => new()
    {
        { new FieldDefinition { ApiName = "kind_c", Type = FieldType.Choice }, "options", "without options" },
        { new FieldDefinition { ApiName = "kind_c", Type = FieldType.Choice, Options = [new("a", "A"), new("a", "Again")] }, "options", "option 'a' twice" },
        { new FieldDefinition { ApiName = "kind_c", Type = FieldType.Number, MaxLength = 10 }, "max_length", "not Number" },
        { new FieldDefinition { ApiName = "kind_c", Type = FieldType.Text, MaxLength = 0 }, "max_length", "maximum length 0" },
        { new FieldDefinition { ApiName = "kind_c", Type = FieldType.Number, MinValue = 10, MaxValue = 1 }, "range", "minimum 10 is greater than maximum 1" },
        { new FieldDefinition { ApiName = "kind_c", Type = FieldType.Text, MinValue = 1 }, "range", "not Text" },
        { new FieldDefinition { ApiName = "kind_c", Type = FieldType.Number, Precision = 11 }, "precision", "precision 11" },
        { new FieldDefinition { ApiName = "kind_c", Type = FieldType.Lookup }, "lookup_target", "without a target" },
        { new FieldDefinition { ApiName = "kind_c", Type = FieldType.Lookup, LookupTarget = "invoice" }, "lookup_target", "'invoice'" },
        { new FieldDefinition { ApiName = "kind_c", Type = FieldType.Text, ReadOnly = true }, "read_only", "read-only" },
        { new FieldDefinition { ApiName = "kind_c", Type = FieldType.Text, Label = "  " }, "label", "blank" },
    };

    [Theory]
    [MemberData(nameof(BadDefinitions))]
    public async Task AddCustomFieldAsync_BadDefinition_RuleAndValueNamedAndFieldNotAdded(FieldDefinition definition, string rule, string named)
    {
        var crm = await fixture.NewTenantAsync();
        var before = (await crm.Metadata.GetEntityAsync(CoreEntities.Account)).Fields.Count;

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => crm.Metadata.AddCustomFieldAsync(CoreEntities.Account, definition));

        var error = Assert.Single(ex.Errors, e => e.Rule == rule);
        Assert.Equal((CoreEntities.Account, "kind_c"), (error.EntityType, error.Field));
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
        Assert.Null((await crm.Metadata.GetEntityAsync(CoreEntities.Account)).FindField("kind_c"));
        Assert.Equal(before, (await crm.Metadata.GetEntityAsync(CoreEntities.Account)).Fields.Count);
    }

    [Fact]
    public async Task AddCustomFieldAsync_UnknownEntity_NotFoundWithSuggestion()
    {
        var crm = await fixture.NewTenantAsync();

        var ex = await Assert.ThrowsAsync<CrmNotFoundException>(() =>
            crm.Metadata.AddCustomFieldAsync("acount", new FieldDefinition { ApiName = "x_c", Type = FieldType.Text }));

        Assert.Contains("'acount'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("did you mean 'account'?", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddCustomFieldAsync_NoLabel_LabelDerivedFromApiName()
    {
        var crm = await fixture.NewTenantAsync();

        var field = await crm.Metadata.AddCustomFieldAsync(CoreEntities.Account, new FieldDefinition { ApiName = "preferredChannel_c", Type = FieldType.Text });

        Assert.Equal("Preferred channel", field.Label);
        Assert.True(field.Definition.IsCustom);
        var listed = (await crm.Metadata.GetEntityAsync(CoreEntities.Account)).FindField("preferredChannel_c");
        Assert.Equal(("Preferred channel", true), (listed!.Label, listed.Definition.IsCustom));
    }

    [Fact]
    public async Task RenameFieldAsync_OneTenant_LabelChangedOnlyThereAndApiNameKept()
    {
        var a = await fixture.NewTenantAsync();
        var b = await fixture.NewTenantAsync();
        foreach (var t in new[] { a, b })
        {
            await t.Metadata.AddCustomFieldAsync(CoreEntities.Account, new FieldDefinition { ApiName = "tier_c", Type = FieldType.Text, Label = "Tier" });
        }

        var account = await a.Accounts.CreateAsync(new NewAccount("Acme") { Fields = V(("tier_c", "gold")) });
        await a.Metadata.RenameFieldAsync(CoreEntities.Account, "tier_c", "  Loyalty level ");
        await a.Metadata.RenameFieldAsync(CoreEntities.Account, AccountFields.AccountNumber, "Customer number");

        var inA = await a.Metadata.GetEntityAsync(CoreEntities.Account);
        var inB = await b.Metadata.GetEntityAsync(CoreEntities.Account);
        Assert.Equal("Loyalty level", inA.FindField("tier_c")!.Label);
        Assert.Equal("Customer number", inA.FindField(AccountFields.AccountNumber)!.Label);
        Assert.Equal("Tier", inB.FindField("tier_c")!.Label);
        Assert.Equal("Account number", inB.FindField(AccountFields.AccountNumber)!.Label);
        Assert.Equal("gold", (await a.Accounts.GetAsync(account.Id))!["tier_c"]);
        Assert.Equal(1, await a.Records.CountAsync(RecordQuery.For(CoreEntities.Account).Where("tier_c", "gold")));
    }

    [Fact]
    public async Task RenameEntityAsync_OneTenant_DisplayNamesChangedOnlyThere()
    {
        var a = await fixture.NewTenantAsync();
        var b = await fixture.NewTenantAsync();

        await a.Metadata.RenameEntityAsync(CoreEntities.Account, "Customer");
        await a.Metadata.RenameEntityAsync(CoreEntities.Contact, "Person", "People");

        var account = await a.Metadata.GetEntityAsync(CoreEntities.Account);
        Assert.Equal(("Customer", "Customers"), (account.DisplayName, account.PluralName));
        var contact = (await a.Metadata.ListEntitiesAsync()).Single(e => e.ApiName == CoreEntities.Contact);
        Assert.Equal(("Person", "People"), (contact.DisplayName, contact.PluralName));
        var other = await b.Metadata.GetEntityAsync(CoreEntities.Account);
        Assert.Equal(("Account", "Accounts"), (other.DisplayName, other.PluralName));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task Rename_BlankLabel_RejectedAndLabelUnchanged(string label)
    {
        var crm = await fixture.NewTenantAsync();

        var field = await Assert.ThrowsAsync<CrmValidationException>(() => crm.Metadata.RenameFieldAsync(CoreEntities.Account, AccountFields.Name, label));
        var entity = await Assert.ThrowsAsync<CrmValidationException>(() => crm.Metadata.RenameEntityAsync(CoreEntities.Account, label));
        var plural = await Assert.ThrowsAsync<CrmValidationException>(() => crm.Metadata.RenameEntityAsync(CoreEntities.Account, "Customer", label));

        Assert.Equal((CoreEntities.Account, AccountFields.Name, "label"), (field.Errors[0].EntityType, field.Errors[0].Field, field.Errors[0].Rule));
        Assert.Equal("label", entity.Errors[0].Rule);
        Assert.Equal("label", plural.Errors[0].Rule);
        var account = await crm.Metadata.GetEntityAsync(CoreEntities.Account);
        Assert.Equal(("Account", "Account name"), (account.DisplayName, account.FindField(AccountFields.Name)!.Label));
    }

    [Fact]
    public async Task RenameFieldAsync_UnknownField_ErrorSuggestsClosest()
    {
        var crm = await fixture.NewTenantAsync();

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => crm.Metadata.RenameFieldAsync(CoreEntities.Account, "accountNumbr", "Number"));

        var error = Assert.Single(ex.Errors);
        Assert.Equal((CoreEntities.Account, "accountNumbr", "unknown_field"), (error.EntityType, error.Field, error.Rule));
        Assert.Contains("Did you mean 'accountNumber'?", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListEntitiesAsync_CoreEntities_SystemFieldsBeforeCustomFields()
    {
        var crm = await fixture.NewTenantAsync();
        await crm.Metadata.AddCustomFieldAsync(CoreEntities.Activity, new FieldDefinition { ApiName = "zone_c", Type = FieldType.Text });

        var entities = await crm.Metadata.ListEntitiesAsync();

        Assert.Equal([CoreEntities.Account, CoreEntities.Activity, CoreEntities.Contact], entities.Select(e => e.ApiName));
        var activity = entities.Single(e => e.ApiName == CoreEntities.Activity);
        Assert.Equal("zone_c", activity.Fields[^1].ApiName);
        Assert.All(activity.Fields.SkipLast(1), f => Assert.False(f.Definition.IsCustom));
    }

    private async Task<ICrmTenant> TenantWithFieldsAsync()
    {
        var crm = await fixture.NewTenantAsync("meta");
        foreach (var field in CustomFields)
        {
            await crm.Metadata.AddCustomFieldAsync(CoreEntities.Account, field);
        }

        return crm;
    }
}
