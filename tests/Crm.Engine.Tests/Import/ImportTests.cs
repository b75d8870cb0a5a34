using System.Text;
using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Import;
using Crm.Engine.Abstractions.Organization;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Security;
using Crm.Engine.Abstractions.Tenancy;
using static Crm.Engine.Tests.EngineFixture;

namespace Crm.Engine.Tests.Import;

/// <summary>The CSV import through <see cref="ICrmTenant.Import"/>: mapping, conversions, keys, report, rejects, access and audit.</summary>
public class ImportTests(ImportFixture fixture) : IClassFixture<ImportFixture>
{
    private const string Header = "External ID,First Name,Last Name,E-mail,Birth date,Score,VIP,Segment";

    private static ImportMapping Contacts(ImportMode mode = ImportMode.CreateOnly, bool? dayFirst = true, DuplicateKeyHandling duplicates = DuplicateKeyHandling.Reject) => new()
    {
        EntityType = "contact",
        Columns =
        [
            new() { Column = "external id", Field = "extId_c" },
            new() { Column = "birth date", Field = "birthDate_c" },
            new() { Column = "score", Field = "score_c" },
            new() { Column = "vip", Field = "vip_c" },
            new() { Column = "segment", Field = "segment_c", ValueMap = new Dictionary<string, string?> { ["Pet Shop"] = "pet_shop", ["n/a"] = null } },
        ],
        KeyFields = ["extId_c"],
        Mode = mode,
        DayFirst = dayFirst,
        DuplicateKeys = duplicates,
    };

    /// <summary>The contact mapping limited to the columns a smaller file has.</summary>
    private static ImportMapping Only(ImportMapping mapping, params string[] columns) =>
        mapping with { Columns = [.. mapping.Columns.Where(c => columns.Contains(c.Column, StringComparer.OrdinalIgnoreCase))] };

    private static async Task<CrmRecord?> ByExtIdAsync(ICrmTenant crm, string extId) =>
        (await crm.Records.QueryAsync(RecordQuery.For("contact").Where("extId_c", extId))).Records.SingleOrDefault();

    [Fact]
    public async Task ImportTextAsync_MappedContacts_CreatesRecordsWithConvertedValues()
    {
        var crm = await fixture.NewContactTenantAsync();
        var csv = $"""
            {Header}
            C1,Ada,Lovelace,ada@example.com,10/12/1815,"1234.5",yes,Pet Shop
            C2, Alan ,Turing,,23/06/1912,,N,garden centre
            """;

        var report = await crm.ImportCsvAsync(csv, Contacts());

        Assert.True(report.Succeeded, string.Join("\n", report.Errors));
        Assert.Equal((2L, 2L, 0L, 0L), (report.RowsRead, report.Created, report.Updated, report.Failed));
        var ada = await ByExtIdAsync(crm, "C1");
        Assert.Equal(new DateOnly(1815, 12, 10), ada!["birthDate_c"]);
        Assert.Equal(1234.5m, ada["score_c"]);
        Assert.Equal(true, ada["vip_c"]);
        Assert.Equal("pet_shop", ada["segment_c"]);
        Assert.Equal("Ada Lovelace", ada["name"]);
        var alan = await ByExtIdAsync(crm, "C2");
        Assert.Equal(("Alan", false, "garden", null), (alan!["firstName"], alan["vip_c"], alan["segment_c"], alan["email"]));
        Assert.Equal(ImportColumnUsage.AutoMapped, report.Columns.Single(c => c.Header == "First Name").Usage);
    }

