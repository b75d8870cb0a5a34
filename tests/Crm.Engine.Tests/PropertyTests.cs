using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Records;
using CsCheck;
using static Crm.Engine.Tests.EngineFixture;

namespace Crm.Engine.Tests;

public class PropertyTests(EngineFixture fixture) : IClassFixture<EngineFixture>
{
    private enum OpKind
    {
        Create,
        Update,
        Delete,
        Query,
        Count,
        ReadOther,
        UpdateOther,
        DeleteOther,
    }

    private sealed record Op(int Tenant, OpKind Kind, int Pick, int City)
    {
        public override string ToString() => $"{Kind}(t{Tenant}, pick {Pick}, c{City})";
    }

    [Fact]
    public async Task TenantIsolation_RandomInterleavings_NoTenantReadsChangesOrCountsTheOthersRecords()
    {
        var genOp = Gen.Select(Gen.Int[0, 1], Gen.Enum<OpKind>(), Gen.Int[0, 20], Gen.Int[0, 3], (t, k, p, c) => new Op(t, k, p, c));

        await genOp.Array[1, 18].SampleAsync(
            async ops =>
            {
                ICrmTenant[] tenants = [await fixture.NewTenantAsync("iso"), await fixture.NewTenantAsync("iso")];
                var model = new[] { new Dictionary<Guid, string>(), new Dictionary<Guid, string>() };
                Guid? Pick(int tenant, int pick) => model[tenant].Count == 0 ? null : model[tenant].Keys.Order().ElementAt(pick % model[tenant].Count);

                foreach (var op in ops)
                {
                    var crm = tenants[op.Tenant];
                    var mine = model[op.Tenant];
                    var other = 1 - op.Tenant;
                    var city = $"c{op.City}";
                    switch (op.Kind)
                    {
                        case OpKind.Create:
                            var created = await crm.Records.CreateAsync(CoreEntities.Account, V(("name", $"n{op.Pick}"), ("city", city)));
                            mine[created.Id] = city;
                            break;
                        case OpKind.Update when Pick(op.Tenant, op.Pick) is { } id:
                            await crm.Records.UpdateAsync(CoreEntities.Account, id, null, V(("city", city)));
                            mine[id] = city;
                            break;
                        case OpKind.Delete when Pick(op.Tenant, op.Pick) is { } id:
                            await crm.Records.DeleteAsync(CoreEntities.Account, id);
                            mine.Remove(id);
                            break;
                        case OpKind.Query:
                            var found = await crm.Records.QueryAsync(RecordQuery.For(CoreEntities.Account).Where("city", city).Take(RecordQuery.MaxPageSize));
                            Assert.Equal(mine.Where(p => p.Value == city).Select(p => p.Key).Order(), found.Records.Select(r => r.Id).Order());
                            break;
                        case OpKind.Count:
                            Assert.Equal(mine.Count, await CountAsync(crm, CoreEntities.Account));
                            break;
                        case OpKind.ReadOther when Pick(other, op.Pick) is { } id:
                            Assert.Null(await crm.Records.GetAsync(CoreEntities.Account, id));
                            Assert.Equal(0, await crm.Records.CountAsync(RecordQuery.For(CoreEntities.Account).Where("id", id)));
                            break;
                        case OpKind.UpdateOther when Pick(other, op.Pick) is { } id:
                            await Assert.ThrowsAsync<CrmNotFoundException>(() => crm.Records.UpdateAsync(CoreEntities.Account, id, null, V(("city", "stolen"))));
                            break;
                        case OpKind.DeleteOther when Pick(other, op.Pick) is { } id:
                            await Assert.ThrowsAsync<CrmNotFoundException>(() => crm.Records.DeleteAsync(CoreEntities.Account, id));
                            break;
                        default:
                            break;
                    }
                }

                for (var t = 0; t < 2; t++)
                {
                    var all = await ReadAllPagesAsync(tenants[t], RecordQuery.For(CoreEntities.Account).Take(7));
                    Assert.Equal(model[t].OrderBy(p => p.Key).Select(p => (p.Key, p.Value)), all.Select(r => (r.Id, (string)r["city"]!)).OrderBy(p => p.Id));
                }
            },
            iter: 50,
            threads: 1);
    }

    private sealed record Row(decimal? Score, string? City, bool? Flag, DateTimeOffset? Seen);

    private sealed record Spec(Row[] Rows, (string Field, bool Descending)[] Sort, int PageSize);

