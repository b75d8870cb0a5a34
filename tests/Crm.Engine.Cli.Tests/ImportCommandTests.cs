using System.Text.Json;
using Crm.Engine.Abstractions.Organization;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Security;
using Crm.Engine.Abstractions.Tenancy;

namespace Crm.Engine.Cli.Tests;

/// <summary><c>crm import</c>: mapping files (YAML, JSON), options, the printed report, rejects and exit codes.</summary>
public sealed class ImportCommandTests : IDisposable
{
    private const string Csv = "External ID,First Name,Last Name,Birth date,VIP\nC1,Ada,Lovelace,10/12/1815,yes\nC2,Alan,,23/06/1912,no\nC3,Grace,Hopper,09/12/1906,n\n";

    private const string Yaml = """
        # Acme's contact export
        entityType: contact
        columns:
          - column: External ID
            field: extId_c
          - column: birth date
            field: birthDate_c
          - column: VIP
            field: vip_c
            valueMap:
              ja: true
        keyFields: [extId_c]
        mode: Upsert
        """;

    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private async Task<(string Csv, string Mapping)> SetUpAsync(string csv = Csv, string mapping = Yaml, string mappingName = "mapping.yaml")
    {
        await _cli.InitAsync("acme");
        await _cli.RunOkAsync("field", "add", "contact", "extId_c", "--type", "text", "--indexed", "--tenant", "acme");
        await _cli.RunOkAsync("field", "add", "contact", "birthDate_c", "--type", "date", "--tenant", "acme");
        await _cli.RunOkAsync("field", "add", "contact", "vip_c", "--type", "bool", "--tenant", "acme");
        var csvPath = Path.Combine(_cli.Directory, "contacts.csv");
        var mappingPath = Path.Combine(_cli.Directory, mappingName);
        await File.WriteAllTextAsync(csvPath, csv);
        await File.WriteAllTextAsync(mappingPath, mapping);
        return (csvPath, mappingPath);
    }

    private Task<long> ContactCountAsync() => _cli.WithEngineAsync(engine => engine.ForTenant("acme").Records.CountAsync(RecordQuery.For("contact")));

    [Fact]
    public async Task Import_YamlMappingWithFailedRow_ImportsGoodRowsPrintsLineAndExitsWith1()
    {
        var (csv, mapping) = await SetUpAsync();
        var rejects = Path.Combine(_cli.Directory, "rejects.csv");

        var result = await _cli.RunAsync("import", csv, "--mapping", mapping, "--tenant", "acme", "--day-first", "--rejects", rejects);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Rows read 3: created 2, updated 0, unchanged 0, skipped 0, failed 1", result.Output);
        Assert.Contains("error: line 3, column 'Last Name' (lastName)", result.Error);
        Assert.Equal(2, await ContactCountAsync());
        var rejected = await File.ReadAllLinesAsync(rejects);
        Assert.Equal("External ID,First Name,Last Name,Birth date,VIP,_import_error", rejected[0]);
        Assert.StartsWith("C2,Alan,,23/06/1912,no,", rejected[1]);

        // Fixed and imported again with the same mapping: the error column is ignored.
        await File.WriteAllTextAsync(rejects, (await File.ReadAllTextAsync(rejects)).Replace("C2,Alan,,", "C2,Alan,Turing,", StringComparison.Ordinal));
        var again = await _cli.RunAsync("import", rejects, "--mapping", mapping, "--tenant", "acme", "--day-first");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal(3, await ContactCountAsync());
    }

    [Fact]
    public async Task Import_AmbiguousDatesWithoutDateOrder_FailsThoseRowsNamingTheFix()
    {
        var (csv, mapping) = await SetUpAsync();

        var result = await _cli.RunAsync("import", csv, "--mapping", mapping, "--tenant", "acme");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error: line 2, column 'birth date' (birthDate_c), value '10/12/1815'", result.Error.Replace("'Birth date'", "'birth date'", StringComparison.Ordinal));
        Assert.Contains("Set dayFirst", result.Error);
    }