    [Fact]
    public async Task ImportTextAsync_AmbiguousDayMonthWithoutOrder_FailsRowWithLineColumnAndValue()
    {
        var crm = await fixture.NewContactTenantAsync();
        var csv = $"{Header}\nC1,Ada,Lovelace,,25/04/1990,,,\nC2,Alan,Turing,,03/04/1990,,,\nC3,Grace,Hopper,,1990-04-03,,,\n";

        var report = await crm.ImportCsvAsync(csv, Contacts(dayFirst: null));

        Assert.Equal((2L, 1L), (report.Created, report.Failed));
        var error = Assert.Single(report.Errors);
        Assert.Equal((3L, "Birth date", "birthDate_c", "03/04/1990", "ambiguous_date"), (error.Line, error.Column, error.Field, error.Value, error.Rule));
        Assert.Contains("3 April 1990", error.Message);
        Assert.Contains("4 March 1990", error.Message);
        Assert.Equal(new DateOnly(1990, 4, 25), (await ByExtIdAsync(crm, "C1"))!["birthDate_c"]);
    }

    [Theory]
    [InlineData(true, 3, 4)]
    [InlineData(false, 4, 3)]
    public async Task ImportTextAsync_ConfiguredDateOrder_ReadsDayAndMonthThatWay(bool dayFirst, int expectedMonth, int expectedDay)
    {
        var crm = await fixture.NewContactTenantAsync();

        var report = await crm.ImportCsvAsync($"{Header}\nC1,Ada,Lovelace,,04/03/2024,,,\n", Contacts(dayFirst: dayFirst));

        Assert.True(report.Succeeded, string.Join("\n", report.Errors));
        Assert.Equal(new DateOnly(2024, expectedMonth, expectedDay), (await ByExtIdAsync(crm, "C1"))!["birthDate_c"]);
    }

    [Fact]
    public async Task ImportTextAsync_ImpossibleDates_MessageSaysHowTheDateWasRead()
    {
        var crm = await fixture.NewContactTenantAsync();

        var report = await crm.ImportCsvAsync($"{Header}\nC1,Ada,Lovelace,,2024-02-30,,,\nC2,Alan,Turing,,30/02/2024,,,\n", Contacts(dayFirst: true));

        Assert.Equal(
            ["'2024-02-30' is not a valid date (day 30, month 2, year 2024).", "'30/02/2024' is not a valid date (day 30, month 2, year 2024, read day first)."],
            report.Errors.Select(e => e.Message));
    }

    [Fact]
    public async Task ImportTextAsync_CultureFromMapping_ReadsNumbersAndDayFirstDates()
    {
        var crm = await fixture.NewContactTenantAsync();
        var mapping = Only(Contacts(dayFirst: null), "external id", "birth date", "score") with { Culture = "de-DE", Delimiter = ';' };

        var report = await crm.ImportCsvAsync("External ID;Last Name;Birth date;Score\nC1;Gauss;03.04.1977;1.234,56\nC2;Noether;23.03.1882;12,5\n", mapping);

        Assert.True(report.Succeeded, string.Join("\n", report.Errors));
        var gauss = await ByExtIdAsync(crm, "C1");
        Assert.Equal((1234.56m, new DateOnly(1977, 4, 3)), (gauss!["score_c"], gauss["birthDate_c"]));
        Assert.Equal(12.5m, (await ByExtIdAsync(crm, "C2"))!["score_c"]);
    }

    [Theory]
    [InlineData("1,5")]
    [InlineData("12,34.0")]
    [InlineData("abc")]
    public async Task ImportTextAsync_NumberNotInCulture_FailsRowInsteadOfGuessing(string score)
    {
        var crm = await fixture.NewContactTenantAsync();

        var report = await crm.ImportCsvAsync($"External ID,Last Name,Score\nC1,X,\"{score}\"\n", Only(Contacts(), "external id", "score"));

        var error = Assert.Single(report.Errors);
        Assert.Equal(("Score", "type", score), (error.Column, error.Rule, error.Value));
        Assert.Equal(0, await CountAsync(crm, "contact"));
    }

    [Fact]
    public async Task ImportTextAsync_ProblemsInSeveralCells_ReportsEveryProblemOfTheRow()
    {
        var crm = await fixture.NewContactTenantAsync();

        var report = await crm.ImportCsvAsync($"{Header}\nC1,Ada,Lovelace,,31/02/1815,x,maybe,Pet Store\n", Contacts());

        Assert.Equal(1, report.Failed);
        Assert.Equal(["birthDate_c", "score_c", "vip_c", "segment_c"], report.Errors.Select(e => e.Field));
        Assert.Contains("Did you mean", report.Errors[^1].Message);
    }

