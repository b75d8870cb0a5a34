using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Security;
using static Crm.Engine.Tests.EngineFixture;
using static Crm.Engine.Tests.Security.Org;

namespace Crm.Engine.Tests.Security;

/// <summary>Sharing one record with a user or team, and taking the share back.</summary>
public class SharingTests(AccessFixture fixture) : IClassFixture<AccessFixture>
{
    /// <summary>An owner who may share their own deals, and a sharee in another unit who reaches only their own.</summary>
    private async Task<(Org Org, Guid Owner, Guid Sharee, CrmRecord Deal)> WorldAsync()
    {
        var org = await fixture.NewOrgAsync();
        var role = await org.RoleAsync("own", Every(Deal, AccessDepth.Own));
        var owner = await org.UserAsync("owner", await org.UnitAsync("A"), role);
        var sharee = await org.UserAsync("sharee", await org.UnitAsync("B"), role);
        var deal = await org.DealAsync("shared deal", owner);
        return (org, owner, sharee, deal);
    }

    [Fact]
    public async Task ShareWithUser_ReadOnly_ShareeReadsButCannotChange()
    {
        var (org, owner, sharee, deal) = await WorldAsync();
        Assert.Null(await org.As(sharee).Records.GetAsync(Deal, deal.Id));

        var share = await org.As(owner).Security.ShareAsync(new RecordRef(Deal, deal.Id), SecurityPrincipal.User(sharee), ShareRights.Read);

        Assert.Equal(ShareRights.Read, share.Rights);
        Assert.Equal(owner, share.SharedBy);
        Assert.NotNull(await org.As(sharee).Records.GetAsync(Deal, deal.Id));
        Assert.Equal(["shared deal"], await TitlesAsync(org.As(sharee)));
        var ex = await Assert.ThrowsAsync<CrmAccessDeniedException>(() => org.As(sharee).Records.UpdateAsync(Deal, deal.Id, null, V(("note", "x"))));
        Assert.Contains("Write", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShareWithWriteRights_ShareeUpdatesButCannotDeleteOrAssign()
    {
        var (org, owner, sharee, deal) = await WorldAsync();

        await org.As(owner).Security.ShareAsync(new RecordRef(Deal, deal.Id), SecurityPrincipal.User(sharee), ShareRights.Read | ShareRights.Write);

        var updated = await org.As(sharee).Records.UpdateAsync(Deal, deal.Id, 1, V(("note", "by sharee")));
        Assert.Equal("by sharee", updated["note"]);
        Assert.Equal(sharee, updated.Stamps.ModifiedBy);
        await Assert.ThrowsAsync<CrmAccessDeniedException>(() => org.As(sharee).Records.DeleteAsync(Deal, deal.Id));
        await Assert.ThrowsAsync<CrmAccessDeniedException>(() => org.As(sharee).Records.AssignAsync(Deal, deal.Id, sharee));
        await Assert.ThrowsAsync<CrmAccessDeniedException>(() => org.As(sharee).Security.ShareAsync(new RecordRef(Deal, deal.Id), SecurityPrincipal.User(sharee), ShareRights.Read | ShareRights.Delete));
        Assert.NotNull(await org.System.Records.GetAsync(Deal, deal.Id));
    }

    [Fact]
    public async Task ShareWithDeleteRights_ShareeMayDelete()
    {
        var (org, owner, sharee, deal) = await WorldAsync();

        await org.As(owner).Security.ShareAsync(new RecordRef(Deal, deal.Id), SecurityPrincipal.User(sharee), ShareRights.Read | ShareRights.Delete);
        await org.As(sharee).Records.DeleteAsync(Deal, deal.Id);

        Assert.Null(await org.System.Records.GetAsync(Deal, deal.Id));
    }

    [Fact]
    public async Task ShareWithTeam_EveryMemberReads_NonMembersDoNot()
    {
        var (org, owner, sharee, deal) = await WorldAsync();
        var other = await org.UserAsync("other member");
        var outsider = await org.UserAsync("outsider");
        var team = await org.TeamAsync("T", null, [sharee, other]);

        await org.As(owner).Security.ShareAsync(new RecordRef(Deal, deal.Id), SecurityPrincipal.Team(team), ShareRights.Read);

        Assert.NotNull(await org.As(sharee).Records.GetAsync(Deal, deal.Id));
        Assert.NotNull(await org.As(other).Records.GetAsync(Deal, deal.Id));
        Assert.Null(await org.As(outsider).Records.GetAsync(Deal, deal.Id));
    }

    [Fact]
    public async Task Unshare_RevokesAccessOnTheNextCall()
    {
        var (org, owner, sharee, deal) = await WorldAsync();
        var record = new RecordRef(Deal, deal.Id);
        await org.As(owner).Security.ShareAsync(record, SecurityPrincipal.User(sharee), ShareRights.Read | ShareRights.Write);
        Assert.NotNull(await org.As(sharee).Records.GetAsync(Deal, deal.Id));

        await org.As(owner).Security.UnshareAsync(record, SecurityPrincipal.User(sharee));

        Assert.Null(await org.As(sharee).Records.GetAsync(Deal, deal.Id));
        await Assert.ThrowsAsync<CrmNotFoundException>(() => org.As(sharee).Records.UpdateAsync(Deal, deal.Id, null, V(("note", "late"))));
        Assert.Empty(await org.As(owner).Security.ListSharesAsync(record));
    }

    [Fact]
    public async Task Share_WithoutTheSharePrivilege_IsDenied()
    {
        var org = await fixture.NewOrgAsync();
        var role = await org.RoleAsync("no-share", [P(RecordPrivilege.Read, AccessDepth.Tenant), P(RecordPrivilege.Write, AccessDepth.Tenant)]);
        var me = await org.UserAsync("me", null, role);
        var friend = await org.UserAsync("friend");
        var deal = await org.DealAsync("d", me);

        var ex = await Assert.ThrowsAsync<CrmAccessDeniedException>(() => org.As(me).Security.ShareAsync(new RecordRef(Deal, deal.Id), SecurityPrincipal.User(friend), ShareRights.Read));

        Assert.Contains("Share", ex.Message, StringComparison.Ordinal);
        Assert.Empty(await org.System.Security.ListSharesAsync(new RecordRef(Deal, deal.Id)));
    }

    [Fact]
    public async Task Share_WithTheShareRight_CanBePassedOn()
    {
        var (org, owner, sharee, deal) = await WorldAsync();
        var third = await org.UserAsync("third");
        var record = new RecordRef(Deal, deal.Id);

        await org.As(owner).Security.ShareAsync(record, SecurityPrincipal.User(sharee), ShareRights.Read | ShareRights.Share);
        await org.As(sharee).Security.ShareAsync(record, SecurityPrincipal.User(third), ShareRights.Read);

        Assert.NotNull(await org.As(third).Records.GetAsync(Deal, deal.Id));
    }

    [Fact]
    public async Task ListShares_ShowsEveryShareWithItsRights_AndAReShareReplacesTheRights()
    {
        var (org, owner, sharee, deal) = await WorldAsync();
        var team = await org.TeamAsync("T", null, []);
        var record = new RecordRef(Deal, deal.Id);
        await org.As(owner).Security.ShareAsync(record, SecurityPrincipal.User(sharee), ShareRights.Read);
        await org.As(owner).Security.ShareAsync(record, SecurityPrincipal.Team(team), ShareRights.Read | ShareRights.Write);
        await org.As(owner).Security.ShareAsync(record, SecurityPrincipal.User(sharee), ShareRights.Read | ShareRights.Delete);

        var shares = await org.As(owner).Security.ListSharesAsync(record);

        Assert.Equal(2, shares.Count);
        Assert.Equal(ShareRights.Read | ShareRights.Delete, shares.Single(s => s.Principal == SecurityPrincipal.User(sharee)).Rights);
        Assert.Equal(ShareRights.Read | ShareRights.Write, shares.Single(s => s.Principal == SecurityPrincipal.Team(team)).Rights);
        Assert.All(shares, s => Assert.Equal(record, s.Record));
        Assert.Equal(2, (await org.As(sharee).Security.ListSharesAsync(record)).Count);
    }

    [Fact]
    public async Task Share_BadRightsOrUnknownPrincipal_IsAValidationError()
    {
        var (org, owner, _, deal) = await WorldAsync();
        var record = new RecordRef(Deal, deal.Id);

        var rights = await Assert.ThrowsAsync<CrmValidationException>(() => org.As(owner).Security.ShareAsync(record, SecurityPrincipal.User(owner), ShareRights.Write));
        var principal = await Assert.ThrowsAsync<CrmValidationException>(() => org.As(owner).Security.ShareAsync(record, SecurityPrincipal.Team(owner), ShareRights.Read));

        Assert.Equal("share_rights", Assert.Single(rights.Errors).Rule);
        Assert.Equal("not_found", Assert.Single(principal.Errors).Rule);
        Assert.Empty(await org.System.Security.ListSharesAsync(record));
    }

    [Fact]
    public async Task Share_WrongEntityTypeForTheId_IsNotFound()
    {
        var (org, owner, sharee, deal) = await WorldAsync();

        await Assert.ThrowsAsync<CrmNotFoundException>(() => org.As(owner).Security.ShareAsync(new RecordRef("account", deal.Id), SecurityPrincipal.User(sharee), ShareRights.Read));

        Assert.Null(await org.As(sharee).Records.GetAsync(Deal, deal.Id));
    }
}
