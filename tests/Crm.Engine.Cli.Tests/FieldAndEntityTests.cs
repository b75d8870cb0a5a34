using System.Text.Json;
using Crm.Engine.Abstractions.Metadata;

namespace Crm.Engine.Cli.Tests;

public sealed class FieldAndEntityTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task FieldAdd_SeveralTypes_AppearInListAndStore()
    {
        await _cli.InitAsync("acme");

        var added = await _cli.RunOkAsync("field", "add", "account", "loyaltyTier_c", "--type", "choice", "--label", "Loyalty tier",
            "--option", "gold=Gold", "--option", "silver=Silver", "--option", "bronze", "--indexed", "--tenant", "acme");
        await _cli.RunOkAsync("field", "add", "account", "score_c", "--type", "number", "--min", "0", "--max", "100.5", "--precision", "1", "--tenant", "acme");
        await _cli.RunOkAsync("field", "add", "account", "customerSince_c", "--type", "date", "--required", "--tenant", "acme");
        await _cli.RunOkAsync("field", "add", "account", "vip_c", "--type", "bool", "--tenant", "acme");
        await _cli.RunOkAsync("field", "add", "account", "partner_c", "--type", "lookup", "--target", "account", "--tenant", "acme");
        await _cli.RunOkAsync("field", "add", "account", "nickname_c", "--type", "text", "--max-length", "40", "--tenant", "acme");
        var table = await _cli.RunOkAsync("field", "list", "account", "--tenant", "acme");
        var json = await _cli.RunOkAsync("field", "list", "account", "--tenant", "acme", "--json");

        Assert.Contains("Added field account.loyaltyTier_c ('Loyalty tier', choice", added, StringComparison.Ordinal);
        Assert.Contains("gold=Gold, silver=Silver, bronze", table, StringComparison.Ordinal);
        Assert.Contains("Loyalty tier", table, StringComparison.Ordinal);
        Assert.Contains("customerSince_c", table, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(json);
        var fields = document.RootElement.EnumerateArray().ToDictionary(f => f.GetProperty("apiName").GetString()!);
        Assert.False(fields["name"].GetProperty("custom").GetBoolean());
        Assert.Equal("choice", fields["loyaltyTier_c"].GetProperty("type").GetString());
        Assert.Equal(["gold", "silver", "bronze"], fields["loyaltyTier_c"].GetProperty("options").EnumerateArray().Select(o => o.GetProperty("value").GetString()));
        Assert.Equal(100.5m, fields["score_c"].GetProperty("max").GetDecimal());
        Assert.Equal(1, fields["score_c"].GetProperty("precision").GetInt32());
        Assert.True(fields["customerSince_c"].GetProperty("required").GetBoolean());
        Assert.Equal("date", fields["customerSince_c"].GetProperty("type").GetString());
        Assert.Equal("bool", fields["vip_c"].GetProperty("type").GetString());
        Assert.Equal("account", fields["partner_c"].GetProperty("target").GetString());
        Assert.Equal(40, fields["nickname_c"].GetProperty("maxLength").GetInt32());
        Assert.Equal(
            ["loyaltyTier_c", "score_c", "customerSince_c", "vip_c", "partner_c", "nickname_c"],
            fields.Values.Where(f => f.GetProperty("custom").GetBoolean()).Select(f => f.GetProperty("apiName").GetString()));

        var stored = await _cli.WithEngineAsync(engine => engine.ForTenant("acme").Metadata.GetEntityAsync("account"));
        var tier = stored.FindField("loyaltyTier_c");
        Assert.NotNull(tier);
        Assert.Equal(FieldType.Choice, tier.Type);
        Assert.True(tier.Definition.Indexed);
        Assert.Equal(new ChoiceOption("bronze", "bronze"), tier.Definition.Options[2]);
        Assert.Equal(FieldType.Lookup, stored.FindField("partner_c")?.Type);
    }

    [Fact]
    public async Task FieldAdd_AutoNumber_NewRecordsNumberedAndBadFormatNamed()
    {
        await _cli.InitAsync("acme");

        var added = await _cli.RunOkAsync("field", "add", "account", "customerNo_c", "--type", "text", "--auto-number", "C-{yyyy}-{seq:000}", "--tenant", "acme");
        var json = await _cli.RunOkAsync("field", "list", "account", "--tenant", "acme", "--json");
        var bad = await _cli.RunAsync("field", "add", "account", "other_c", "--type", "text", "--auto-number", "C-{sq}", "--tenant", "acme");
        var created = await _cli.WithEngineAsync(engine => engine.ForTenant("acme").Records.CreateAsync("account", new Dictionary<string, object?> { ["name"] = "Acme" }));

        Assert.Contains("auto-number C-{yyyy}-{seq:000}", added, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(json);
        Assert.Equal("C-{yyyy}-{seq:000}", document.RootElement.EnumerateArray().Single(f => f.GetProperty("apiName").GetString() == "customerNo_c").GetProperty("autoNumber").GetString());
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("account.other_c: auto-number format 'C-{sq}': unknown token '{sq}'", bad.Error, StringComparison.Ordinal);
        Assert.Matches(@"^C-20\d\d-001$", (string?)created["customerNo_c"]);

        Assert.Contains("account.customerNo_c is numbered 'K{yyyy}/{seq:00000}' for tenant acme.", await _cli.RunOkAsync("field", "number", "account", "customerNo_c", "K{yyyy}/{seq:00000}", "--tenant", "acme"), StringComparison.Ordinal);
        var renumbered = await _cli.WithEngineAsync(engine => engine.ForTenant("acme").Records.CreateAsync("account", new Dictionary<string, object?> { ["name"] = "Globex" }));
        Assert.Matches(@"^K20\d\d/00002$", (string?)renumbered["customerNo_c"]);
        Assert.Equal(2, (await _cli.RunAsync("field", "number", "account", "customerNo_c", "--tenant", "acme")).ExitCode);
        Assert.Contains("is numbered 'C-{yyyy}-{seq:000}'", await _cli.RunOkAsync("field", "number", "account", "customerNo_c", "--reset", "--tenant", "acme"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FieldAdd_NameWithoutCustomSuffix_ExitsOneNamingTheField()
    {
        await _cli.InitAsync("acme");

        var result = await _cli.RunAsync("field", "add", "account", "tier", "--type", "text", "--tenant", "acme");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: account.tier (value \"tier\"): ", result.Error, StringComparison.Ordinal);
        Assert.Contains("_c", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
        var stored = await _cli.WithEngineAsync(engine => engine.ForTenant("acme").Metadata.GetEntityAsync("account"));
        Assert.Null(stored.FindField("tier"));
        Assert.DoesNotContain(stored.Fields, f => f.Definition.IsCustom);
    }

    [Fact]
    public async Task FieldAdd_DuplicateName_ExitsOne()
    {
        await _cli.InitAsync("acme");
        await _cli.RunOkAsync("field", "add", "contact", "hobby_c", "--type", "text", "--tenant", "acme");

        var result = await _cli.RunAsync("field", "add", "contact", "hobby_c", "--type", "number", "--tenant", "acme");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("contact.hobby_c", result.Error, StringComparison.Ordinal);
        var stored = await _cli.WithEngineAsync(engine => engine.ForTenant("acme").Metadata.GetEntityAsync("contact"));
        Assert.Equal(FieldType.Text, stored.FindField("hobby_c")?.Type);
    }

    [Fact]
    public async Task FieldRename_ForOneTenant_LeavesOtherTenantUnchanged()
    {
        await _cli.InitAsync("acme", "globex");

        var output = await _cli.RunOkAsync("field", "rename", "account", "industry", "Sector", "--tenant", "acme");
        var acmeFields = await _cli.RunOkAsync("field", "list", "account", "--tenant", "acme");
        var globexFields = await _cli.RunOkAsync("field", "list", "account", "--tenant", "globex");

        Assert.Contains("label 'Sector'", output, StringComparison.Ordinal);
        Assert.Contains("Sector", acmeFields, StringComparison.Ordinal);
        Assert.DoesNotContain("Sector", globexFields, StringComparison.Ordinal);
        var (acme, globex) = await _cli.WithEngineAsync(async engine => (
            (await engine.ForTenant("acme").Metadata.GetEntityAsync("account")).FindField("industry")!.Label,
            (await engine.ForTenant("globex").Metadata.GetEntityAsync("account")).FindField("industry")!.Label));
        Assert.Equal("Sector", acme);
        Assert.Equal("Industry", globex);
    }

    [Fact]
    public async Task FieldRename_UnknownField_ExitsOneNamingTheField()
    {
        await _cli.InitAsync("acme");

        var result = await _cli.RunAsync("field", "rename", "account", "industri", "Sector", "--tenant", "acme");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("account.industri", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FieldList_UnknownEntity_ExitsOne()
    {
        await _cli.InitAsync("acme");

        var result = await _cli.RunAsync("field", "list", "invoice", "--tenant", "acme");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("invoice", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EntityRename_ShowsNewNamesInListForThatTenantOnly()
    {
        await _cli.InitAsync("acme", "globex");

        var output = await _cli.RunOkAsync("entity", "rename", "account", "Customer", "--plural", "Customers", "--tenant", "acme");
        var json = await _cli.RunOkAsync("entity", "list", "--tenant", "acme", "--json");
        var table = await _cli.RunOkAsync("entity", "list", "--tenant", "acme");
        var other = await _cli.RunOkAsync("entity", "list", "--tenant", "globex", "--json");

        Assert.Contains("shown as 'Customer' (plural 'Customers')", output, StringComparison.Ordinal);
        Assert.Contains("Customers", table, StringComparison.Ordinal);
        using var acme = JsonDocument.Parse(json);
        var account = acme.RootElement.EnumerateArray().Single(e => e.GetProperty("apiName").GetString() == "account");
        Assert.Equal("Customer", account.GetProperty("displayName").GetString());
        Assert.Equal("Customers", account.GetProperty("pluralName").GetString());
        using var globex = JsonDocument.Parse(other);
        Assert.Equal("Account", globex.RootElement.EnumerateArray().Single(e => e.GetProperty("apiName").GetString() == "account").GetProperty("displayName").GetString());
    }

    [Fact]
    public async Task EntityRename_BlankName_ExitsOne()
    {
        await _cli.InitAsync("acme");

        var result = await _cli.RunAsync("entity", "rename", "account", " ", "--tenant", "acme");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: account", result.Error, StringComparison.Ordinal);
    }
}
