using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Security;
using static Crm.Engine.Tests.EngineFixture;
using static Crm.Engine.Tests.Security.Org;

namespace Crm.Engine.Tests.Security;

/// <summary>Secured fields: hidden or read-only per role, never leaked through results, filters, sorting, grouping or counting.</summary>
public class AccessFieldSecurityTests(AccessFixture fixture) : IClassFixture<AccessFixture>
{
    private static readonly decimal[] Margins = [5m, 60m];

    private sealed record World(Org Org, Guid Plain, Guid Reader, Guid Writer, Guid Admin, CrmRecord Low, CrmRecord High, CrmRecord Contact);

    /// <summary>deal.margin and contact.mobilePhone secured; users with every record privilege and no / read / read-write field access.</summary>
    private async Task<World> WorldAsync()
    {
        var org = await fixture.NewOrgAsync();
        var records = Every(EntityPrivilege.AnyEntity, AccessDepth.Tenant).ToList();
        var plain = await org.UserAsync("plain", null, await org.RoleAsync("plain", records));
        var reader = await org.UserAsync("reader", null, await org.RoleAsync("margin-reader", records, [new FieldGrant(Deal, "margin", FieldAccess.Read), new FieldGrant(CoreEntities.Contact, ContactFields.MobilePhone, FieldAccess.Read)]));
        var writer = await org.UserAsync("writer", null, await org.RoleAsync("margin-writer", records, [new FieldGrant(Deal, "margin", FieldAccess.ReadWrite)]));
        var admin = await org.UserAsync("admin", null, SystemRoles.Administrator);
        await org.System.Security.SetFieldSecuredAsync(Deal, "margin", true);
        await org.System.Security.SetFieldSecuredAsync(CoreEntities.Contact, ContactFields.MobilePhone, true);
        var low = await org.DealAsync("low", plain, amount: 100, margin: 5, category: "a");
        var high = await org.DealAsync("high", plain, amount: 100, margin: 60, category: "a");
        var contact = await org.System.Contacts.CreateAsync(new NewContact("Sam", "Secret") { Phone = "+1 555 0101", MobilePhone = "+1 555 0199", Email = "sam@example.com" });
        return new World(org, plain, reader, writer, admin, low, high, contact);
    }

    private static async Task<List<CrmRecord>> ExportAllAsync(ICrmTenant crm, RecordQuery query)
    {
        var all = new List<CrmRecord>();
        await foreach (var record in crm.Records.ExportAsync(query))
        {
            all.Add(record);
        }

        return all;
    }

    [Fact]
    public async Task HiddenField_IsAbsentFromEveryResult()
    {
        var w = await WorldAsync();
        var crm = w.Org.As(w.Plain);

        var got = await crm.Records.GetAsync(Deal, w.Low.Id);
        var queried = (await crm.Records.QueryAsync(RecordQuery.For(Deal))).Records;
        var exported = await ExportAllAsync(crm, RecordQuery.For(Deal));
        var updated = await crm.Records.UpdateAsync(Deal, w.Low.Id, null, V(("note", "seen")));
        var created = await crm.Records.CreateAsync(Deal, V(("title", "new"), ("amount", 1)));
        var popped = await crm.Contacts.FindByPhoneAsync("+15550101");
        var byMail = await crm.Contacts.FindByEmailAsync("sam@example.com");

        Assert.False(got!.Values.ContainsKey("margin"));
        Assert.Equal(100m, got["amount"]);
        Assert.Equal(2, queried.Count);
        Assert.All(queried, r => Assert.False(r.Values.ContainsKey("margin")));
        Assert.Equal(2, exported.Count);
        Assert.All(exported, r => Assert.False(r.Values.ContainsKey("margin")));
        Assert.False(updated.Values.ContainsKey("margin"));
        Assert.False(created.Values.ContainsKey("margin"));
        var contact = Assert.Single(popped);
        Assert.False(contact.Values.ContainsKey(ContactFields.MobilePhone));
        Assert.Equal("+1 555 0101", contact[ContactFields.Phone]);
        Assert.False(Assert.Single(byMail).Values.ContainsKey(ContactFields.MobilePhone));

        // The value is still stored: the note update did not clear it.
        Assert.Equal(5m, (await w.Org.System.Records.GetAsync(Deal, w.Low.Id))!["margin"]);
    }

