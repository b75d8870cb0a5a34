using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Security;
using Crm.Engine.Abstractions.Work;
using Microsoft.Extensions.DependencyInjection;
using static Crm.Engine.Tests.EngineFixture;
using static Crm.Engine.Tests.Security.Org;

namespace Crm.Engine.Tests.Security;

/// <summary>Every read path returns, counts and sums only what the caller may read.</summary>
public class AccessReadPathTests(AccessFixture fixture) : IClassFixture<AccessFixture>
{
    private static async Task<(Org Org, Guid Me, Guid Other)> DealsAsync(AccessFixture fixture, params EntityPrivilege[] privileges)
    {
        var org = await fixture.NewOrgAsync();
        var role = await org.RoleAsync("r", privileges);
        var unitA = await org.UnitAsync("A");
        var unitB = await org.UnitAsync("B");
        var me = await org.UserAsync("me", unitA, role);
        var colleague = await org.UserAsync("colleague", unitA);
        var other = await org.UserAsync("other", unitB);
        await org.DealAsync("m1", me, amount: 10, category: "a");
        await org.DealAsync("m2", me, amount: 20, category: "a");
        await org.DealAsync("m3", me, amount: 30, category: "b");
        await org.DealAsync("c1", colleague, amount: 1000, category: "a");
        await org.DealAsync("o1", other, amount: 100, category: "a");
        await org.DealAsync("o2", other, amount: 200, category: "b");
        return (org, me, other);
    }

    [Fact]
    public async Task QueryAndCount_WithTotalCountAndPaging_OnlyReadableRecords()
    {
        var (org, me, _) = await DealsAsync(fixture, P(RecordPrivilege.Read, AccessDepth.Own));
        var crm = org.As(me);

        var first = await crm.Records.QueryAsync(RecordQuery.For(Deal).OrderBy("title").Take(2) with { IncludeTotalCount = true });
        var second = await crm.Records.QueryAsync(RecordQuery.For(Deal).OrderBy("title").Take(2).After(first.ContinuationToken));

        Assert.Equal(3, first.TotalCount);
        Assert.Equal(["m1", "m2", "m3"], first.Records.Concat(second.Records).Select(r => (string)r["title"]!));
        Assert.Null(second.ContinuationToken);
        Assert.Equal(3, await crm.Records.CountAsync(RecordQuery.For(Deal)));
        Assert.Equal(2, await crm.Records.CountAsync(RecordQuery.For(Deal).Where("amount", FilterOperator.GreaterOrEqual, 20)));
        Assert.Equal(6, await CountAsync(org.System, Deal));
        var offset = await crm.Records.QueryAsync(RecordQuery.For(Deal).OrderBy("title") with { Offset = 2, IncludeTotalCount = true });
        Assert.Equal(["m3"], offset.Records.Select(r => (string)r["title"]!));
    }

    [Fact]
    public async Task Aggregate_CountsAndSumsPerGroup_OnlyOfReadableRecords()
    {
        var (org, me, _) = await DealsAsync(fixture, P(RecordPrivilege.Read, AccessDepth.Own));
        var report = AggregateQuery.For(Deal) with
        {
            GroupBy = ["category"],
            Aggregates = [new AggregateSpec(AggregateFunction.Count, null, "n"), new AggregateSpec(AggregateFunction.Sum, "amount", "total"), new AggregateSpec(AggregateFunction.Max, "amount", "max")],
        };

        var mine = await org.As(me).Records.AggregateAsync(report);
        var all = await org.System.Records.AggregateAsync(report);

        Assert.Equal(["a:2:30:20", "b:1:30:30"], mine.Select(Row));
        Assert.Equal(["a:4:1130:1000", "b:2:230:200"], all.Select(Row));
        var total = Assert.Single(await org.As(me).Records.AggregateAsync(AggregateQuery.For(Deal)));
        Assert.Equal(3L, total.Values["count"]);

        static string Row(AggregateRow r) => $"{r.Keys["category"]}:{r.Values["n"]}:{r.Values["total"]:0}:{r.Values["max"]:0}";
    }

