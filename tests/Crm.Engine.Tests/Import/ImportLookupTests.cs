using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Import;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Organization;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Security;
using static Crm.Engine.Tests.EngineFixture;

namespace Crm.Engine.Tests.Import;

/// <summary>Look-up fields imported by a business key of the parent (<see cref="ColumnMapping.LookupBy"/>).</summary>
public class ImportLookupTests(ImportFixture fixture) : IClassFixture<ImportFixture>
{
    private static ImportMapping Contacts(string? lookupBy = "accountNumber", string field = "accountId", bool ignoreCase = false) => new()
    {
        EntityType = "contact",
        Columns =
        [
            new() { Column = "External ID", Field = "extId_c" },
            new() { Column = "Company", Field = field, LookupBy = lookupBy, LookupIgnoreCase = ignoreCase },
        ],
        KeyFields = ["extId_c"],
    };

    private static async Task<CrmRecord> AccountAsync(ICrmTenant crm, string name, string? number) =>
        await crm.Records.CreateAsync("account", V(("name", name), ("accountNumber", number)));

    private static async Task<CrmRecord?> ByExtIdAsync(ICrmTenant crm, string extId) =>
        (await crm.Records.QueryAsync(RecordQuery.For("contact").Where("extId_c", extId))).Records.SingleOrDefault();

    [Fact]
    public async Task ImportTextAsync_LookupByAccountNumber_LinksContactsToTheirAccounts()
    {
        var crm = await fixture.NewContactTenantAsync();
        var acme = await AccountAsync(crm, "Acme", "A-100");
        var globex = await AccountAsync(crm, "Globex", "A-200");

        var report = await crm.ImportCsvAsync("External ID,Last Name,Company\nC1,Lovelace, A-100 \nC2,Turing,A-200\nC3,Hopper,A-100\n", Contacts());

        Assert.True(report.Succeeded, string.Join("\n", report.Errors));
        Assert.Equal(3, report.Created);
        Assert.Equal(acme.Id, (await ByExtIdAsync(crm, "C1"))!["accountId"]);
        Assert.Equal(globex.Id, (await ByExtIdAsync(crm, "C2"))!["accountId"]);
        Assert.Equal(acme.Id, (await ByExtIdAsync(crm, "C3"))!["accountId"]);
        Assert.Equal(2, await CountAsync(crm, "account"));
    }

    [Fact]
    public async Task ImportTextAsync_LookupByName_LinksByTheAccountName()
    {
        var crm = await fixture.NewContactTenantAsync();
        var acme = await AccountAsync(crm, "Acme Ltd", null);

        var report = await crm.ImportCsvAsync("External ID,Last Name,Company\nC1,Lovelace,Acme Ltd\n", Contacts("name"), new ImportOptions { BatchSize = 1 });

        Assert.True(report.Succeeded, string.Join("\n", report.Errors));
        Assert.Equal(acme.Id, (await ByExtIdAsync(crm, "C1"))!["accountId"]);
    }

    [Fact]
    public async Task ImportTextAsync_LookupValueNotFound_FailsRowWithLineColumnValueAndWritesRejects()
    {
        var crm = await fixture.NewContactTenantAsync();
        await AccountAsync(crm, "Acme", "A-100");
        var rejects = new StringWriter();

        var report = await crm.ImportCsvAsync("External ID,Last Name,Company\nC1,Lovelace,A-100\nC2,Turing,A-999\n", Contacts(), new ImportOptions { Rejects = rejects });

        Assert.Equal((1L, 1L), (report.Created, report.Failed));
        var error = Assert.Single(report.Errors);
        Assert.Equal((3L, "Company", "accountId", "A-999", "not_found"), (error.Line, error.Column, error.Field, error.Value, error.Rule));
        Assert.Contains("no account has accountNumber 'A-999'", error.Message, StringComparison.Ordinal);
        Assert.Contains("C2,Turing,A-999,\"line 3, column 'Company'", rejects.ToString(), StringComparison.Ordinal);
        Assert.Null(await ByExtIdAsync(crm, "C2"));
        Assert.Equal(1, await CountAsync(crm, "account"));
    }