    [Fact]
    public async Task HiddenField_FilterSortGroupAndAggregate_AreRefusedWithFieldAccess()
    {
        var w = await WorldAsync();
        var crm = w.Org.As(w.Plain);

        async Task RefusedAsync(Func<Task> attempt)
        {
            var ex = await Assert.ThrowsAsync<CrmValidationException>(attempt);
            var error = Assert.Single(ex.Errors);
            Assert.Equal("field_access", error.Rule);
            Assert.Equal("margin", error.Field);
        }

        await RefusedAsync(() => crm.Records.QueryAsync(RecordQuery.For(Deal).Where("margin", FilterOperator.GreaterThan, 50)));
        await RefusedAsync(() => crm.Records.QueryAsync(RecordQuery.For(Deal).Where("margin", FilterOperator.IsNull)));
        await RefusedAsync(() => crm.Records.QueryAsync(RecordQuery.For(Deal).Where("margin", FilterOperator.In, Margins)));
        await RefusedAsync(() => crm.Records.QueryAsync(RecordQuery.For(Deal).OrderBy("margin")));
        await RefusedAsync(() => crm.Records.QueryAsync(RecordQuery.For(Deal).OrderByDescending("margin")));
        await RefusedAsync(() => crm.Records.CountAsync(RecordQuery.For(Deal).Where("margin", FilterOperator.GreaterThan, 50)));
        await RefusedAsync(() => crm.Records.AggregateAsync(AggregateQuery.For(Deal) with { GroupBy = ["margin"] }));
        await RefusedAsync(() => crm.Records.AggregateAsync(AggregateQuery.For(Deal) with { Aggregates = [new AggregateSpec(AggregateFunction.Sum, "margin", "s")] }));
        await RefusedAsync(() => crm.Records.AggregateAsync(AggregateQuery.For(Deal) with { Aggregates = [new AggregateSpec(AggregateFunction.Count, "margin", "c")] }));
        await RefusedAsync(() => crm.Records.AggregateAsync(AggregateQuery.For(Deal) with { Filters = [new QueryFilter("margin", FilterOperator.LessThan, 10)] }));
        await RefusedAsync(() => ExportAllAsync(crm, RecordQuery.For(Deal).Where("margin", FilterOperator.GreaterThan, 50)));

        // Someone with read access may do all of it.
        var reader = w.Org.As(w.Reader);
        Assert.Equal(["high"], (await reader.Records.QueryAsync(RecordQuery.For(Deal).Where("margin", FilterOperator.GreaterThan, 50))).Records.Select(r => r["title"]));
        Assert.Equal(65m, Assert.Single(await reader.Records.AggregateAsync(AggregateQuery.For(Deal) with { Aggregates = [new AggregateSpec(AggregateFunction.Sum, "margin", "s")] })).Values["s"]);
    }

    [Fact]
    public async Task ScreenPop_ByAHiddenPhoneNumber_FindsNothing()
    {
        var w = await WorldAsync();

        var plain = await w.Org.As(w.Plain).Contacts.FindByPhoneAsync("+15550199");
        var reader = await w.Org.As(w.Reader).Contacts.FindByPhoneAsync("+15550199");

        Assert.Empty(plain);
        var found = Assert.Single(reader);
        Assert.Equal("+1 555 0199", found[ContactFields.MobilePhone]);
    }