    [Fact]
    public async Task Export_WithoutTheExportPrivilege_IsDenied()
    {
        var (org, me, _) = await DealsAsync(fixture, P(RecordPrivilege.Read, AccessDepth.Tenant));

        var ex = await Assert.ThrowsAsync<CrmAccessDeniedException>(async () =>
        {
            await foreach (var _ in org.As(me).Records.ExportAsync(RecordQuery.For(Deal)))
            {
            }
        });

        Assert.Contains("Export", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_AtOwnDepth_ExportsOnlyOwnRecordsThoughMoreAreReadable()
    {
        var (org, me, _) = await DealsAsync(fixture, P(RecordPrivilege.Read, AccessDepth.Tenant), P(RecordPrivilege.Export, AccessDepth.Own));
        var crm = org.As(me);
        var shared = (await TitlesAsync(org.System)).Count;

        var exported = new List<string>();
        await foreach (var record in crm.Records.ExportAsync(RecordQuery.For(Deal)))
        {
            exported.Add((string)record["title"]!);
        }

        Assert.Equal(6, shared);
        Assert.Equal(6, (await TitlesAsync(crm)).Count);
        Assert.Equal(["m1", "m2", "m3"], exported.Order(StringComparer.Ordinal));

        // A share grants reading, never exporting.
        var o1 = (await org.System.Records.QueryAsync(RecordQuery.For(Deal).Where("title", "o1"))).Records.Single();
        await org.System.Security.ShareAsync(new RecordRef(Deal, o1.Id), SecurityPrincipal.User(me), ShareRights.Read | ShareRights.Write | ShareRights.Share);
        var again = new List<string>();
        await foreach (var record in crm.Records.ExportAsync(RecordQuery.For(Deal).Where("category", "a")))
        {
            again.Add((string)record["title"]!);
        }

        Assert.Equal(["m1", "m2"], again.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task CustomerReadPaths_ChildrenContactsScreenPopAndTimeline_OnlyReadableRecords()
    {
        var org = await fixture.NewOrgAsync();
        var role = await org.RoleAsync("own", Every(EntityPrivilege.AnyEntity, AccessDepth.Own));
        var me = await org.UserAsync("me", await org.UnitAsync("A"), role);
        var other = await org.UserAsync("other", await org.UnitAsync("B"));
        var sys = org.System;
        var parent = await sys.Accounts.CreateAsync(new NewAccount("Parent") { OwnerId = me });
        var hiddenParent = await sys.Accounts.CreateAsync(new NewAccount("Hidden parent") { OwnerId = other });
        await sys.Accounts.CreateAsync(new NewAccount("Mine child") { ParentAccountId = parent.Id, OwnerId = me });
        await sys.Accounts.CreateAsync(new NewAccount("Other child") { ParentAccountId = parent.Id, OwnerId = other });
        await sys.Contacts.CreateAsync(new NewContact("Mia", "Mine") { AccountId = parent.Id, OwnerId = me, Phone = "+1 555 0100", Email = "shared@example.com" });
        await sys.Contacts.CreateAsync(new NewContact("Otto", "Other") { AccountId = parent.Id, OwnerId = other, Phone = "+1 555 0100", Email = "shared@example.com" });
        await sys.Activities.LogAsync(new NewActivity(ActivityTypes.Call, "my call", new RecordRef(CoreEntities.Account, parent.Id)) { OwnerId = me });
        await sys.Activities.LogAsync(new NewActivity(ActivityTypes.Call, "other call", new RecordRef(CoreEntities.Account, parent.Id)) { OwnerId = other });
        var crm = org.As(me);

        Assert.Equal(["Mine child"], (await crm.Accounts.ListChildrenAsync(parent.Id)).Select(r => r["name"]));
        Assert.Equal(["Mia Mine"], (await crm.Contacts.ListForAccountAsync(parent.Id)).Select(r => r["name"]));
        Assert.Equal(["Mia Mine"], (await crm.Contacts.FindByPhoneAsync("+15550100")).Select(r => r["name"]));
        Assert.Equal(["Mia Mine"], (await crm.Contacts.FindByEmailAsync("SHARED@example.com")).Select(r => r["name"]));
        Assert.Equal(["my call"], (await crm.Activities.GetTimelineAsync(parent.Id)).Records.Select(r => r[ActivityFields.Subject]));
        await Assert.ThrowsAsync<CrmNotFoundException>(() => crm.Activities.GetTimelineAsync(hiddenParent.Id));

        // The system context sees both, so the filter is the access rule, not the data.
        Assert.Equal(2, (await sys.Contacts.FindByPhoneAsync("+15550100")).Count(r => r.EntityType == CoreEntities.Contact));
        Assert.Equal(2, (await sys.Activities.GetTimelineAsync(parent.Id)).Records.Count);
        Assert.Equal(2, (await sys.Accounts.ListChildrenAsync(parent.Id)).Count);
    }

    [Fact]
    public async Task WorkQueueMembership_GrantsReadAndWriteOfQueuedRecords()
    {
        var org = await fixture.NewOrgAsync();
        var role = await org.RoleAsync("own", Every(Deal, AccessDepth.Own));
        var agent = await org.UserAsync("agent", await org.UnitAsync("A"), role);
        var outsider = await org.UserAsync("outsider", await org.UnitAsync("B"), role);
        var owner = await org.UserAsync("owner", await org.UnitAsync("C"));
        var queued = await org.DealAsync("queued", owner);
        var notQueued = await org.DealAsync("not queued", owner);
        var queues = fixture.Host.Services.GetRequiredService<IWorkServices>().ForTenant(org.System.TenantId).Queues;
        var queue = await queues.CreateQueueAsync("desk", AssignmentStrategy.RoundRobin);
        await queues.AddMemberAsync(queue.Id, agent);
        Assert.Null(await org.As(agent).Records.GetAsync(Deal, queued.Id));

        await queues.AddItemAsync(queue.Id, queued.Id);

        Assert.Equal(["queued"], await TitlesAsync(org.As(agent)));
        Assert.Equal("worked", (await org.As(agent).Records.UpdateAsync(Deal, queued.Id, null, V(("note", "worked"))))["note"]);
        Assert.Null(await org.As(agent).Records.GetAsync(Deal, notQueued.Id));
        Assert.Null(await org.As(outsider).Records.GetAsync(Deal, queued.Id));
        await Assert.ThrowsAsync<CrmAccessDeniedException>(() => org.As(agent).Records.DeleteAsync(Deal, queued.Id));
    }

    [Fact]
    public async Task WorkQueueMembership_WithoutAnyDepthOnTheEntity_GrantsNothing()
    {
        var org = await fixture.NewOrgAsync();
        var role = await org.RoleAsync("accounts-only", Every(CoreEntities.Account, AccessDepth.Own));
        var agent = await org.UserAsync("agent", null, role);
        var queued = await org.DealAsync("queued", null);
        var queues = fixture.Host.Services.GetRequiredService<IWorkServices>().ForTenant(org.System.TenantId).Queues;
        var queue = await queues.CreateQueueAsync("desk", AssignmentStrategy.RoundRobin);
        await queues.AddMemberAsync(queue.Id, agent);
        await queues.AddItemAsync(queue.Id, queued.Id);

        Assert.Null(await org.As(agent).Records.GetAsync(Deal, queued.Id));
        Assert.Empty(await TitlesAsync(org.As(agent)));
    }
}
