namespace Crm.Engine.Cli.Tests.Rules;

/// <summary><c>crm rules ...</c> in-process: validate/test/explain without a database, apply/history/rollback with one.</summary>
public sealed class RuleCommandTests : IDisposable
{
    private const string AccountPack = """
        schemaVersion: 1
        rules:
          - name: Gold customers are flagged
            when:
              - match: account
                where: account.loyaltyTier_c == 'gold'
            then:
              - action: log
                with: { message: '="gold: " + account.name' }
        """;

    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private static string Samples => Path.Combine(FindRoot(), "samples", "rule-packs");

    private static string Sample(string file) => Path.Combine(Samples, file);

    [Fact]
    public async Task Validate_SamplePacks_WithEntities_AreValid()
    {
        foreach (var pack in new[] { "complaint-desk.yaml", "complaint-desk-globex.yaml", "process-mapping.yaml", "routing.json" })
        {
            var output = await _cli.RunOkAsync("rules", "validate", Sample(pack), "--entities", Sample("entities.json"));
            Assert.Contains($"{pack}: valid (checked against the built-in entities and entities.json)", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Validate_BadPack_PrintsEveryErrorWithPosition_AndFails()
    {
        var file = Write("bad.yaml", """
            schemaVersion: 1
            rules:
              - name: Bad
                when:
                  - match: account
                    where: account.nme == 'x'
                then:
                  - action: lgo
            """);
        var result = await _cli.RunAsync("rules", "validate", file);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error: bad.yaml(6,24): rule 'Bad': 'nme' is not a field of account", result.Error, StringComparison.Ordinal);
        Assert.Contains("error: bad.yaml(8,17): rule 'Bad': unknown action 'lgo' (did you mean 'log'?)", result.Error, StringComparison.Ordinal);
        Assert.Contains("2 error(s).", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Test_PrintsFiringsInOrderWithFactsAndActions()
    {
        var facts = Write("facts.json", """
            [
              { "type": "account", "id": "11111111-1111-1111-1111-111111111111", "name": "Acme", "loyaltyTier_c": "gold" },
              { "type": "case", "id": "22222222-2222-2222-2222-222222222222", "subject": "Broken kettle", "category": "complaint",
                "priority": "urgent", "complaintType": "productQuality", "accountId": "11111111-1111-1111-1111-111111111111" }
            ]
            """);
        var output = await _cli.RunOkAsync("rules", "test", Sample("complaint-desk.yaml"), "--facts", facts, "--entities", Sample("entities.json"));
        Assert.Contains("Dry run of complaint-desk.yaml on 2 fact(s): 2 rule firing(s), 4 action(s) would be taken. Nothing was changed.", output, StringComparison.Ordinal);
        var first = output.IndexOf("1. Classify urgent complaint", StringComparison.Ordinal);
        var second = output.IndexOf("2. Route product-quality complaint", StringComparison.Ordinal);
        Assert.True(first >= 0 && second > first, output);
        Assert.Contains("facts: case = case 22222222-2222-2222-2222-222222222222 'Broken kettle'", output, StringComparison.Ordinal);
        Assert.Contains("-> setField(record: case 22222222-2222-2222-2222-222222222222 'Broken kettle', field: \"slaHours\", value: 48)", output, StringComparison.Ordinal);
        Assert.Contains("-> startTimer(record: case 22222222-2222-2222-2222-222222222222 'Broken kettle', event: \"slaDue\", after: 48 working hour(s))", output, StringComparison.Ordinal);
        Assert.Contains("event: \"planDue\", after: 2 business day(s))", output, StringComparison.Ordinal);
        Assert.Contains("roles: [salesManager, qualityManager, procurementManager, generalManager]", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Test_WithChangesAndCalendarsInTheFactsFile_TellsCreateFromUpdateOnBusinessTime()
    {
        var pack = Write("changes.yaml", """
            schemaVersion: 1
            rules:
              - name: Plan proposed
                when:
                  - match: case
                    where: changed(case.status) and previous(case.status) == 'new' and case.status == 'planned'
                then:
                  - action: startTimer
                    with: { record: case, event: planDue, after: 'addBusinessDays(case.openedAt, 1, ''desk'') - case.openedAt' }
              - name: New case
                when: [ { match: case, where: isNew(case) } ]
                then: [ { action: log, with: { message: new } } ]
            """);
        var facts = Write("facts.json", """
            {
              "calendars": [ { "key": "desk", "workingHours": { "monday": ["09:00-17:00"], "friday": ["09:00-17:00"] } } ],
              "facts": [
                { "type": "case", "id": "22222222-2222-2222-2222-222222222222", "subject": "Kettle", "status": "planned",
                  "openedAt": "2026-01-05T10:00:00Z", "change": { "previous": { "status": "new" } } },
                { "type": "case", "id": "33333333-3333-3333-3333-333333333333", "subject": "Dent", "status": "new", "change": "created" }
              ]
            }
            """);
        var output = await _cli.RunOkAsync("rules", "test", pack, "--facts", facts, "--entities", Sample("entities.json"));
        Assert.Contains("2 rule firing(s)", output, StringComparison.Ordinal);
        Assert.Contains("Plan proposed", output, StringComparison.Ordinal);
        Assert.Contains("event: \"planDue\", after: 96 working hour(s)", output, StringComparison.Ordinal); // Monday 10:00 -> Friday 10:00, a difference of datetimes
        Assert.Contains("facts: case = case 33333333-3333-3333-3333-333333333333 'Dent'", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Test_BadCalendarInTheFactsFile_IsAClearError()
    {
        var facts = Write("facts.json", """{ "calendars": [ { "key": "desk", "workingHours": { "monday": ["9-17"] } } ], "facts": [] }""");
        var result = await _cli.RunAsync("rules", "test", Sample("complaint-desk.yaml"), "--facts", facts, "--entities", Sample("entities.json"));
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("calendar 'desk', monday: '9-17' is not an interval like \"09:00-17:00\"", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Test_TheSampleFactsFile_GivesTheDocumentedDryRun()
    {
        var output = await _cli.RunOkAsync("rules", "test", Sample("complaint-desk.yaml"), "--facts", Sample("facts.json"), "--entities", Sample("entities.json"));

        Assert.Contains("on 2 fact(s): 2 rule firing(s), 4 action(s) would be taken", output, StringComparison.Ordinal);
        Assert.Contains("event: \"slaDue\", after: 48 working hour(s))", output, StringComparison.Ordinal);
        Assert.Contains("event: \"planDue\", after: 2 business day(s))", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explain_NoRecordOfThePatternsType_SaysSoOnce()
    {
        var facts = Write("facts.json", """
            [
              { "type": "case", "subject": "Late", "category": "complaint", "status": "new", "accountId": "11111111-1111-1111-1111-111111111111" },
              { "type": "case", "subject": "Broken", "category": "complaint", "status": "new" }
            ]
            """);
        var output = await _cli.RunOkAsync("rules", "explain", Sample("process-mapping.yaml"), "--facts", facts, "--rule", "New complaint of a gold customer goes to the VIP desk", "--entities", Sample("entities.json"));

        Assert.Contains("account: no account record among the facts", output, StringComparison.Ordinal);
        Assert.DoesNotContain("account = case", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explain_RuleThatDidNotFire_SaysWhichConditionFailedForWhichFact()
    {
        var facts = Write("facts.json", """
            [
              { "type": "account", "id": "11111111-1111-1111-1111-111111111111", "name": "Acme", "loyaltyTier_c": "silver" },
              { "type": "case", "subject": "Late", "category": "complaint", "status": "new", "accountId": "11111111-1111-1111-1111-111111111111" }
            ]
            """);
        var output = await _cli.RunOkAsync("rules", "explain", Sample("process-mapping.yaml"), "--facts", facts, "--rule", "New complaint of a gold customer goes to the VIP desk", "--entities", Sample("entities.json"));
        Assert.Contains("did not fire", output, StringComparison.Ordinal);
        Assert.Contains("account = account 11111111-1111-1111-1111-111111111111 ('Acme') failed: 'account.loyaltyTier_c == 'gold''", output, StringComparison.Ordinal);
        Assert.DoesNotContain("account = case", output, StringComparison.Ordinal); // a case is no candidate of the account pattern
        Assert.DoesNotContain("is a account", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explain_UnknownRule_IsAnErrorWithExitCode1()
    {
        var facts = Write("facts.json", """[ { "type": "case", "subject": "Late", "category": "complaint", "status": "new" } ]""");
        var result = await _cli.RunAsync("rules", "explain", Sample("process-mapping.yaml"), "--facts", facts, "--rule", "No such rule", "--entities", Sample("entities.json"));
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: There is no enabled rule 'No such rule'", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("no enabled rule", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Actions_ListsTheCatalogue()
    {
        var output = await _cli.RunOkAsync("rules", "actions");
        foreach (var name in new[] { "log", "setField", "assignToQueue", "assignToUser", "notifyRoles", "notifyUser", "startTimer", "cancelTimer", "createTask" })
        {
            Assert.Contains($"{name} (core): ", output, StringComparison.Ordinal);
        }

        Assert.Contains("roles: list of text, required", output, StringComparison.Ordinal);
        Assert.Contains("after: business duration, required", output, StringComparison.Ordinal);
        var json = await _cli.RunOkAsync("rules", "actions", "--json");
        Assert.Contains("\"name\": \"notifyRoles\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApplyHistoryRollback_AgainstATenant()
    {
        await _cli.InitAsync("acme");
        var rejected = await _cli.RunAsync("rules", "apply", Write("gold.yaml", AccountPack), "--tenant", "acme");
        Assert.Equal(1, rejected.ExitCode);
        Assert.Contains("'loyaltyTier_c' is not a field of account", rejected.Error, StringComparison.Ordinal);
        Assert.Contains("keeps its current rules", rejected.Error, StringComparison.Ordinal);

        await _cli.RunOkAsync("field", "add", "account", "loyaltyTier_c", "--type", "choice", "--option", "gold", "--option", "silver", "--tenant", "acme");
        Assert.Contains("valid (checked against tenant acme)", await _cli.RunOkAsync("rules", "validate", Write("gold.yaml", AccountPack), "--tenant", "acme"), StringComparison.Ordinal);
        Assert.Contains("Applied gold.yaml to tenant acme: rule base version 1 (1 pack rule(s) in 1 pack(s))", await _cli.RunOkAsync("rules", "apply", Write("gold.yaml", AccountPack), "--tenant", "acme"), StringComparison.Ordinal);
        var second = AccountPack.Replace("'gold'", "'silver'", StringComparison.Ordinal);
        Assert.Contains("version 2", await _cli.RunOkAsync("rules", "apply", Write("gold.yaml", second), "--tenant", "acme"), StringComparison.Ordinal);
        Assert.Contains("Rolled tenant acme back to version 1: now version 3.", await _cli.RunOkAsync("rules", "rollback", "--tenant", "acme", "--to", "1"), StringComparison.Ordinal);

        var history = await _cli.RunOkAsync("rules", "history", "--tenant", "acme");
        Assert.Contains("rollback to 1", history, StringComparison.Ordinal);
        Assert.Contains("apply gold.yaml", history, StringComparison.Ordinal);
        var json = await _cli.RunOkAsync("rules", "history", "--tenant", "acme", "--json");
        using var document = System.Text.Json.JsonDocument.Parse(json);
        var versions = document.RootElement.EnumerateArray().ToList();
        Assert.Equal([1, 2, 3], versions.Select(v => v.GetProperty("version").GetInt32()));
        Assert.Equal(versions[0].GetProperty("packs").GetProperty("gold.yaml").GetString(), versions[2].GetProperty("packs").GetProperty("gold.yaml").GetString());

        var missing = await _cli.RunAsync("rules", "rollback", "--tenant", "acme", "--to", "9");
        Assert.Equal(1, missing.ExitCode);
    }

    [Fact]
    public async Task Diff_BetweenVersions_UnifiedDiffPerPack()
    {
        await _cli.InitAsync("acme");
        await _cli.RunOkAsync("field", "add", "account", "loyaltyTier_c", "--type", "choice", "--option", "gold", "--option", "silver", "--tenant", "acme");
        await _cli.RunOkAsync("rules", "apply", Write("gold.yaml", AccountPack), "--tenant", "acme");
        await _cli.RunOkAsync("rules", "apply", Write("gold.yaml", AccountPack.Replace("'gold'", "'silver'", StringComparison.Ordinal)), "--tenant", "acme");

        var latest = await _cli.RunOkAsync("rules", "diff", "--tenant", "acme");
        var first = await _cli.RunOkAsync("rules", "diff", "--tenant", "acme", "--to", "1");
        var same = await _cli.RunOkAsync("rules", "diff", "--tenant", "acme", "--from", "2", "--to", "2");
        var missing = await _cli.RunAsync("rules", "diff", "--tenant", "acme", "--from", "7");

        Assert.Contains("version 1 (apply gold.yaml, 1 rules) -> version 2", latest, StringComparison.Ordinal);
        Assert.Contains(string.Join(Environment.NewLine, "--- v1/gold.yaml", "+++ v2/gold.yaml", "@@ -3,7 +3,7 @@", "   - name: Gold customers are flagged",
            "     when:", "       - match: account", "-        where: account.loyaltyTier_c == 'gold'", "+        where: account.loyaltyTier_c == 'silver'", "     then:"), latest, StringComparison.Ordinal);
        Assert.Contains("--- /dev/null" + Environment.NewLine + "+++ v1/gold.yaml" + Environment.NewLine + "@@ -0,0 +1,9 @@", first, StringComparison.Ordinal);
        Assert.Contains("The packs are the same.", same, StringComparison.Ordinal);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("has no rule-base version 7; its versions are 1 to 2", missing.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_AsNamedUser_NeedsCustomizeAndRecordsTheUser()
    {
        await _cli.InitAsync("acme");
        await _cli.RunOkAsync("field", "add", "account", "loyaltyTier_c", "--type", "choice", "--option", "gold", "--option", "silver", "--tenant", "acme");
        await _cli.WithEngineAsync(async engine =>
        {
            var crm = engine.ForTenant("acme");
            var rep = await crm.Organization.CreateUserAsync(new Crm.Engine.Abstractions.Organization.NewUser("rep", "Rep"));
            var consultant = await crm.Organization.CreateUserAsync(new Crm.Engine.Abstractions.Organization.NewUser("consultant", "Consultant"));
            await crm.Security.GrantRoleAsync(Crm.Engine.Abstractions.Security.SecurityPrincipal.User(rep.Id), Crm.Engine.Abstractions.Security.SystemRoles.SalesRep);
            await crm.Security.GrantRoleAsync(Crm.Engine.Abstractions.Security.SecurityPrincipal.User(consultant.Id), Crm.Engine.Abstractions.Security.SystemRoles.Administrator);
            return true;
        });

        var denied = await _cli.RunAsync("rules", "apply", Write("gold.yaml", AccountPack), "--tenant", "acme", "--user", "rep");
        var applied = await _cli.RunOkAsync("rules", "apply", Write("gold.yaml", AccountPack), "--tenant", "acme", "--user", "consultant");
        var history = await _cli.RunOkAsync("rules", "history", "--tenant", "acme", "--json");

        Assert.NotEqual(0, denied.ExitCode);
        Assert.Contains("Customize", denied.Error, StringComparison.Ordinal);
        Assert.Contains("rule base version 1", applied, StringComparison.Ordinal);
        Assert.Contains("\"appliedBy\": \"consultant\"", history, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_WithoutTenant_IsAUsageError()
    {
        await _cli.InitAsync("acme");
        var result = await _cli.RunAsync("rules", "apply", Write("gold.yaml", AccountPack));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no tenant given", result.Error, StringComparison.Ordinal);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_cli.Directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Crm.Engine.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Crm.Engine.sln not found.");
    }
}