    [Fact]
    public async Task ReadOnlyGrant_FieldIsVisible_WritingItIsDeniedNamingTheField()
    {
        var w = await WorldAsync();
        var crm = w.Org.As(w.Reader);

        Assert.Equal(5m, (await crm.Records.GetAsync(Deal, w.Low.Id))!["margin"]);
        var update = await Assert.ThrowsAsync<CrmAccessDeniedException>(() => crm.Records.UpdateAsync(Deal, w.Low.Id, null, V(("margin", 99), ("note", "x"))));
        var create = await Assert.ThrowsAsync<CrmAccessDeniedException>(() => crm.Records.CreateAsync(Deal, V(("title", "new"), ("margin", 1))));

        Assert.Equal("margin", update.Field);
        Assert.Contains("margin", update.Message, StringComparison.Ordinal);
        Assert.Contains("read-only", update.Message, StringComparison.Ordinal);
        Assert.Equal("margin", create.Field);
        var stored = (await w.Org.System.Records.GetAsync(Deal, w.Low.Id))!;
        Assert.Equal(1, stored.Version);
        Assert.Equal(5m, stored["margin"]);
        Assert.Equal(2, await CountAsync(w.Org.System, Deal));

        // Other fields stay writable.
        Assert.Equal("x", (await crm.Records.UpdateAsync(Deal, w.Low.Id, 1, V(("note", "x"))))["note"]);
    }

    [Fact]
    public async Task HiddenField_WritingIt_IsDenied()
    {
        var w = await WorldAsync();

        var ex = await Assert.ThrowsAsync<CrmAccessDeniedException>(() => w.Org.As(w.Plain).Records.UpdateAsync(Deal, w.High.Id, null, V(("margin", null))));

        Assert.Equal("margin", ex.Field);
        Assert.Equal(60m, (await w.Org.System.Records.GetAsync(Deal, w.High.Id))!["margin"]);
    }

    [Fact]
    public async Task ReadWriteGrantAndAdministrator_SeeAndWriteTheField()
    {
        var w = await WorldAsync();

        var byWriter = await w.Org.As(w.Writer).Records.UpdateAsync(Deal, w.Low.Id, 1, V(("margin", 7)));
        var byAdmin = await w.Org.As(w.Admin).Records.UpdateAsync(Deal, w.Low.Id, 2, V(("margin", 8)));
        var adminContact = await w.Org.As(w.Admin).Records.GetAsync(CoreEntities.Contact, w.Contact.Id);

        Assert.Equal(7m, byWriter["margin"]);
        Assert.Equal(8m, byAdmin["margin"]);
        Assert.Equal("+1 555 0199", adminContact![ContactFields.MobilePhone]);
        Assert.Equal(["high"], (await w.Org.As(w.Admin).Records.QueryAsync(RecordQuery.For(Deal).OrderByDescending("margin").Take(1))).Records.Select(r => r["title"]));
    }

    [Fact]
    public async Task SecuredFields_ListedWithTheCallersAccess_AndUnsecuringShowsThemAgain()
    {
        var w = await WorldAsync();

        var plainList = await w.Org.As(w.Plain).Security.ListSecuredFieldsAsync();
        var readerAccess = await w.Org.As(w.Reader).Security.GetEffectiveAccessAsync(w.Reader, Deal);
        Assert.Contains(new FieldGrant(Deal, "margin", FieldAccess.None), plainList);
        Assert.Contains(new FieldGrant(CoreEntities.Contact, ContactFields.MobilePhone, FieldAccess.None), plainList);
        Assert.Equal(FieldAccess.Read, readerAccess.Fields["margin"]);

        await w.Org.System.Security.SetFieldSecuredAsync(Deal, "margin", false);

        Assert.Equal(5m, (await w.Org.As(w.Plain).Records.GetAsync(Deal, w.Low.Id))!["margin"]);
        var error = await Assert.ThrowsAsync<CrmValidationException>(() => w.Org.System.Security.SetFieldSecuredAsync(Deal, "margn", true));
        Assert.Contains("margin", Assert.Single(error.Errors).Message, StringComparison.Ordinal);
    }
}
