using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Import;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Tenancy;

namespace Crm.Engine.Tests.Import;

/// <summary>
/// Real, messy data: samples of the public Olist marketing funnel dataset (see TestData/LICENSE.md), imported into
/// accounts as a consultant would: custom fields defined through the metadata API, a mapping, upsert by the lead id.
/// </summary>
public class OlistImportTests(ImportFixture fixture) : IClassFixture<ImportFixture>
{
    private static readonly string DataFolder = Path.Combine(AppContext.BaseDirectory, "Import", "TestData");

    private static readonly string[] Wolf = ["wolf"];

    private static readonly string[] CatOrEagle = ["cat", "eagle"];

    private static readonly string[] Origins = ["organic_search", "paid_search", "social", "unknown", "direct_traffic", "email", "referral", "other", "display", "other_publicities"];

    private static ImportMapping LeadMapping => new()
    {
        EntityType = "account",
        Columns =
        [
            new() { Column = "mql_id", Field = "name" },
            new() { Column = "mql_id", Field = "mqlId_c" },
            new() { Column = "first_contact_date", Field = "firstContactDate_c" },
            new() { Column = "landing_page_id", Field = "landingPageId_c" },
            new() { Column = "origin", Field = "origin_c" },
        ],
        KeyFields = ["mqlId_c"],
        Mode = ImportMode.Upsert,
    };

    private static async Task<ICrmTenant> LeadTenantAsync(ImportFixture fixture)
    {
        var crm = await fixture.NewTenantAsync("olist");
        await crm.Metadata.AddCustomFieldAsync("account", new FieldDefinition { ApiName = "mqlId_c", Type = FieldType.Text, MaxLength = 32, Indexed = true });
        await crm.Metadata.AddCustomFieldAsync("account", new FieldDefinition { ApiName = "firstContactDate_c", Type = FieldType.Date });
        await crm.Metadata.AddCustomFieldAsync("account", new FieldDefinition { ApiName = "landingPageId_c", Type = FieldType.Text, MaxLength = 32 });
        await crm.Metadata.AddCustomFieldAsync("account", new FieldDefinition
        {
            ApiName = "origin_c",
            Type = FieldType.Choice,
            Indexed = true,
            Options = [.. Origins.Select(o => new ChoiceOption(o, o.Replace('_', ' ')))],
        });
        return crm;
    }

    [Fact]
    public async Task ImportAsync_OlistLeadsSample_ImportsEveryLeadKeepingBlankOriginApartFromUnknown()
    {
        var crm = await LeadTenantAsync(fixture);
        await using var file = File.OpenRead(Path.Combine(DataFolder, "olist_marketing_qualified_leads_sample.csv"));

        var report = await crm.Import.ImportAsync(file, LeadMapping, new ImportOptions { SourceName = "olist_marketing_qualified_leads_sample.csv", BatchSize = 64 });

        Assert.True(report.Succeeded, string.Join("\n", report.Errors));
        Assert.Equal((300L, 300L, 0L), (report.RowsRead, report.Created, report.Failed));
        Assert.Equal(300, await crm.Records.CountAsync(RecordQuery.For("account")));
        Assert.Equal(7, await crm.Records.CountAsync(RecordQuery.For("account").Where("origin_c", FilterOperator.IsNull)));
        Assert.Equal(34, await crm.Records.CountAsync(RecordQuery.For("account").Where("origin_c", "unknown")));
        Assert.Equal(72, await crm.Records.CountAsync(RecordQuery.For("account").Where("origin_c", "organic_search")));
        var first = (await crm.Records.QueryAsync(RecordQuery.For("account").Where("mqlId_c", "dac32acd4db4c29c230538b72f8dd87d"))).Records.Single();
        Assert.Equal(("dac32acd4db4c29c230538b72f8dd87d", new DateOnly(2018, 2, 1), "88740e65d5d6b056e0cda098e1ea6313", "social"),
            (first["name"], first["firstContactDate_c"], first["landingPageId_c"], first["origin_c"]));
    }

    [Fact]
    public async Task ImportAsync_OlistLeadsTwice_SecondRunFindsEveryLeadUnchanged()
    {
        var crm = await LeadTenantAsync(fixture);
        var path = Path.Combine(DataFolder, "olist_marketing_qualified_leads_sample.csv");
        await using (var file = File.OpenRead(path))
        {
            await crm.Import.ImportAsync(file, LeadMapping);
        }

        await using var again = File.OpenRead(path);
        var report = await crm.Import.ImportAsync(again, LeadMapping);

        Assert.Equal((0L, 0L, 300L), (report.Created, report.Updated, report.Unchanged));
        Assert.Equal(300, await crm.Records.CountAsync(RecordQuery.For("account")));
    }

