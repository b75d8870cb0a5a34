using Crm.Engine.Abstractions.Organization;
using System.Buffers.Text;
using System.Text;
using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Records;
using static Crm.Engine.Tests.EngineFixture;

namespace Crm.Engine.Tests;

/// <summary>Seeds one tenant with four accounts covering every field type, missing values and awkward text.</summary>
public sealed class QueryFixture : EngineFixture
{
    public static readonly Guid Owner = Guid.Parse("0198a8c4-1111-7000-8000-000000000001");

    public ICrmTenant Crm { get; private set; } = null!;

    public Dictionary<string, CrmRecord> Accounts { get; } = new(StringComparer.Ordinal);

    public DateTimeOffset SeededAt { get; private set; }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Crm = await NewTenantAsync("query");
        FieldDefinition[] fields =
        [
            new() { ApiName = "score_c", Type = FieldType.Number, Indexed = true },
            new() { ApiName = "since_c", Type = FieldType.Date },
            new() { ApiName = "seen_c", Type = FieldType.DateTime },
            new() { ApiName = "vip_c", Type = FieldType.Bool },
            new() { ApiName = "tier_c", Type = FieldType.Choice, Options = [new("gold", "Gold"), new("silver", "Silver")] },
            new() { ApiName = "tags_c", Type = FieldType.MultiChoice, Options = [new("retail", "Retail"), new("online", "Online"), new("export", "Export")] },
        ];
        foreach (var field in fields)
        {
            await Crm.Metadata.AddCustomFieldAsync(CoreEntities.Account, field);
        }

        await Crm.Organization.CreateUserAsync(new NewUser("owner", "Owner") { Id = Owner });
        SeededAt = Host.Clock.GetUtcNow();
        await AddAsync("A", V(("name", "Alpha"), ("city", "Berlin"), ("score_c", 10), ("tier_c", "gold"), ("tags_c", new List<string> { "retail", "online" }), ("vip_c", true), ("since_c", "2020-01-01"), ("seen_c", "2026-01-01T00:00:00Z")));
        await AddAsync("B", V(("name", "beta"), ("city", "Bonn"), ("score_c", 20.5m), ("tier_c", "silver"), ("tags_c", new List<string> { "online" }), ("vip_c", false), ("since_c", "2021-06-15")));
        await AddAsync("C", V(("name", "Gamma_1")));
        await AddAsync("D", V(("name", "delta 100%"), ("city", "Berlin"), ("score_c", 30), ("tier_c", "gold"), ("tags_c", new List<string> { "export" }), ("vip_c", true), ("since_c", "2023-03-03"), ("seen_c", "2026-02-01T00:00:00Z")), Owner);
        Host.Clock.Advance(TimeSpan.FromHours(1));
        Accounts["B"] = await Crm.Records.UpdateAsync(CoreEntities.Account, Accounts["B"].Id, null, V(("city", "Bonn")));
    }

    private async Task AddAsync(string key, Dictionary<string, object?> values, Guid? owner = null) =>
        Accounts[key] = await Crm.Records.CreateAsync(CoreEntities.Account, values, new CreateOptions { OwnerId = owner });
}