    [Fact]
    public async Task Import_YamlMappingWithATabAsIndentation_IsAnErrorAtTheTab()
    {
        var lines = Yaml.Split('\n');
        var line = Array.FindIndex(lines, l => l.StartsWith("    field: extId_c", StringComparison.Ordinal));
        lines[line] = "\t" + lines[line][1..];
        var (csv, mapping) = await SetUpAsync(mapping: string.Join('\n', lines));

        var result = await _cli.RunAsync("import", csv, "--mapping", mapping, "--tenant", "acme", "--day-first");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"error: {mapping}({line + 1},1): ", result.Error, StringComparison.Ordinal);
        Assert.Contains("tab", result.Error, StringComparison.Ordinal);
        Assert.Equal(0, await ContactCountAsync());
    }

    [Fact]
    public async Task Import_DryRunJson_PrintsReportAndWritesNothing()
    {
        var (csv, mapping) = await SetUpAsync();

        var result = await _cli.RunAsync("import", csv, "--mapping", mapping, "--tenant", "acme", "--day-first", "--dry-run", "--json");

        Assert.Equal(1, result.ExitCode);
        using var report = JsonDocument.Parse(result.Output);
        Assert.True(report.RootElement.GetProperty("dryRun").GetBoolean());
        Assert.Equal(2, report.RootElement.GetProperty("created").GetInt64());
        Assert.Equal(3, report.RootElement.GetProperty("errors")[0].GetProperty("line").GetInt64());
        Assert.Equal("contacts.csv", report.RootElement.GetProperty("sourceName").GetString());
        Assert.Equal(0, await ContactCountAsync());
    }

    [Fact]
    public async Task Import_JsonMappingUpsertWithKeyOption_UpdatesExistingRecords()
    {
        const string json = """{ "columns": [ { "column": "External ID", "field": "extId_c" }, { "column": "birth date", "field": "birthDate_c" }, { "column": "vip", "field": "vip_c" } ], "dayFirst": true }""";
        var (csv, mapping) = await SetUpAsync(Csv.Replace("C2,Alan,,", "C2,Alan,Turing,", StringComparison.Ordinal), json, "mapping.json");
        await _cli.RunOkAsync("import", csv, "--mapping", mapping, "--entity", "contact", "--tenant", "acme");
        // A second file whose headers are API names needs no mapping file: its columns map themselves.
        await File.WriteAllTextAsync(csv, "extId_c,Last Name\nC1,King\nC4,Hamilton\n");

        var output = await _cli.RunOkAsync("import", csv, "--entity", "contact", "--tenant", "acme", "--mode", "upsert", "--key", "extId_c");

        Assert.Contains("created 1, updated 1, unchanged 0", output);
        var ada = await _cli.WithEngineAsync(async engine => (await engine.ForTenant("acme").Records.QueryAsync(RecordQuery.For("contact").Where("extId_c", "C1"))).Records.Single());
        Assert.Equal(("King", true), (ada["lastName"], ada["vip_c"]));
        Assert.Equal(4, await ContactCountAsync());
    }

    [Fact]
    public async Task Import_AsUser_AuditRecordsImportSourceWithFileName()
    {
        var (csv, mapping) = await SetUpAsync();
        await _cli.WithEngineAsync(async engine =>
        {
            var crm = engine.ForTenant("acme");
            var clerk = await crm.Organization.CreateUserAsync(new NewUser("clerk", "Clerk"));
            await crm.Security.GrantRoleAsync(SecurityPrincipal.User(clerk.Id), SystemRoles.Administrator);
            return true;
        });

        await _cli.RunAsync("import", csv, "--mapping", mapping, "--tenant", "acme", "--day-first", "--user", "clerk");

        var entries = await _cli.WithEngineAsync(async engine => (await engine.ForTenant("acme").Audit.QueryAsync(new AuditQuery { EntityType = "contact" })).Entries);
        Assert.Equal(2, entries.Count);
        Assert.All(entries, e => Assert.Equal((OperationSource.Import, "contacts.csv", true), (e.Source, e.SourceName, e.UserId is not null)));
    }

    [Fact]
    public async Task Import_YamlMappingWithLookupBy_LinksContactsToAccountsByNumber()
    {
        const string yaml = """
            entityType: contact
            columns:
              - column: External ID
                field: extId_c
              - column: Company
                field: accountId
                lookupBy: accountNumber
            keyFields: [extId_c]
            """;
        var (csv, mapping) = await SetUpAsync("External ID,Last Name,Company\nC1,Lovelace,A-100\nC2,Turing,A-999\n", yaml);
        var acme = await _cli.WithEngineAsync(engine => engine.ForTenant("acme").Records.CreateAsync("account", new Dictionary<string, object?> { ["name"] = "Acme", ["accountNumber"] = "A-100" }));

        var result = await _cli.RunAsync("import", csv, "--mapping", mapping, "--tenant", "acme");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error: line 3, column 'Company' (accountId), value 'A-999': no account has accountNumber 'A-999'", result.Error);
        var ada = await _cli.WithEngineAsync(async engine => (await engine.ForTenant("acme").Records.QueryAsync(RecordQuery.For("contact").Where("extId_c", "C1"))).Records.Single());
        Assert.Equal(acme.Id, ada["accountId"]);
        Assert.Equal(1, await ContactCountAsync());
    }

    [Fact]
    public async Task Import_YamlMappingWithLookupIgnoreCase_LinksNamesWrittenInAnotherCase()
    {
        const string yaml = """
            entityType: contact
            columns:
              - column: External ID
                field: extId_c
              - column: Company
                field: accountId
                lookupBy: name
                lookupIgnoreCase: true
            keyFields: [extId_c]
            """;
        var (csv, mapping) = await SetUpAsync("External ID,Last Name,Company\nC1,Lovelace,ACME LTD\n", yaml);
        var acme = await _cli.WithEngineAsync(engine => engine.ForTenant("acme").Records.CreateAsync("account", new Dictionary<string, object?> { ["name"] = "Acme Ltd" }));

        var result = await _cli.RunAsync("import", csv, "--mapping", mapping, "--tenant", "acme");

        Assert.Equal(0, result.ExitCode);
        var ada = await _cli.WithEngineAsync(async engine => (await engine.ForTenant("acme").Records.QueryAsync(RecordQuery.For("contact").Where("extId_c", "C1"))).Records.Single());
        Assert.Equal(acme.Id, ada["accountId"]);
    }

    [Fact]
    public async Task Import_MappingFileWithUnknownProperty_FailsNamingIt()
    {
        var (csv, mapping) = await SetUpAsync(mapping: Yaml + "\nkeyField: extId_c\n");

        var result = await _cli.RunAsync("import", csv, "--mapping", mapping, "--tenant", "acme");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("the mapping has no key 'keyField' (did you mean 'keyFields'?)", result.Error, StringComparison.Ordinal);
        Assert.Equal(0, await ContactCountAsync());
    }

    [Fact]
    public async Task Import_MappingFileWithMisspelledKeys_NamesEveryOneWithWhereAndSuggestion()
    {
        const string Json = """{ "entityType": "contact", "colums": [], "columns": [ { "column": "External ID", "field": "extId_c", "fomats": ["dd.MM.yyyy"] } ] }""";
        var (csv, mapping) = await SetUpAsync(mapping: Json, mappingName: "mapping.json");

        var result = await _cli.RunAsync("import", csv, "--mapping", mapping, "--tenant", "acme");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("the mapping has no key 'colums' (did you mean 'columns'?)", result.Error, StringComparison.Ordinal);
        Assert.Contains("columns[0] has no key 'fomats' (did you mean 'formats'?)", result.Error, StringComparison.Ordinal);
        Assert.Equal(0, await ContactCountAsync());
    }

    [Fact]
    public async Task Import_NoEntityAndNoMapping_IsUsageError()
    {
        await _cli.InitAsync("acme");

        var result = await _cli.RunAsync("import", "x.csv", "--tenant", "acme");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no entity type given", result.Error);
    }
}