    [Fact]
    public async Task KeysetPaging_RandomRecordsAndSortKeys_VisitsEachRecordOnceInLinqOrder()
    {
        var crm = await fixture.NewTenantAsync("keyset");
        await crm.Metadata.AddCustomFieldAsync(CoreEntities.Account, new FieldDefinition { ApiName = "score_c", Type = FieldType.Number, Precision = 1 });
        await crm.Metadata.AddCustomFieldAsync(CoreEntities.Account, new FieldDefinition { ApiName = "flag_c", Type = FieldType.Bool });
        await crm.Metadata.AddCustomFieldAsync(CoreEntities.Account, new FieldDefinition { ApiName = "seen_c", Type = FieldType.DateTime, Indexed = true });
        var genRow = Gen.Select(
            Gen.Int[-12, 12].Select(i => i == 12 ? (decimal?)null : i / 10m),
            Gen.Int[0, 3].Select(i => i == 3 ? null : $"c{i}"),
            Gen.Int[0, 2].Select(i => i == 2 ? (bool?)null : i == 1),
            Gen.Int[0, 3].Select(i => i == 3 ? (DateTimeOffset?)null : new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(i * 1234567L)),
            (score, city, flag, seen) => new Row(score, city, flag, seen));
        var genSort = Gen.Select(Gen.OneOf(Gen.Const("score_c"), Gen.Const("city"), Gen.Const("name"), Gen.Const("createdAt"), Gen.Const("flag_c"), Gen.Const("seen_c")), Gen.Bool, (f, d) => (f, d));
        var genSpec = Gen.Select(genRow.Array[0, 25], genSort.Array[0, 3], Gen.Int[1, 6], (rows, sort, size) => new Spec(rows, sort, size));
        var batch = 0;

        await genSpec.SampleAsync(
            async spec =>
            {
                // Each sample works on its own batch of records, told apart by the account number.
                var number = $"b{Interlocked.Increment(ref batch)}";
                var created = await ((RecordService)crm.Records).CreateManyAsync(CoreEntities.Account, spec.Rows.Select((r, i) =>
                    (IReadOnlyDictionary<string, object?>)V(("name", $"n{i % 4}"), ("accountNumber", number), ("score_c", r.Score), ("city", r.City), ("flag_c", r.Flag), ("seen_c", r.Seen))));
                var query = RecordQuery.For(CoreEntities.Account).Where("accountNumber", number).Take(spec.PageSize)
                    with { Sort = [.. spec.Sort.Select(s => new QuerySort(s.Field, s.Descending))] };

                var pages = 0;
                var visited = new List<CrmRecord>();
                string? token = null;
                do
                {
                    var page = await crm.Records.QueryAsync(query.After(token));
                    Assert.True(page.Records.Count <= spec.PageSize);
                    visited.AddRange(page.Records);
                    token = page.ContinuationToken;
                    pages++;
                }
                while (token is not null);

                var expected = created.Order(new SortComparer(spec.Sort)).Select(r => r.Id).ToList();
                Assert.Equal(expected, visited.Select(r => r.Id));
                Assert.Equal(Math.Max(1, (created.Count + spec.PageSize - 1) / spec.PageSize), pages);
            },
            iter: 40,
            threads: 1,
            print: s => $"{s.Rows.Length} rows [{string.Join(", ", s.Rows.Select(r => $"{r.Score}/{r.City}/{r.Flag}/{r.Seen:O}"))}] sort [{string.Join(", ", s.Sort)}] page {s.PageSize}");
    }

    /// <summary>The documented order: each key with nulls first ascending and last descending, then the id.</summary>
    private sealed class SortComparer((string Field, bool Descending)[] sort) : IComparer<CrmRecord>
    {
        public int Compare(CrmRecord? x, CrmRecord? y)
        {
            foreach (var (field, descending) in sort)
            {
                var a = Key(x!, field);
                var b = Key(y!, field);
                var c = (a, b) switch
                {
                    (null, null) => 0,
                    (null, _) => -1,
                    (_, null) => 1,
                    (string s, string t) => string.CompareOrdinal(s, t),
                    _ => Comparer<object>.Default.Compare(a, b),
                };
                if (c != 0)
                {
                    return descending ? -c : c;
                }
            }

            return string.CompareOrdinal(x!.Id.ToString("D"), y!.Id.ToString("D"));
        }

        private static object? Key(CrmRecord record, string field) => field == "createdAt" ? record.Stamps.CreatedAt : record[field];
    }
}