    [Fact]
    public async Task ImportTextAsync_EngineValidationFailsOneRow_OtherRowsOfTheBatchAreWritten()
    {
        var crm = await fixture.NewContactTenantAsync();
        var csv = $"{Header}\nC1,Ada,Lovelace,,,,,\nC2,Alan,,,,,,\nC3,Grace,Hopper,not-an-email,,,,\nC4,Edsger,Dijkstra,,,,,\n";

        var report = await crm.ImportCsvAsync(csv, Contacts(), new ImportOptions { BatchSize = 10 });

        Assert.Equal((2L, 2L), (report.Created, report.Failed));
        Assert.Equal([(3L, "Last Name", "lastName", "required"), (4L, "E-mail", "email", "format")], report.Errors.Select(e => (e.Line, e.Column, e.Field!, e.Rule)));
        Assert.Equal(2, await CountAsync(crm, "contact"));
    }

    [Fact]
    public async Task ImportTextAsync_EmbeddedNewlines_ReportsPhysicalLineOfTheFailedRow()
    {
        var crm = await fixture.NewContactTenantAsync();
        var csv = "External ID,Last Name,Notes\nC1,\"Love\nlace\",ok\nC2,\"Tu\r\nring\",\"a\nb\"\nC3,X,\"multi\nline\nnote\"\nC4,Y,\"n\"\nC5,,bad\n";
        var mapping = Contacts() with { Columns = [new() { Column = "external id", Field = "extId_c" }, new() { Column = "notes", Field = "notes_c" }] };

        var report = await crm.ImportCsvAsync(csv, mapping);

        var error = Assert.Single(report.Errors);
        Assert.Equal((11L, "required"), (error.Line, error.Rule));
        Assert.Equal("multi\nline\nnote", (await ByExtIdAsync(crm, "C3"))!["notes_c"]);
    }

    [Fact]
    public async Task ImportTextAsync_UnmappedColumn_IsReportedAsWarning()
    {
        var crm = await fixture.NewContactTenantAsync();

        var report = await crm.ImportCsvAsync("External ID,Last Name,Favourite colour,Legacy\nC1,Lovelace,blue,x\n", Only(Contacts(), "external id") with { IgnoreColumns = ["legacy"] });

        var warning = Assert.Single(report.Warnings);
        Assert.Contains("'Favourite colour' is not mapped", warning.Message);
        Assert.Equal(ImportColumnUsage.Ignored, report.Columns.Single(c => c.Header == "Legacy").Usage);
        Assert.True(report.Succeeded);
    }