    [Fact]
    public async Task ImportAsync_OlistClosedDealsSample_ConvertsFloatsBooleansListsAndLocalTimes()
    {
        var crm = await fixture.NewTenantAsync("deals");
        await fixture.Engine.Tenants.UpdateSettingsAsync(crm.TenantId, new TenantSettings("America/Sao_Paulo", "pt-BR", "BRL"));
        await crm.Metadata.AddCustomFieldAsync("account", new FieldDefinition { ApiName = "mqlId_c", Type = FieldType.Text, MaxLength = 32, Indexed = true });
        await crm.Metadata.AddCustomFieldAsync("account", new FieldDefinition { ApiName = "wonAt_c", Type = FieldType.DateTime });
        await crm.Metadata.AddCustomFieldAsync("account", new FieldDefinition
        {
            ApiName = "behaviour_c",
            Type = FieldType.MultiChoice,
            Options = [new("cat", "Cat"), new("eagle", "Eagle"), new("wolf", "Wolf"), new("shark", "Shark")],
        });
        await crm.Metadata.AddCustomFieldAsync("account", new FieldDefinition { ApiName = "hasCompany_c", Type = FieldType.Bool });
        await crm.Metadata.AddCustomFieldAsync("account", new FieldDefinition { ApiName = "monthlyRevenue_c", Type = FieldType.Money, MinValue = 0 });
        await crm.Metadata.AddCustomFieldAsync("account", new FieldDefinition { ApiName = "catalogSize_c", Type = FieldType.Number });
        await crm.Metadata.AddCustomFieldAsync("account", new FieldDefinition { ApiName = "olistExtra_c", Type = FieldType.Text });
        var mapping = new ImportMapping
        {
            EntityType = "account",
            Columns =
            [
                new() { Column = "seller_id", Field = "name" },
                new() { Column = "mql_id", Field = "mqlId_c" },
                new() { Column = "won_date", Field = "wonAt_c" },
                new() { Column = "business_segment", Field = "industry" },
                new() { Column = "lead_behaviour_profile", Field = "behaviour_c", Separator = "," },
                new() { Column = "has_company", Field = "hasCompany_c" },
                new() { Column = "declared_monthly_revenue", Field = "monthlyRevenue_c" },
                new() { Column = "declared_product_catalog_size", Field = "catalogSize_c" },
            ],
            IgnoreColumns = ["has_gtin"],
            UnmappedColumnsField = "olistExtra_c",
            KeyFields = ["mqlId_c"],
        };
        await using var file = File.OpenRead(Path.Combine(DataFolder, "olist_closed_deals_sample.csv"));

        var report = await crm.Import.ImportAsync(file, mapping);

        Assert.True(report.Succeeded, string.Join("\n", report.Errors));
        Assert.Equal(200, report.Created);
        Assert.Equal(4, await crm.Records.CountAsync(RecordQuery.For("account").Where("behaviour_c", FilterOperator.In, Wolf).Where("behaviour_c", FilterOperator.In, CatOrEagle)));
        Assert.Equal(188, await crm.Records.CountAsync(RecordQuery.For("account").Where("hasCompany_c", FilterOperator.IsNull)));
        Assert.Equal(11, await crm.Records.CountAsync(RecordQuery.For("account").Where("hasCompany_c", true)));
        var first = (await crm.Records.QueryAsync(RecordQuery.For("account").Where("mqlId_c", "5420aad7fec3549a85876ba1c529bd84"))).Records.Single();
        Assert.Equal(new DateTimeOffset(2018, 2, 26, 22, 58, 54, TimeSpan.Zero), first["wonAt_c"]);
        Assert.Equal(("pet", 0m, null), (first["industry"], first["monthlyRevenue_c"], first["catalogSize_c"]));
        Assert.Equal(["cat"], (IReadOnlyList<string>)first["behaviour_c"]!);
        Assert.Equal("sdr_id: a8387c01a09e99ce014107505b92388c\nsr_id: 4ef15afb4b2723d8f3d81e51ec7afefe\nlead_type: online_medium\nbusiness_type: reseller", first["olistExtra_c"]);
        var pair = (await crm.Records.QueryAsync(RecordQuery.For("account").Where("mqlId_c", "58caf27a48e7930aefd5437298d64a70"))).Records.Single();
        Assert.Equal(["cat", "wolf"], (IReadOnlyList<string>)pair["behaviour_c"]!);
        Assert.Equal((true, 30000m, 50m), (pair["hasCompany_c"], pair["monthlyRevenue_c"], pair["catalogSize_c"]));
    }
}
