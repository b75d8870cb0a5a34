using System.Text.Json;
using Crm.Engine.Abstractions.Customers;

namespace Crm.Engine.Cli.Tests;

public sealed class RecordListTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task AccountList_WhereOnCustomChoiceField_JsonHasOnlyMatches()
    {
        await SeedAccountsAsync();

        var json = await _cli.RunOkAsync("account", "list", "--tenant", "acme", "--where", "loyaltyTier_c=gold", "--sort", "name", "--json");

        var accounts = ParseArray(json);
        Assert.Equal(["Alpha AG", "Gamma KG"], accounts.Select(a => a.GetProperty("name").GetString()));
        Assert.All(accounts, a => Assert.Equal("gold", a.GetProperty("loyaltyTier_c").GetString()));
        Assert.All(accounts, a => Assert.True(Guid.TryParse(a.GetProperty("id").GetString(), out _)));
    }

    [Fact]
    public async Task AccountList_WhereTypedValues_ParsesNumbersDatesAndBooleans()
    {
        await SeedAccountsAsync();

        var byNumber = ParseArray(await _cli.RunOkAsync("account", "list", "--tenant", "acme", "--where", "score_c>=50.5", "--sort", "-score_c", "--json"));
        var byDate = ParseArray(await _cli.RunOkAsync("account", "list", "--tenant", "acme", "--where", "since_c<2024-01-01", "--json"));
        var byBool = ParseArray(await _cli.RunOkAsync("account", "list", "--tenant", "acme", "--where", "vip_c=true", "--where", "loyaltyTier_c=gold", "--json"));

        Assert.Equal(["Gamma KG", "Beta GmbH"], byNumber.Select(a => a.GetProperty("name").GetString()));
        Assert.Equal(90.5m, byNumber[0].GetProperty("score_c").GetDecimal());
        Assert.Equal(["Alpha AG"], byDate.Select(a => a.GetProperty("name").GetString()));
        Assert.Equal("2020-03-15", byDate[0].GetProperty("since_c").GetString());
        Assert.Equal(["Gamma KG"], byBool.Select(a => a.GetProperty("name").GetString()));
        Assert.True(byBool[0].GetProperty("vip_c").GetBoolean());
    }

    [Fact]
    public async Task AccountList_ContainsAndRecordColumns_FilterAndSort()
    {
        await SeedAccountsAsync();

        var contains = ParseArray(await _cli.RunOkAsync("account", "list", "--tenant", "acme", "--where", "name~gmbh", "--json"));
        var all = ParseArray(await _cli.RunOkAsync("account", "list", "--tenant", "acme", "--where", "createdAt>=2000-01-01", "--sort", "loyaltyTier_c,-name", "--json"));
        var byId = ParseArray(await _cli.RunOkAsync("account", "list", "--tenant", "acme", "--where", $"id={all[0].GetProperty("id").GetString()}", "--json"));

        Assert.Equal(["Beta GmbH"], contains.Select(a => a.GetProperty("name").GetString()));
        Assert.Equal(["Gamma KG", "Alpha AG", "Beta GmbH"], all.Select(a => a.GetProperty("name").GetString()));
        Assert.Equal(["Gamma KG"], byId.Select(a => a.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task AccountList_Table_ShowsTenantLabelsAndCount()
    {
        await SeedAccountsAsync();
        await _cli.RunOkAsync("entity", "rename", "account", "Customer", "--tenant", "acme");

        var output = await _cli.RunOkAsync("account", "list", "--tenant", "acme", "--sort", "name", "--take", "2");

        Assert.Contains("Loyalty tier", output, StringComparison.Ordinal);
        Assert.Contains("Alpha AG", output, StringComparison.Ordinal);
        Assert.Contains("Beta GmbH", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Gamma KG", output, StringComparison.Ordinal);
        Assert.Contains("2 of 3 Customers (use --take to see more).", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AccountList_ValueNotOfFieldType_ExitsOneNamingField()
    {
        await SeedAccountsAsync();

        var number = await _cli.RunAsync("account", "list", "--tenant", "acme", "--where", "score_c=1,5");
        var date = await _cli.RunAsync("account", "list", "--tenant", "acme", "--where", "since_c=15.03.2020");
        var unknown = await _cli.RunAsync("account", "list", "--tenant", "acme", "--where", "tier_c=gold");

        Assert.Equal(1, number.ExitCode);
        Assert.Contains("--where score_c: '1,5' is not a number", number.Error, StringComparison.Ordinal);
        Assert.Equal(1, date.ExitCode);
        Assert.Contains("yyyy-MM-dd", date.Error, StringComparison.Ordinal);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("account has no field 'tier_c'", unknown.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ContactList_WhereOnCustomField_JsonHasOnlyMatches()
    {
        await _cli.InitAsync("acme");
        await _cli.RunOkAsync("field", "add", "contact", "preferredChannel_c", "--type", "choice", "--option", "email=E-mail", "--option", "sms=SMS", "--tenant", "acme");
        await _cli.WithEngineAsync(async engine =>
        {
            var crm = engine.ForTenant("acme");
            await crm.Contacts.CreateAsync(new NewContact("Jan", "Schulz") { Fields = new Dictionary<string, object?> { ["preferredChannel_c"] = "sms" } });
            await crm.Contacts.CreateAsync(new NewContact("Eva", "Koch") { Fields = new Dictionary<string, object?> { ["preferredChannel_c"] = "email" } });
            await crm.Contacts.CreateAsync(new NewContact("Max", "Bauer"));
            return 0;
        });

        var sms = ParseArray(await _cli.RunOkAsync("contact", "list", "--tenant", "acme", "--where", "preferredChannel_c=sms", "--json"));
        var none = ParseArray(await _cli.RunOkAsync("contact", "list", "--tenant", "acme", "--where", "preferredChannel_c=", "--json"));
        var table = await _cli.RunOkAsync("contact", "list", "--tenant", "acme", "--sort", "lastName");

        Assert.Equal(["Schulz"], sms.Select(c => c.GetProperty("lastName").GetString()));
        Assert.Equal(["Bauer"], none.Select(c => c.GetProperty("lastName").GetString()));
        Assert.Contains("3 of 3 Contacts.", table, StringComparison.Ordinal);
        Assert.True(table.IndexOf("Bauer", StringComparison.Ordinal) < table.IndexOf("Koch", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AccountList_OtherTenant_SeesNoneOfTheRecords()
    {
        await SeedAccountsAsync();
        await _cli.RunOkAsync("tenant", "create", "globex", "--name", "Globex");

        var json = await _cli.RunOkAsync("account", "list", "--tenant", "globex", "--json");

        Assert.Empty(ParseArray(json));
    }

    private static List<JsonElement> ParseArray(string json)
    {
        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.EnumerateArray().Select(e => e.Clone())];
    }

    private async Task SeedAccountsAsync()
    {
        await _cli.InitAsync("acme");
        await _cli.RunOkAsync("field", "add", "account", "loyaltyTier_c", "--type", "choice", "--label", "Loyalty tier", "--option", "gold=Gold", "--option", "silver=Silver", "--indexed", "--tenant", "acme");
        await _cli.RunOkAsync("field", "add", "account", "score_c", "--type", "number", "--tenant", "acme");
        await _cli.RunOkAsync("field", "add", "account", "since_c", "--type", "date", "--tenant", "acme");
        await _cli.RunOkAsync("field", "add", "account", "vip_c", "--type", "bool", "--tenant", "acme");
        await _cli.WithEngineAsync(async engine =>
        {
            var crm = engine.ForTenant("acme");
            await crm.Accounts.CreateAsync(new NewAccount("Alpha AG") { Fields = Values("gold", 10m, new DateOnly(2020, 3, 15), false) });
            await crm.Accounts.CreateAsync(new NewAccount("Beta GmbH") { Fields = Values("silver", 50.5m, new DateOnly(2024, 6, 1), true) });
            await crm.Accounts.CreateAsync(new NewAccount("Gamma KG") { Fields = Values("gold", 90.5m, new DateOnly(2025, 1, 2), true) });
            return 0;
        });
    }

    private static Dictionary<string, object?> Values(string tier, decimal score, DateOnly since, bool vip) => new()
    {
        ["loyaltyTier_c"] = tier,
        ["score_c"] = score,
        ["since_c"] = since,
        ["vip_c"] = vip,
    };
}