    [Fact]
    public async Task ImportTextAsync_MisspelledHeader_WarningSuggestsTheField()
    {
        var crm = await fixture.NewContactTenantAsync();

        var report = await crm.ImportCsvAsync("External ID,Last Name,Jobtitel\nC1,Lovelace,Engineer\n", Only(Contacts(), "external id"));

        var warning = Assert.Single(report.Warnings);
        Assert.Contains("column 'Jobtitel' is not mapped to any field: its values are not imported. Did you mean contact.jobTitle?", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImportTextAsync_UnmappedColumnsField_KeepsTheirValuesInTheTextField()
    {
        var crm = await fixture.NewContactTenantAsync();

        var report = await crm.ImportCsvAsync("External ID,Last Name,Favourite colour,Pet\nC1,Lovelace,blue,cat\nC2,Turing,,\n", Only(Contacts(), "external id") with { UnmappedColumnsField = "notes_c" });

        Assert.Empty(report.Warnings);
        Assert.Equal("Favourite colour: blue\nPet: cat", (await ByExtIdAsync(crm, "C1"))!["notes_c"]);
        Assert.Null((await ByExtIdAsync(crm, "C2"))!["notes_c"]);
    }

    [Fact]
    public async Task ImportTextAsync_MappingProblems_ThrowsWithEveryProblemAndWritesNothing()
    {
        var crm = await fixture.NewContactTenantAsync();
        var mapping = Contacts() with { Columns = [new() { Column = "Extrnal ID", Field = "extId_c" }, new() { Column = "Last Name", Field = "lastNme" }, new() { Column = "Score", Field = "name" }] };

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => crm.ImportCsvAsync("External ID,Last Name,Score\nC1,X,1\n", mapping));

        Assert.Contains(ex.Errors, e => e.Message.Contains("Did you mean 'External ID'", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.Message.Contains("Did you mean 'lastName'", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.Message.Contains("maintained by the engine", StringComparison.Ordinal));
        Assert.Equal(0, await CountAsync(crm, "contact"));
    }

    [Fact]
    public async Task ImportTextAsync_UpsertWithExistingKey_UpdatesChangedAndCountsUnchanged()
    {
        var crm = await fixture.NewContactTenantAsync();
        await crm.ImportCsvAsync($"{Header}\nC1,Ada,Lovelace,,,10,,\nC2,Alan,Turing,,,20,,\n", Contacts());
        var before = await ByExtIdAsync(crm, "C1");

        var report = await crm.ImportCsvAsync($"{Header}\nC1,Ada,King,,,10.00,,\nC2,Alan,Turing,,,20,,\nC3,Grace,Hopper,,,,,\n", Contacts(ImportMode.Upsert));

        Assert.Equal((1L, 1L, 1L, 0L), (report.Created, report.Updated, report.Unchanged, report.Failed));
        var after = await ByExtIdAsync(crm, "C1");
        Assert.Equal((before!.Id, "King", 10m, 2L), (after!.Id, after["lastName"], after["score_c"], after.Version));
        Assert.Equal(3, await CountAsync(crm, "contact"));
    }

    [Fact]
    public async Task ImportTextAsync_UpsertKeyedByEmail_MatchesTheAddressWhateverItsCase()
    {
        var crm = await fixture.NewContactTenantAsync();
        await crm.ImportCsvAsync($"{Header}\nC1,Ada,Lovelace,ada@example.com,,,,\n", Contacts());
        var byEmail = Contacts(ImportMode.Upsert) with { KeyFields = ["email"] };

        var report = await crm.ImportCsvAsync($"{Header}\nC1,Ada,King,Ada@Example.COM,,,,\nC2,Alan,Turing,alan@example.com,,,,\n", byEmail);

        Assert.Equal((1L, 1L, 0L), (report.Created, report.Updated, report.Failed));
        var ada = await ByExtIdAsync(crm, "C1");
        Assert.Equal(("King", "Ada@Example.COM"), (ada!["lastName"], ada["email"]));
        Assert.Equal(2, await CountAsync(crm, "contact"));
    }

    [Fact]
    public async Task ImportTextAsync_EmailKeyMatchingStoredCaseVariants_TheExactSpellingWins_NoIndexWarning()
    {
        var crm = await fixture.NewContactTenantAsync();
        var lower = await crm.Records.CreateAsync("contact", V(("lastName", "Lovelace"), ("email", "ada@example.com")));
        await crm.Records.CreateAsync("contact", V(("lastName", "Byron"), ("email", "ADA@example.com")));
        var byEmail = Contacts(ImportMode.Upsert) with { KeyFields = ["email"] };

        var exact = await crm.ImportCsvAsync($"{Header}\nC1,Ada,King,ada@example.com,,,,\n", byEmail);
        var neither = await crm.ImportCsvAsync($"{Header}\nC2,Ada,Other,Ada@Example.com,,,,\n", byEmail);

        Assert.Equal((1L, 0L), (exact.Updated, exact.Failed));
        Assert.Equal("King", (await crm.Records.GetAsync("contact", lower.Id))!["lastName"]);
        Assert.DoesNotContain(exact.Warnings, w => w.Message.Contains("not indexed", StringComparison.Ordinal));
        Assert.Equal(("ambiguous_key", 1L), (Assert.Single(neither.Errors).Rule, neither.Failed));
    }

    [Fact]
    public async Task ImportTextAsync_EmailKeyTwiceInTheFileInAnotherCase_IsADuplicateKey()
    {
        var crm = await fixture.NewContactTenantAsync();
        var byEmail = Contacts(ImportMode.Upsert) with { KeyFields = ["email"] };

        var report = await crm.ImportCsvAsync($"{Header}\nC1,Ada,Lovelace,ada@example.com,,,,\nC2,Ada,Lovelace,ADA@example.com,,,,\n", byEmail);

        Assert.Equal((1L, 1L), (report.Created, report.Failed));
        Assert.Equal("duplicate_key", Assert.Single(report.Errors).Rule);
    }

    [Fact]
    public async Task ImportTextAsync_BlankCellOnUpdate_KeepsStoredValueUnlessConfigured()
    {
        var crm = await fixture.NewContactTenantAsync();
        await crm.ImportCsvAsync($"{Header}\nC1,Ada,Lovelace,ada@example.com,,,,\n", Contacts());

        await crm.ImportCsvAsync($"{Header}\nC1,Ada,Lovelace,,,,,\n", Contacts(ImportMode.Upsert));
        var kept = (await ByExtIdAsync(crm, "C1"))!["email"];
        await crm.ImportCsvAsync($"{Header}\nC1,Ada,Lovelace,,,,,\n", Contacts(ImportMode.Upsert) with { BlankClearsOnUpdate = true });

        Assert.Equal("ada@example.com", kept);
        Assert.Null((await ByExtIdAsync(crm, "C1"))!["email"]);
    }

    [Theory]
    [InlineData(ImportMode.Upsert)]
    [InlineData(ImportMode.UpdateOnly)]
    public async Task ImportTextAsync_BlankKey_IsRowErrorNotASilentCreate(ImportMode mode)
    {
        var crm = await fixture.NewContactTenantAsync();

        var report = await crm.ImportCsvAsync($"{Header}\n  ,Ada,Lovelace,,,,,\n", Contacts(mode));

        var error = Assert.Single(report.Errors);
        Assert.Equal((2L, "External ID", "blank_key"), (error.Line, error.Column, error.Rule));
        Assert.Equal(0, await CountAsync(crm, "contact"));
    }

    [Fact]
    public async Task ImportTextAsync_UpdateOnlyUnknownKey_IsRowError()
    {
        var crm = await fixture.NewContactTenantAsync();

        var report = await crm.ImportCsvAsync($"{Header}\nC9,Ada,Lovelace,,,,,\n", Contacts(ImportMode.UpdateOnly));

        Assert.Equal("not_found", Assert.Single(report.Errors).Rule);
        Assert.Equal(0, await CountAsync(crm, "contact"));
    }

    [Fact]
    public async Task ImportTextAsync_CreateOnlyKeyAlreadyStored_IsRowError()
    {
        var crm = await fixture.NewContactTenantAsync();
        await crm.ImportCsvAsync($"{Header}\nC1,Ada,Lovelace,,,,,\n", Contacts());

        var report = await crm.ImportCsvAsync($"{Header}\nC1,Ada,Lovelace,,,,,\n", Contacts());

        Assert.Equal("duplicate_key", Assert.Single(report.Errors).Rule);
        Assert.Equal(1, await CountAsync(crm, "contact"));
    }

    [Fact]
    public async Task ImportTextAsync_DuplicateKeysRejected_LaterRowIsErrorNamingFirstLine()
    {
        var crm = await fixture.NewContactTenantAsync();

        var report = await crm.ImportCsvAsync($"{Header}\nC1,Ada,Lovelace,,,,,\nC2,Alan,Turing,,,,,\nC1,Ada,King,,,,,\n", Contacts(), new ImportOptions { BatchSize = 1 });

        var error = Assert.Single(report.Errors);
        Assert.Equal((4L, "duplicate_key"), (error.Line, error.Rule));
        Assert.Contains("line 2", error.Message);
        Assert.Equal("Lovelace", (await ByExtIdAsync(crm, "C1"))!["lastName"]);
    }

    [Fact]
    public async Task ImportTextAsync_DuplicateKeysFirstWins_SkipsLaterRowsWithWarning()
    {
        var crm = await fixture.NewContactTenantAsync();

        var report = await crm.ImportCsvAsync($"{Header}\nC1,Ada,Lovelace,,,,,\nC1,Ada,King,,,,,\n", Contacts(duplicates: DuplicateKeyHandling.FirstWins));

        Assert.Equal((1L, 1L, 0L), (report.Created, report.Skipped, report.Failed));
        Assert.Equal(3L, Assert.Single(report.Warnings).Line);
        Assert.Equal("Lovelace", (await ByExtIdAsync(crm, "C1"))!["lastName"]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(100)]
    public async Task ImportTextAsync_DuplicateKeysLastWins_LastRowValuesAreStored(int batchSize)
    {
        var crm = await fixture.NewContactTenantAsync();

        var report = await crm.ImportCsvAsync($"{Header}\nC1,Ada,Lovelace,,,,,\nC1,Ada,Byron,,,,,\nC1,Ada,King,,,,,\n", Contacts(ImportMode.Upsert, duplicates: DuplicateKeyHandling.LastWins), new ImportOptions { BatchSize = batchSize });

        Assert.Equal(0, report.Failed);
        Assert.Equal(3, report.Created + report.Updated + report.Skipped);
        Assert.Equal("King", (await ByExtIdAsync(crm, "C1"))!["lastName"]);
        Assert.Equal(1, await CountAsync(crm, "contact"));
    }

    [Fact]
    public async Task ImportTextAsync_DryRun_ReportsButWritesNothing()
    {
        var crm = await fixture.NewContactTenantAsync();

        var report = await crm.ImportCsvAsync($"{Header}\nC1,Ada,Lovelace,,,,,\nC2,Alan,,,,,,\n", Contacts(), new ImportOptions { DryRun = true });

        Assert.Equal((true, 1L, 1L), (report.DryRun, report.Created, report.Failed));
        Assert.Equal(0, await CountAsync(crm, "contact"));
        Assert.Empty((await crm.Audit.QueryAsync(new AuditQuery { EntityType = "contact" })).Entries);
    }

    [Fact]
    public async Task ImportTextAsync_RejectsFile_HoldsFailedRowsAndReimportsOnceFixed()
    {
        var crm = await fixture.NewContactTenantAsync();
        var csv = $"{Header}\nC1,Ada,Lovelace,,,,,\nC2,Alan,,,,,,\nC3,\"Grace, Rear Admiral\",Hopper,,03/04/1906x,,,\n";
        var rejects = new StringWriter();

        var report = await crm.ImportCsvAsync(csv, Contacts(), new ImportOptions { Rejects = rejects });

        Assert.Equal(2, report.Failed);
        var rejected = rejects.ToString();
        Assert.StartsWith(Header + "," + ImportMapping.ErrorColumn + "\r\n", rejected);
        Assert.Contains("C2,Alan,,,,,,,\"line 3, column 'Last Name'", rejected);
        Assert.Contains("\"Grace, Rear Admiral\"", rejected);

        // The user fixes the rejects file and imports it as it is, error column and all.
        var fixedCsv = rejected.Replace("C2,Alan,,", "C2,Alan,Turing,", StringComparison.Ordinal).Replace("03/04/1906x", "09/12/1906", StringComparison.Ordinal);
        var again = await crm.ImportCsvAsync(fixedCsv, Contacts());

        Assert.True(again.Succeeded, string.Join("\n", again.Errors));
        Assert.Equal(2, again.Created);
        Assert.Empty(again.Warnings);
        Assert.Equal(new DateOnly(1906, 12, 9), (await ByExtIdAsync(crm, "C3"))!["birthDate_c"]);
        Assert.Equal(3, await CountAsync(crm, "contact"));
    }

    [Fact]
    public async Task ImportTextAsync_WrongNumberOfValues_IsRowErrorAndGoesToRejects()
    {
        var crm = await fixture.NewContactTenantAsync();
        var rejects = new StringWriter();

        var report = await crm.ImportCsvAsync("External ID,Last Name\nC1,Lovelace,extra\nC2\nC3,Hopper,\n", Only(Contacts(), "external id"), new ImportOptions { Rejects = rejects });

        Assert.Equal([2L, 3L], report.Errors.Select(e => e.Line));
        Assert.All(report.Errors, e => Assert.Equal("csv", e.Rule));
        Assert.Equal(1, report.Created);
        Assert.Contains("\r\nC2,,line 3: the row has 1 values but the header has 2 columns.\r\n", rejects.ToString());
        // The extra value follows the error, which stays under the _import_error column.
        var ragged = rejects.ToString().Split("\r\n")[1];
        Assert.Matches(@"^C1,Lovelace,""?line 2: the row has 3 values but the header has 2 columns[^\r\n]*,extra$", ragged);
    }

    [Fact]
    public async Task ImportAsync_StreamWithBomAndSemicolons_DetectsDelimiterAndSkipsBom()
    {
        var crm = await fixture.NewContactTenantAsync();

        var report = await crm.ImportBytesAsync(ImportTestExtensions.Utf8WithBom("External ID;Last Name;First Name\nC1;Müller;Jürgen\n"), Only(Contacts(), "external id"));

        Assert.True(report.Succeeded, string.Join("\n", report.Errors));
        Assert.Equal(';', report.Delimiter);
        Assert.Equal(("Müller", "Jürgen"), ((await ByExtIdAsync(crm, "C1"))!["lastName"], (await ByExtIdAsync(crm, "C1"))!["firstName"]));
    }

    [Fact]
    public async Task ImportAsync_Latin1BytesReadAsUtf8_FailsTheRowInsteadOfGarblingIt()
    {
        var crm = await fixture.NewContactTenantAsync();
        var bytes = Encoding.Latin1.GetBytes("External ID,Last Name\nC1,Smith\nC2,Müller\n");
        var mapping = Only(Contacts(), "external id");

        var report = await crm.ImportBytesAsync(bytes, mapping);
        var latin1 = await (await fixture.NewContactTenantAsync()).ImportBytesAsync(bytes, mapping, new ImportOptions { Encoding = Encoding.Latin1 });

        var error = Assert.Single(report.Errors);
        Assert.Equal((3L, "encoding", 1L), (error.Line, error.Rule, report.Created));
        Assert.True(latin1.Succeeded);
        Assert.Equal(2, latin1.Created);
    }

    [Fact]
    public async Task ImportTextAsync_MaxErrorsReached_StopsAndSaysWhere()
    {
        var crm = await fixture.NewContactTenantAsync();
        var csv = "External ID,Last Name\n" + string.Concat(Enumerable.Range(1, 20).Select(i => $"C{i},\n"));

        var report = await crm.ImportCsvAsync(csv, Only(Contacts(), "external id"), new ImportOptions { MaxErrors = 5, BatchSize = 1 });

        Assert.Equal((5L, 5L, true), (report.RowsRead, report.Failed, report.Stopped));
        Assert.Contains("line 6", report.StopReason);
    }

    [Fact]
    public async Task ImportTextAsync_SeveralBatchesWhileClockStandsStill_RecordIdsIncreaseInFileOrder()
    {
        var crm = await fixture.NewTenantAsync("imp");
        // Line 9 (G08) is refused by validation: its batch is written again with a savepoint per row.
        var csv = "code,label,size\n" + string.Concat(Enumerable.Range(1, 17).Select(i => $"G{i:00},gizmo {i},{(i == 8 ? 9 : 1 + (i % 5))}\n"));

        var report = await crm.ImportCsvAsync(csv, new ImportMapping { EntityType = GizmoPlugin.Gizmo }, new ImportOptions { BatchSize = 5 });

        Assert.Equal((16L, 1L), (report.Created, report.Failed));
        Assert.Equal(9L, report.Errors.Single().Line);
        var records = (await crm.Records.QueryAsync(RecordQuery.For(GizmoPlugin.Gizmo).OrderBy("code"))).Records;
        Assert.Equal(16, records.Count);
        var ids = records.Select(r => r.Id.ToString("D")).ToList();
        Assert.Equal(ids.Order(StringComparer.Ordinal), ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public async Task ImportTextAsync_BatchFailsOutsideValidation_RollsBackWholeBatchAndReportsItsLines()
    {
        var crm = await fixture.NewTenantAsync("imp");
        var rejects = new StringWriter();
        var csv = "code,label\nG1,one\nG2,two\nG3,three\nG4,boom\nG5,five\n";

        var report = await crm.ImportCsvAsync(csv, new ImportMapping { EntityType = GizmoPlugin.Gizmo }, new ImportOptions { BatchSize = 2, Rejects = rejects });

        Assert.Equal((2L, 2L, true), (report.Created, report.Failed, report.Stopped));
        Assert.Equal([4L, 5L], report.Errors.Select(e => e.Line));
        Assert.All(report.Errors, e => Assert.Contains("batch of lines 4-5", e.Message));
        Assert.Contains("disk on fire", report.StopReason);
        var codes = (await crm.Records.QueryAsync(RecordQuery.For(GizmoPlugin.Gizmo).OrderBy("code"))).Records.Select(r => r["code"]);
        Assert.Equal(["G1", "G2"], codes);
        Assert.Contains("G3,three,", rejects.ToString());
    }

    [Fact]
    public async Task ImportTextAsync_UserWithoutCreatePrivilege_IsDeniedAndNothingIsWritten()
    {
        var crm = await fixture.NewContactTenantAsync();
        var reader = await crm.Organization.CreateUserAsync(new NewUser("reader", "Reader"));
        await crm.Security.GrantRoleAsync(SecurityPrincipal.User(reader.Id), SystemRoles.ReadOnly);

        await Assert.ThrowsAsync<CrmAccessDeniedException>(() => crm.AsUser(reader.Id).ImportCsvAsync($"{Header}\nC1,Ada,Lovelace,,,,,\n", Contacts()));

        Assert.Equal(0, await CountAsync(crm, "contact"));
    }

    [Fact]
    public async Task ImportTextAsync_AsUser_AuditNamesUserImportSourceAndFile()
    {
        var crm = await fixture.NewContactTenantAsync();
        var admin = await crm.Organization.CreateUserAsync(new NewUser("admin", "Admin"));
        await crm.Security.GrantRoleAsync(SecurityPrincipal.User(admin.Id), SystemRoles.Administrator);

        var report = await crm.AsUser(admin.Id).ImportCsvAsync($"{Header}\nC1,Ada,Lovelace,,,,,\n", Contacts(), new ImportOptions { SourceName = "clients-2024.csv" });
        await crm.AsUser(admin.Id).ImportCsvAsync($"{Header}\nC1,Ada,King,,,,,\n", Contacts(ImportMode.Upsert), new ImportOptions { SourceName = "fix.csv" });

        Assert.Equal("clients-2024.csv", report.SourceName);
        var ada = await ByExtIdAsync(crm, "C1");
        Assert.Equal((admin.Id, admin.Id), (ada!.OwnerId, ada.Stamps.CreatedBy));
        var entries = (await crm.Audit.QueryAsync(new AuditQuery { RecordId = ada.Id })).Entries;
        Assert.Equal(
            [(AuditAction.Update, OperationSource.Import, "fix.csv", admin.Id), (AuditAction.Create, OperationSource.Import, "clients-2024.csv", admin.Id)],
            entries.Select(e => (e.Action, e.Source, e.SourceName!, e.UserId!.Value)));
    }
}