public class QueryTests(QueryFixture fixture) : IClassFixture<QueryFixture>
{
    public static TheoryData<string, FilterOperator, object?, string> Filters => new()
    {
        { "name", FilterOperator.Equal, "Alpha", "A" },
        { "city", FilterOperator.Equal, "Berlin", "AD" },
        { "city", FilterOperator.NotEqual, "Berlin", "BC" },
        { "score_c", FilterOperator.Equal, 20.5m, "B" },
        { "score_c", FilterOperator.NotEqual, 10, "BCD" },
        { "score_c", FilterOperator.GreaterThan, 10, "BD" },
        { "score_c", FilterOperator.GreaterOrEqual, 20.5, "BD" },
        { "score_c", FilterOperator.LessThan, 20.5m, "A" },
        { "score_c", FilterOperator.LessOrEqual, 20.5m, "AB" },
        { "score_c", FilterOperator.In, new List<int> { 10, 30 }, "AD" },
        { "score_c", FilterOperator.IsNull, null, "C" },
        { "score_c", FilterOperator.IsNotNull, null, "ABD" },
        { "tier_c", FilterOperator.In, new List<string> { "gold" }, "AD" },
        { "tier_c", FilterOperator.Equal, "silver", "B" },
        { "tier_c", FilterOperator.StartsWith, "go", "AD" },
        { "name", FilterOperator.In, new List<string>(), "" },
        { "name", FilterOperator.Contains, "ELT", "D" },
        { "name", FilterOperator.Contains, "100%", "D" },
        { "name", FilterOperator.Contains, "a_", "C" },
        { "name", FilterOperator.StartsWith, "B", "B" },
        { "city", FilterOperator.IsNull, null, "C" },
        { "city", FilterOperator.GreaterThan, "Berlin", "B" },
        { "tags_c", FilterOperator.Equal, "online", "AB" },
        { "tags_c", FilterOperator.NotEqual, "online", "CD" },
        { "tags_c", FilterOperator.In, new List<string> { "export", "retail" }, "AD" },
        { "tags_c", FilterOperator.IsNull, null, "C" },
        { "vip_c", FilterOperator.Equal, true, "AD" },
        { "vip_c", FilterOperator.Equal, false, "B" },
        { "vip_c", FilterOperator.NotEqual, true, "BC" },
        { "since_c", FilterOperator.GreaterOrEqual, new DateOnly(2021, 6, 15), "BD" },
        { "since_c", FilterOperator.LessThan, "2021-01-01", "A" },
        { "seen_c", FilterOperator.LessThan, new DateTimeOffset(2026, 1, 15, 1, 0, 0, TimeSpan.FromHours(1)), "A" },
        { "seen_c", FilterOperator.GreaterThan, "2026-01-01T00:00:00Z", "D" },
        { "ownerId", FilterOperator.Equal, QueryFixture.Owner, "D" },
        { "ownerId", FilterOperator.IsNull, null, "ABC" },
        { "version", FilterOperator.GreaterThan, 1, "B" },
        { "modifiedAt", FilterOperator.GreaterThan, CrmTestHostStart, "B" },
        { "createdAt", FilterOperator.LessOrEqual, CrmTestHostStart, "ABCD" },
        { "city", FilterOperator.IsNotNull, null, "ABD" },
        { "name", FilterOperator.In, new List<string> { "Alpha", "beta", "Beta" }, "AB" },
        { "name", FilterOperator.LessThan, "Gamma_1", "A" },
        { "version", FilterOperator.GreaterOrEqual, 2, "B" },
        { "version", FilterOperator.LessOrEqual, 1, "ACD" },
        { "modifiedAt", FilterOperator.LessThan, CrmTestHostStart.AddMinutes(30), "ACD" },
        { "createdAt", FilterOperator.GreaterOrEqual, CrmTestHostStart, "ABCD" },
        { "ownerId", FilterOperator.IsNotNull, null, "D" },
        { "ownerId", FilterOperator.NotEqual, QueryFixture.Owner, "ABC" },
        { "name", FilterOperator.InIgnoreCase, new List<string> { "ALPHA", "Beta", "gamma_1" }, "ABC" },
        { "city", FilterOperator.InIgnoreCase, new List<string> { "berlin" }, "AD" },
        { "tier_c", FilterOperator.InIgnoreCase, new List<string> { "GOLD" }, "AD" },
        { "name", FilterOperator.InIgnoreCase, new List<string>(), "" },
    };

    private static DateTimeOffset CrmTestHostStart => Testing.CrmTestHost.DefaultStart;

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task QueryAndCount_Filter_MatchesExpectedRecords(string field, FilterOperator op, object? value, string expected)
    {
        var query = RecordQuery.For(CoreEntities.Account).Where(field, op, value).OrderBy("name");

        var page = await fixture.Crm.Records.QueryAsync(query);
        var count = await fixture.Crm.Records.CountAsync(query);

        Assert.Equal(expected.Order().Select(c => fixture.Accounts[c.ToString()].Id).Order(), page.Records.Select(r => r.Id).Order());
        Assert.Equal(expected.Length, count);
    }

    [Fact]
    public async Task QueryAllAsync_WithASmallPageSize_ReadsEveryPageInOrder()
    {
        var query = RecordQuery.For(CoreEntities.Account).Where("name", FilterOperator.In, new List<string> { "Alpha", "beta", "Gamma_1", "delta 100%" }).OrderBy("city").OrderBy("name").Take(1);

        var streamed = new List<string>();
        await foreach (var record in fixture.Crm.Records.QueryAllAsync(query))
        {
            streamed.Add((string)record["name"]!);
        }

        var listed = await fixture.Crm.Records.ReadAllAsync(query);

        Assert.Equal(["Gamma_1", "Alpha", "delta 100%", "beta"], streamed);     // no city first, then Berlin, Bonn
        Assert.Equal(streamed, listed.Select(r => (string)r["name"]!));
    }

