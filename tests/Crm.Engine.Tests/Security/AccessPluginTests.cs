using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Security;
using Crm.Engine.Abstractions.Tenancy;
using static Crm.Engine.Tests.EngineFixture;
using static Crm.Engine.Tests.Security.Org;

namespace Crm.Engine.Tests.Security;

/// <summary>A pipeline handler acts with the caller's access: it cannot lift a user's limits, and what it writes is audited as the plugin's.</summary>
public class AccessPluginTests(AccessFixture fixture) : IClassFixture<AccessFixture>
{
    private static readonly string HandlerName = typeof(TouchOtherDealHandler).FullName!;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task HandlerUpdatingARecordTheUserCannotWrite_FailsTheWholeOperation(bool otherReadable)
    {
        var org = await fixture.NewOrgAsync();
        var role = await org.RoleAsync("own-writer", [P(RecordPrivilege.Read, otherReadable ? AccessDepth.Tenant : AccessDepth.Own), P(RecordPrivilege.Write, AccessDepth.Own)]);
        var me = await org.UserAsync("me", await org.UnitAsync("A"), role);
        var other = await org.UserAsync("other", await org.UnitAsync("B"));
        var a = await org.DealAsync("A", me);
        var b = await org.DealAsync("B", other);

        var ex = await Record.ExceptionAsync(() => org.As(me).Records.UpdateAsync(Deal, a.Id, 1, V(("command", $"touch:{b.Id}"), ("note", "changed"))));

        Assert.IsType(otherReadable ? typeof(CrmAccessDeniedException) : typeof(CrmNotFoundException), ex);
        var storedA = (await org.System.Records.GetAsync(Deal, a.Id))!;
        var storedB = (await org.System.Records.GetAsync(Deal, b.Id))!;
        Assert.Equal(1, storedA.Version);
        Assert.Null(storedA["note"]);
        Assert.Equal(1, storedB.Version);
        Assert.Null(storedB["note"]);
        Assert.DoesNotContain((await org.System.Audit.QueryAsync(new AuditQuery { EntityType = Deal })).Entries, e => e.Action == AuditAction.Update);
    }

    [Fact]
    public async Task SameHandler_UnderTheSystemContext_Succeeds_AndIsAuditedAsThePlugin()
    {
        var org = await fixture.NewOrgAsync();
        var other = await org.UserAsync("other");
        var a = await org.DealAsync("A", null);
        var b = await org.DealAsync("B", other);

        await org.System.Records.UpdateAsync(Deal, a.Id, 1, V(("command", $"touch:{b.Id}")));

        var storedB = (await org.System.Records.GetAsync(Deal, b.Id))!;
        Assert.Equal("touched by handler", storedB["note"]);
        var entry = Assert.Single((await org.System.Audit.QueryAsync(new AuditQuery { RecordId = b.Id })).Entries, e => e.Action == AuditAction.Update);
        Assert.Equal(OperationSource.Plugin, entry.Source);
        Assert.Equal(HandlerName, entry.SourceName);
        Assert.Null(entry.UserId);
        var outer = Assert.Single((await org.System.Audit.QueryAsync(new AuditQuery { RecordId = a.Id })).Entries, e => e.Action == AuditAction.Update);
        Assert.NotEqual(OperationSource.Plugin, outer.Source);
    }

    [Fact]
    public async Task HandlerWrite_ForAUserWhoMayWriteBoth_IsAuditedAsThePluginActingForTheUser()
    {
        var org = await fixture.NewOrgAsync();
        var role = await org.RoleAsync("own-all", Every(Deal, AccessDepth.Own));
        var me = await org.UserAsync("me", null, role);
        var a = await org.DealAsync("A", me);
        var b = await org.DealAsync("B", me);

        await org.As(me).Records.UpdateAsync(Deal, a.Id, 1, V(("command", $"touch:{b.Id}")));

        var storedB = (await org.System.Records.GetAsync(Deal, b.Id))!;
        Assert.Equal("touched by handler", storedB["note"]);
        Assert.Equal(me, storedB.Stamps.ModifiedBy);
        var entry = Assert.Single((await org.System.Audit.QueryAsync(new AuditQuery { RecordId = b.Id })).Entries, e => e.Action == AuditAction.Update);
        Assert.Equal(OperationSource.Plugin, entry.Source);
        Assert.Equal(HandlerName, entry.SourceName);
        Assert.Equal(me, entry.UserId);
        Assert.Contains(entry.Changes, c => c.Field == "note" && Equals(c.NewValue, "touched by handler"));
    }
}