    [Fact]
    public async Task ImportTextAsync_LookupValueMatchesSeveralRecords_FailsRowAsAmbiguous()
    {
        var crm = await fixture.NewContactTenantAsync();
        await AccountAsync(crm, "Acme", "A-100");
        await AccountAsync(crm, "Acme", "A-101");

        var report = await crm.ImportCsvAsync("External ID,Last Name,Company\nC1,Lovelace,Acme\n", Contacts("name"));

        var error = Assert.Single(report.Errors);
        Assert.Equal((2L, "Company", "Acme", "ambiguous_lookup"), (error.Line, error.Column, error.Value, error.Rule));
        Assert.Contains("ambiguous: 2 account records have name 'Acme'", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await CountAsync(crm, "contact"));
    }

    [Fact]
    public async Task ImportTextAsync_LookupIgnoreCase_LinksNamesWrittenInAnotherCase()
    {
        var crm = await fixture.NewContactTenantAsync();
        var acme = await AccountAsync(crm, "Acme Corp", null);
        var globex = await AccountAsync(crm, "Globex", null);

        var report = await crm.ImportCsvAsync("External ID,Last Name,Company\nC1,Lovelace,ACME CORP\nC2,Turing,acme corp\nC3,Hopper,Globex\n", Contacts("name", ignoreCase: true));

        Assert.True(report.Succeeded, string.Join("\n", report.Errors));
        Assert.Equal(acme.Id, (await ByExtIdAsync(crm, "C1"))!["accountId"]);
        Assert.Equal(acme.Id, (await ByExtIdAsync(crm, "C2"))!["accountId"]);
        Assert.Equal(globex.Id, (await ByExtIdAsync(crm, "C3"))!["accountId"]);
        Assert.Contains(report.Warnings, w => w.Message.Contains("account.name (lookupBy of contact.accountId) is matched ignoring case: each batch reads every account record once", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ImportTextAsync_WithoutLookupIgnoreCase_AnotherCaseIsNotFound()
    {
        var crm = await fixture.NewContactTenantAsync();
        await AccountAsync(crm, "Acme Corp", null);

        var report = await crm.ImportCsvAsync("External ID,Last Name,Company\nC1,Lovelace,ACME CORP\n", Contacts("name"));

        Assert.Equal("not_found", Assert.Single(report.Errors).Rule);
    }

    [Fact]
    public async Task ImportTextAsync_LookupIgnoreCase_ExactCaseWins_CaseVariantsOnlyAreAmbiguous()
    {
        var crm = await fixture.NewContactTenantAsync();
        var upper = await AccountAsync(crm, "ACME", null);
        await AccountAsync(crm, "Acme", null);

        var report = await crm.ImportCsvAsync("External ID,Last Name,Company\nC1,Lovelace,ACME\nC2,Turing,acme\nC3,Hopper,Initech\n", Contacts("name", ignoreCase: true));

        Assert.Equal((1L, 2L), (report.Created, report.Failed));
        Assert.Equal(upper.Id, (await ByExtIdAsync(crm, "C1"))!["accountId"]);
        var ambiguous = report.Errors.Single(e => e.Line == 3);
        Assert.Equal("ambiguous_lookup", ambiguous.Rule);
        Assert.Contains("2 account records have name 'acme' ignoring case", ambiguous.Message, StringComparison.Ordinal);
        var missing = report.Errors.Single(e => e.Line == 4);
        Assert.Equal("not_found", missing.Rule);
        Assert.Contains("no account has name 'Initech' (ignoring case)", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImportTextAsync_LookupIgnoreCaseWithoutLookupBy_ThrowsMappingError()
    {
        var crm = await fixture.NewContactTenantAsync();

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => crm.ImportCsvAsync("External ID,Last Name,Company\nC1,Lovelace,x\n", Contacts(lookupBy: null, ignoreCase: true)));

        var error = Assert.Single(ex.Errors);
        Assert.Equal(("columns[1].lookupIgnoreCase", true), (error.Field, error.Value));
        Assert.Contains("lookupIgnoreCase needs lookupBy (column 'Company', field contact.accountId)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImportTextAsync_LookupIgnoreCaseOnANumberField_ThrowsMappingErrorNamingIt()
    {
        var crm = await fixture.NewContactTenantAsync();
        await crm.Metadata.AddCustomFieldAsync("account", new FieldDefinition { ApiName = "code_c", Type = FieldType.Number, Indexed = true });

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => crm.ImportCsvAsync("External ID,Last Name,Company\nC1,Lovelace,7\n", Contacts("code_c", ignoreCase: true)));

        var error = Assert.Single(ex.Errors);
        Assert.Equal(("columns[1].lookupIgnoreCase", true), (error.Field, error.Value));
        Assert.Contains("account.code_c (lookupBy of contact.accountId) is a Number field: lookupIgnoreCase applies to text values only", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImportTextAsync_BlankLookupValue_CreatesContactWithoutAccount()
    {
        var crm = await fixture.NewContactTenantAsync();
        await AccountAsync(crm, "Acme", "A-100");

        var report = await crm.ImportCsvAsync("External ID,Last Name,Company\nC1,Lovelace,  \n", Contacts());

        Assert.True(report.Succeeded, string.Join("\n", report.Errors));
        Assert.Null((await ByExtIdAsync(crm, "C1"))!["accountId"]);
    }

    [Fact]
    public async Task ImportTextAsync_LookupByOnFieldThatIsNotALookup_ThrowsMappingErrorAndWritesNothing()
    {
        var crm = await fixture.NewContactTenantAsync();

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => crm.ImportCsvAsync("External ID,Last Name,Company\nC1,Lovelace,A-100\n", Contacts(field: "notes_c")));

        var error = Assert.Single(ex.Errors);
        Assert.Equal(("columns[1].lookupBy", "mapping"), (error.Field, error.Rule));
        Assert.Contains("not a look-up", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await CountAsync(crm, "contact"));
    }

    [Fact]
    public async Task ImportTextAsync_LookupByUnknownTargetField_ThrowsMappingErrorWithSuggestion()
    {
        var crm = await fixture.NewContactTenantAsync();

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => crm.ImportCsvAsync("External ID,Last Name,Company\nC1,Lovelace,A-100\n", Contacts("acountNumber")));

        var error = Assert.Single(ex.Errors);
        Assert.Contains("account (the target of contact.accountId) has no field 'acountNumber'. Did you mean 'accountNumber'?", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await CountAsync(crm, "contact"));
    }

    [Fact]
    public async Task ImportTextAsync_LookupByAnotherLookupField_ThrowsMappingError()
    {
        var crm = await fixture.NewContactTenantAsync();

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => crm.ImportCsvAsync("External ID,Last Name,Company\nC1,Lovelace,A-100\n", Contacts("parentAccountId")));

        Assert.Contains("account.parentAccountId is a Lookup field and cannot identify account records", Assert.Single(ex.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImportTextAsync_LookupByDryRun_ResolvesLikeARealRunAndWritesNothing()
    {
        var crm = await fixture.NewContactTenantAsync();
        await AccountAsync(crm, "Acme", "A-100");

        var report = await crm.ImportCsvAsync("External ID,Last Name,Company\nC1,Lovelace,A-100\nC2,Turing,A-999\n", Contacts(), new ImportOptions { DryRun = true });

        Assert.Equal((true, 1L, 1L), (report.DryRun, report.Created, report.Failed));
        Assert.Equal("not_found", Assert.Single(report.Errors).Rule);
        Assert.Equal(0, await CountAsync(crm, "contact"));
        Assert.Equal(1, await CountAsync(crm, "account"));
    }

    [Fact]
    public async Task ImportTextAsync_LookupByAccountTheUserCannotRead_IsNotFound()
    {
        var crm = await fixture.NewContactTenantAsync();
        await crm.Security.SaveRoleAsync(new SecurityRole("own-accounts", "Own accounts")
        {
            Privileges =
            [
                .. Enum.GetValues<RecordPrivilege>().Select(p => new EntityPrivilege("contact", p, AccessDepth.Tenant)),
                .. Enum.GetValues<RecordPrivilege>().Select(p => new EntityPrivilege("account", p, AccessDepth.Own)),
            ],
        });
        var user = await crm.Organization.CreateUserAsync(new NewUser("clerk", "Clerk"));
        await crm.Security.GrantRoleAsync(SecurityPrincipal.User(user.Id), "own-accounts");
        var mine = await crm.Records.CreateAsync("account", V(("name", "Mine"), ("accountNumber", "A-1")), new CreateOptions { OwnerId = user.Id });
        await AccountAsync(crm, "Hidden", "A-2");
        var clerk = crm.AsUser(user.Id);

        var report = await clerk.ImportCsvAsync("External ID,Last Name,Company\nC1,Lovelace,A-1\nC2,Turing,A-2\n", Contacts());

        Assert.Equal((1L, 1L), (report.Created, report.Failed));
        var error = Assert.Single(report.Errors);
        Assert.Equal((3L, "A-2", "not_found"), (error.Line, error.Value, error.Rule));
        Assert.Equal(mine.Id, (await ByExtIdAsync(crm, "C1"))!["accountId"]);
    }
}