    [Fact]
    public async Task QueryAsync_FilterOnIdAndTwoConditions_AndCombined()
    {
        var a = fixture.Accounts["A"];

        var byId = await fixture.Crm.Records.QueryAsync(RecordQuery.For(CoreEntities.Account).Where("id", a.Id));
        var both = await fixture.Crm.Records.QueryAsync(RecordQuery.For(CoreEntities.Account).Where("city", "Berlin").Where("score_c", FilterOperator.GreaterThan, 15));

        Assert.Equal(a.Id, Assert.Single(byId.Records).Id);
        Assert.Equal(fixture.Accounts["D"].Id, Assert.Single(both.Records).Id);
    }

    [Fact]
    public async Task QueryAsync_InIgnoreCaseOnEmailFields_FindsAddressesWhateverTheirCase_FieldByField()
    {
        var crm = await fixture.NewTenantAsync("mailquery");
        var ann = await crm.Records.CreateAsync("contact", V(("lastName", "Ann"), ("email", "Ann@Example.com")));
        var jo = await crm.Records.CreateAsync("contact", V(("lastName", "Jo"), ("email2", "JÖ@example.com")));

        var byEmail = await crm.Records.QueryAsync(RecordQuery.For("contact").Where("email", FilterOperator.InIgnoreCase, new List<string> { " ann@EXAMPLE.com", "jö@example.com" }));
        var byEmail2 = await crm.Records.QueryAsync(RecordQuery.For("contact").Where("email2", FilterOperator.InIgnoreCase, new List<string> { "jö@example.com" }));

        Assert.Equal([ann.Id], byEmail.Records.Select(r => r.Id));
        Assert.Equal([jo.Id], byEmail2.Records.Select(r => r.Id));
    }

    public static TheoryData<string, FilterOperator, object?, string> BadFilters => new()
    {
        { "score_c", FilterOperator.Contains, "1", "filter" },
        { "score_c", FilterOperator.GreaterThan, null, "filter" },
        { "score_c", FilterOperator.Equal, "ten", "type" },
        { "scroe_c", FilterOperator.Equal, 1, "unknown_field" },
        { "tags_c", FilterOperator.Equal, "wholesale", "filter" },
        { "tags_c", FilterOperator.In, new List<string> { "online", "wholesale" }, "filter" },
        { "tags_c", FilterOperator.GreaterThan, "online", "filter" },
        { "tags_c", FilterOperator.Contains, "on", "filter" },
        { "name", FilterOperator.In, "Alpha", "filter" },
        { "vip_c", FilterOperator.Equal, "maybe", "type" },
        { "score_c", FilterOperator.InIgnoreCase, new List<string> { "10" }, "filter" },
        { "name", FilterOperator.InIgnoreCase, "alpha", "filter" },
        { "name", FilterOperator.InIgnoreCase, new List<object> { "alpha", 1 }, "filter" },
    };

    [Theory]
    [MemberData(nameof(BadFilters))]
    public async Task QueryAsync_BadFilter_ValidationErrorNamesField(string field, FilterOperator op, object? value, string rule)
    {
        var query = RecordQuery.For(CoreEntities.Account).Where(field, op, value);

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => fixture.Crm.Records.QueryAsync(query));
        await Assert.ThrowsAsync<CrmValidationException>(() => fixture.Crm.Records.CountAsync(query));

        var error = Assert.Single(ex.Errors);
        Assert.Equal((CoreEntities.Account, field, rule), (error.EntityType, error.Field, error.Rule));
    }

    [Fact]
    public async Task QueryAsync_UnknownFilterField_SuggestsClosest()
    {
        var ex = await Assert.ThrowsAsync<CrmValidationException>(() =>
            fixture.Crm.Records.QueryAsync(RecordQuery.For(CoreEntities.Account).Where("scroe_c", 1)));

        Assert.Contains("Did you mean 'score_c'?", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("score_c", false, "CABD")]
    [InlineData("score_c", true, "DBAC")]
    [InlineData("name", false, "AGbd")]
    [InlineData("city", false, "CADB")]
    [InlineData("since_c", true, "DBAC")]
    [InlineData("vip_c", true, "ADBC")]
    public async Task QueryAsync_Sorted_NullsFirstAscendingLastDescending(string field, bool descending, string expected)
    {
        var query = RecordQuery.For(CoreEntities.Account) with { Sort = [new QuerySort(field, descending)] };

        var page = await fixture.Crm.Records.QueryAsync(query);

        var keys = page.Records.Select(r => fixture.Accounts.Single(a => a.Value.Id == r.Id).Key).ToList();
        var expectedKeys = expected.Select(c => char.ToUpperInvariant(c) == 'G' ? "C" : char.ToUpperInvariant(c).ToString()).ToList();
        if (field == "city" || field == "vip_c")
        {
            // A and D tie (Berlin / true): the id decides, so compare the tie as a set.
            Assert.Equal(expectedKeys.Where(k => k is "B" or "C"), keys.Where(k => k is "B" or "C"));
            Assert.Equal(keys.IndexOf("A") < keys.IndexOf("D"), fixture.Accounts["A"].Id.CompareTo(fixture.Accounts["D"].Id) < 0);
            Assert.Equal(descending ? [0, 1] : [1, 2], new[] { keys.IndexOf("A"), keys.IndexOf("D") }.Order());
        }
        else
        {
            Assert.Equal(expectedKeys, keys);
        }
    }

    [Fact]
    public async Task QueryAsync_SortByMultiChoice_Rejected()
    {
        var ex = await Assert.ThrowsAsync<CrmValidationException>(() =>
            fixture.Crm.Records.QueryAsync(RecordQuery.For(CoreEntities.Account).OrderBy("tags_c")));

        Assert.Equal(("tags_c", "sort"), (ex.Errors[0].Field, ex.Errors[0].Rule));
    }

    [Fact]
    public async Task QueryAsync_OffsetPaging_ReturnsSliceWithTotalAndNoToken()
    {
        var query = RecordQuery.For(CoreEntities.Account).OrderBy("score_c") with { Offset = 1, PageSize = 2, IncludeTotalCount = true };

        var page = await fixture.Crm.Records.QueryAsync(query);

        Assert.Equal([fixture.Accounts["A"].Id, fixture.Accounts["B"].Id], page.Records.Select(r => r.Id));
        Assert.Equal(4, page.TotalCount);
        Assert.Null(page.ContinuationToken);
    }

    [Fact]
    public async Task QueryAsync_IncludeTotalCount_CountsEveryMatchNotJustPage()
    {
        var query = RecordQuery.For(CoreEntities.Account).Where("score_c", FilterOperator.IsNotNull).Take(1) with { IncludeTotalCount = true };

        var page = await fixture.Crm.Records.QueryAsync(query);
        var without = await fixture.Crm.Records.QueryAsync(query with { IncludeTotalCount = false });

        Assert.Single(page.Records);
        Assert.Equal(3, page.TotalCount);
        Assert.NotNull(page.ContinuationToken);
        Assert.Null(without.TotalCount);
    }

    [Fact]
    public async Task QueryAsync_PageSizeAboveMaximum_Rejected()
    {
        var ex = await Assert.ThrowsAsync<CrmValidationException>(() =>
            fixture.Crm.Records.QueryAsync(RecordQuery.For(CoreEntities.Account).Take(RecordQuery.MaxPageSize + 1)));

        Assert.Equal("page_size", Assert.Single(ex.Errors).Rule);
    }

    [Fact]
    public async Task QueryAsync_TokenAndOffset_Rejected()
    {
        var query = RecordQuery.For(CoreEntities.Account).OrderBy("name").Take(1);
        var first = await fixture.Crm.Records.QueryAsync(query);

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() =>
            fixture.Crm.Records.QueryAsync(query.After(first.ContinuationToken) with { Offset = 1 }));

        Assert.Equal("paging", Assert.Single(ex.Errors).Rule);
    }

    public static TheoryData<string> TamperedTokens => new() { "garbage", "truncate", "flip", "rename", "other-sort", "other-entity", "values-null", "edit-value" };

    [Theory]
    [MemberData(nameof(TamperedTokens))]
    public async Task QueryAsync_TamperedContinuationToken_ValidationError(string tampering)
    {
        var query = RecordQuery.For(CoreEntities.Account).OrderBy("score_c").Take(2);
        var token = (await fixture.Crm.Records.QueryAsync(query)).ContinuationToken!;
        var otherSort = (await fixture.Crm.Records.QueryAsync(RecordQuery.For(CoreEntities.Account).OrderBy("name").Take(2))).ContinuationToken!;
        var byCreation = (await fixture.Crm.Records.QueryAsync(RecordQuery.For(CoreEntities.Account).OrderBy("createdAt").Take(2))).ContinuationToken!;
        var json = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token.Split('.')[0]));
        string Reencode(string text) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(text)) + token[token.Split('.')[0].Length..];
        var (bad, target) = tampering switch
        {
            "garbage" => ("not a token!", CoreEntities.Account),
            "truncate" => (token[..(token.Length / 2)], CoreEntities.Account),
            "flip" => (token[..10] + (token[10] == 'A' ? 'B' : 'A') + token[11..], CoreEntities.Account),
            "rename" => (Reencode(json.Replace("\"Values\"", "\"Valuez\"", StringComparison.Ordinal)), CoreEntities.Account),
            "values-null" => (Reencode(json.Replace("\"Values\":[", "\"Values\":null,\"X\":[", StringComparison.Ordinal)), CoreEntities.Account),
            "edit-value" => (Reencode(json.Replace("[10]", "[20.5]", StringComparison.Ordinal)), CoreEntities.Account),
            "other-sort" => (otherSort, CoreEntities.Account),
            _ => (byCreation, CoreEntities.Contact),
        };
        var sortField = tampering == "other-entity" ? "createdAt" : "score_c";
        Assert.NotEqual(json, tampering is "rename" or "values-null" or "edit-value" ? Encoding.UTF8.GetString(Base64Url.DecodeFromChars(bad.Split('.')[0])) : string.Empty);

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() =>
            fixture.Crm.Records.QueryAsync(RecordQuery.For(target).OrderBy(sortField).Take(2).After(bad)));

        var error = Assert.Single(ex.Errors);
        Assert.Equal((target, "continuation_token"), (error.EntityType, error.Rule));
    }

    [Fact]
    public async Task QueryAsync_ManyPagesWithTiesAndNulls_EveryRecordOnceInSortOrder()
    {
        var crm = await fixture.NewTenantAsync("pages");
        await crm.Metadata.AddCustomFieldAsync(CoreEntities.Account, new FieldDefinition { ApiName = "rank_c", Type = FieldType.Number });
        var created = await ((Records.RecordService)crm.Records).CreateManyAsync(CoreEntities.Account, Enumerable.Range(0, 150)
            .Select(i => (IReadOnlyDictionary<string, object?>)V(("name", $"a{i % 3}"), ("rank_c", i % 5 == 4 ? null : i % 4)))
            .ToList());

        var pages = new List<RecordPage>();
        string? token = null;
        do
        {
            var page = await crm.Records.QueryAsync(RecordQuery.For(CoreEntities.Account).OrderByDescending("rank_c").OrderBy("name").Take(7).After(token) with { IncludeTotalCount = true });
            pages.Add(page);
            token = page.ContinuationToken;
        }
        while (token is not null);

        var visited = pages.SelectMany(p => p.Records).ToList();
        Assert.Equal(22, pages.Count);
        Assert.All(pages, p => Assert.Equal(150, p.TotalCount));
        Assert.Equal(created.Select(r => r.Id).Order(), visited.Select(r => r.Id).Order());
        var expected = created
            .OrderBy(r => r["rank_c"] is null ? 1 : 0)
            .ThenByDescending(r => r.Get<decimal?>("rank_c"))
            .ThenBy(r => (string)r["name"]!, StringComparer.Ordinal)
            .ThenBy(r => r.Id.ToString("D"), StringComparer.Ordinal)
            .Select(r => r.Id);
        Assert.Equal(expected, visited.Select(r => r.Id));
    }

    [Fact]
    public async Task QueryAsync_TokenPages_VisitEveryRecordOnceInOrder()
    {
        var query = RecordQuery.For(CoreEntities.Account).OrderByDescending("score_c").Take(1);

        var all = await ReadAllPagesAsync(fixture.Crm, query);

        Assert.Equal(["D", "B", "A", "C"], all.Select(r => fixture.Accounts.Single(a => a.Value.Id == r.Id).Key));
    }
}
