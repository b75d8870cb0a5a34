using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Organization;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Security;
using static Crm.Engine.Tests.EngineFixture;
using static Crm.Engine.Tests.Security.Org;

namespace Crm.Engine.Tests.Security;

/// <summary>Record access: id guessing, write denials, depths, roles through teams, ownership and unit moves, look-ups, tenant privileges.</summary>
public class AccessControlTests(AccessFixture fixture) : IClassFixture<AccessFixture>
{
    /// <summary>
    /// root ── unitA (me, colleague, team T with me) ── unitA1 (child, team TC)
    ///      └─ unitB (other, team TB)
    /// One deal per owner, and one without owner.
    /// </summary>
    private sealed record DepthWorld(Org Org, Guid UnitA, Guid UnitB, Guid Me, Guid Colleague, Guid Other, Guid TeamT, Dictionary<string, CrmRecord> Deals);

    private static async Task<DepthWorld> DepthWorldAsync(Org org, params string[] myRoles)
    {
        var root = await org.RootAsync();
        var unitA = await org.UnitAsync("A", root);
        var unitA1 = await org.UnitAsync("A1", unitA);
        var unitB = await org.UnitAsync("B", root);
        var me = await org.UserAsync("me", unitA, myRoles);
        var colleague = await org.UserAsync("colleague", unitA);
        var child = await org.UserAsync("child", unitA1);
        var other = await org.UserAsync("other", unitB);
        var teamT = await org.TeamAsync("T", unitA, [me]);
        var teamTc = await org.TeamAsync("TC", unitA1, [child]);
        var teamTb = await org.TeamAsync("TB", unitB, [other]);
        var deals = new Dictionary<string, CrmRecord>(StringComparer.Ordinal);
        foreach (var (title, owner) in new (string, Guid?)[] { ("mine", me), ("team", teamT), ("colleague", colleague), ("child", child), ("childTeam", teamTc), ("other", other), ("otherTeam", teamTb), ("unowned", null) })
        {
            deals[title] = await org.DealAsync(title, owner);
        }

        return new DepthWorld(org, unitA, unitB, me, colleague, other, teamT, deals);
    }

    [Theory]
    [InlineData(AccessDepth.None, "")]
    [InlineData(AccessDepth.Own, "mine team")]
    [InlineData(AccessDepth.Unit, "colleague mine team")]
    [InlineData(AccessDepth.UnitAndBelow, "child childTeam colleague mine team")]
    [InlineData(AccessDepth.Tenant, "child childTeam colleague mine other otherTeam team unowned")]
    public async Task ReadDepth_EachLevel_ReachesExactlyItsRecords(AccessDepth depth, string expected)
    {
        var org = await fixture.NewOrgAsync();
        var role = await org.RoleAsync("reader", [P(RecordPrivilege.Read, depth)]);
        var world = await DepthWorldAsync(org, role);
        var me = org.As(world.Me);

        var titles = await TitlesAsync(me);

        Assert.Equal(expected, string.Join(' ', titles));
        Assert.Equal(titles.Count, await me.Records.CountAsync(RecordQuery.For(Deal)));
        foreach (var (title, deal) in world.Deals)
        {
            Assert.Equal(titles.Contains(title), await me.Records.GetAsync(Deal, deal.Id) is not null);
        }
    }

    [Fact]
    public async Task IdGuessing_AnotherUnitsRecord_FailsExactlyLikeANonExistentId()
    {
        var org = await fixture.NewOrgAsync();
        var role = await org.RoleAsync("own-all", Every(Deal, AccessDepth.Own));
        var world = await DepthWorldAsync(org, role);
        var me = org.As(world.Me);
        var target = world.Deals["other"].Id;
        var missing = Guid.NewGuid();

        Assert.Null(await me.Records.GetAsync(Deal, target));
        Assert.Null(await me.Records.GetAsync(Deal, missing));

        async Task SameAsMissingAsync(Func<Guid, Task> attempt)
        {
            var forTarget = await Assert.ThrowsAsync<CrmNotFoundException>(() => attempt(target));
            var forMissing = await Assert.ThrowsAsync<CrmNotFoundException>(() => attempt(missing));
            Assert.Equal(Shape(forMissing, missing), Shape(forTarget, target));
        }

        await SameAsMissingAsync(id => me.Records.UpdateAsync(Deal, id, null, V(("note", "x"))));
        await SameAsMissingAsync(id => me.Records.UpdateAsync(Deal, id, 1, V(("note", "x"))));
        await SameAsMissingAsync(id => me.Records.UpdateAsync(Deal, id, 99, V(("unknownField", "x"))));
        await SameAsMissingAsync(id => me.Records.DeleteAsync(Deal, id, expectedVersion: 99));
        await SameAsMissingAsync(id => me.Records.DeleteAsync(Deal, id));
        await SameAsMissingAsync(id => me.Records.AssignAsync(Deal, id, world.Me));
        await SameAsMissingAsync(id => me.Security.ShareAsync(new RecordRef(Deal, id), SecurityPrincipal.User(world.Me), ShareRights.Read));
        await SameAsMissingAsync(id => me.Security.UnshareAsync(new RecordRef(Deal, id), SecurityPrincipal.User(world.Me)));
        await SameAsMissingAsync(id => me.Security.ListSharesAsync(new RecordRef(Deal, id)));

        // Nothing happened to the record.
        var stored = await org.System.Records.GetAsync(Deal, target);
        Assert.Equal(1, stored!.Version);
        Assert.Equal(world.Other, stored.OwnerId);
    }

    [Fact]
    public async Task ReadableButNotWritable_UpdateDeleteAssign_DeniedNamingThePrivilege()
    {
        var org = await fixture.NewOrgAsync();
        var role = await org.RoleAsync("unit-reader", [P(RecordPrivilege.Read, AccessDepth.Unit), P(RecordPrivilege.Write, AccessDepth.Own), P(RecordPrivilege.Delete, AccessDepth.Own), P(RecordPrivilege.Assign, AccessDepth.Own)]);
        var world = await DepthWorldAsync(org, role);
        var me = org.As(world.Me);
        var colleagues = world.Deals["colleague"];

        Assert.NotNull(await me.Records.GetAsync(Deal, colleagues.Id));
        var update = await Assert.ThrowsAsync<CrmAccessDeniedException>(() => me.Records.UpdateAsync(Deal, colleagues.Id, null, V(("note", "x"))));
        Assert.Contains("Write", update.Message, StringComparison.Ordinal);
        var delete = await Assert.ThrowsAsync<CrmAccessDeniedException>(() => me.Records.DeleteAsync(Deal, colleagues.Id));
        Assert.Contains("Delete", delete.Message, StringComparison.Ordinal);
        var assign = await Assert.ThrowsAsync<CrmAccessDeniedException>(() => me.Records.AssignAsync(Deal, colleagues.Id, world.Me));
        Assert.Contains("Assign", assign.Message, StringComparison.Ordinal);
        Assert.Equal(1, (await org.System.Records.GetAsync(Deal, colleagues.Id))!.Version);

        // The own record: all three work.
        var mine = world.Deals["mine"];
        Assert.Equal("x", (await me.Records.UpdateAsync(Deal, mine.Id, 1, V(("note", "x"))))["note"]);
        Assert.Equal(world.TeamT, (await me.Records.AssignAsync(Deal, mine.Id, world.TeamT)).OwnerId);
        await me.Records.DeleteAsync(Deal, mine.Id);
        Assert.Null(await org.System.Records.GetAsync(Deal, mine.Id));
    }

    [Fact]
    public async Task Delete_WithWriteButNoDeletePrivilege_IsDenied()
    {
        var org = await fixture.NewOrgAsync();
        var role = await org.RoleAsync("no-delete", [P(RecordPrivilege.Read, AccessDepth.Own), P(RecordPrivilege.Write, AccessDepth.Own), P(RecordPrivilege.Create, AccessDepth.Own)]);
        var me = await org.UserAsync("me", null, role);
        var deal = await org.As(me).Records.CreateAsync(Deal, V(("title", "mine")));

        var ex = await Assert.ThrowsAsync<CrmAccessDeniedException>(() => org.As(me).Records.DeleteAsync(Deal, deal.Id));

        Assert.Contains("Delete", ex.Message, StringComparison.Ordinal);
        Assert.NotNull(await org.System.Records.GetAsync(Deal, deal.Id));
    }

    [Fact]
    public async Task Create_WithoutCreatePrivilege_IsDeniedAndWritesNothing()
    {
        var org = await fixture.NewOrgAsync();
        var role = await org.RoleAsync("reader", [P(RecordPrivilege.Read, AccessDepth.Tenant)]);
        var me = await org.UserAsync("me", null, role);

        var ex = await Assert.ThrowsAsync<CrmAccessDeniedException>(() => org.As(me).Records.CreateAsync(Deal, V(("title", "new"))));

        Assert.Contains("Create", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, await CountAsync(org.System, Deal));
    }

    [Fact]
    public async Task Create_ForOwnerOutsideTheCreateDepth_IsDenied_InsideIsAllowed()
    {
        var org = await fixture.NewOrgAsync();
        var role = await org.RoleAsync("own-creator", [P(RecordPrivilege.Create, AccessDepth.Own), P(RecordPrivilege.Read, AccessDepth.Own)]);
        var unit = await org.UnitAsync("A");
        var me = await org.UserAsync("me", unit, role);
        var colleague = await org.UserAsync("colleague", unit);
        var team = await org.TeamAsync("T", unit, [me]);
        var crm = org.As(me);

        var ex = await Assert.ThrowsAsync<CrmAccessDeniedException>(() => crm.Records.CreateAsync(Deal, V(("title", "for colleague")), new CreateOptions { OwnerId = colleague }));
        Assert.Contains("Own", ex.Message, StringComparison.Ordinal);

        Assert.Equal(me, (await crm.Records.CreateAsync(Deal, V(("title", "mine")))).OwnerId);
        Assert.Equal(team, (await crm.Records.CreateAsync(Deal, V(("title", "team's")), new CreateOptions { OwnerId = team })).OwnerId);
        Assert.Equal(["mine", "team's"], await TitlesAsync(org.System));

        // With Create at unit depth the colleague is within reach.
        await org.RoleAsync("own-creator", [P(RecordPrivilege.Create, AccessDepth.Unit), P(RecordPrivilege.Read, AccessDepth.Own)]);
        Assert.Equal(colleague, (await crm.Records.CreateAsync(Deal, V(("title", "for colleague")), new CreateOptions { OwnerId = colleague })).OwnerId);
    }

    [Fact]
    public async Task Create_OwnerThatIsNoUserOrTeam_IsAValidationError()
    {
        var org = await fixture.NewOrgAsync();
        var bogus = Guid.NewGuid();

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => org.System.Records.CreateAsync(Deal, V(("title", "x")), new CreateOptions { OwnerId = bogus }));

        Assert.Contains(ex.Errors, e => e.Field == "ownerId" && e.Rule == "owner");
        Assert.Equal(0, await CountAsync(org.System, Deal));
    }

    [Fact]
    public async Task Assign_ToSomeoneWhoIsNoUserOrTeam_IsAValidationError()
    {
        var org = await fixture.NewOrgAsync();
        var deal = await org.DealAsync("d", null);

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => org.System.Records.AssignAsync(Deal, deal.Id, Guid.NewGuid()));

        Assert.Contains(ex.Errors, e => e.Rule == "owner");
        Assert.Null((await org.System.Records.GetAsync(Deal, deal.Id))!.OwnerId);
    }

    [Fact]
    public async Task RolesThroughTeams_GiveTheTeamsMembersAccess()
    {
        var org = await fixture.NewOrgAsync();
        var role = await org.RoleAsync("unit-reader", [P(RecordPrivilege.Read, AccessDepth.Unit)]);
        var world = await DepthWorldAsync(org);
        var member = world.Me;
        var outsider = world.Colleague;
        Assert.Empty(await TitlesAsync(org.As(member)));

        await org.System.Security.GrantRoleAsync(SecurityPrincipal.Team(world.TeamT), role);

        Assert.Equal(["colleague", "mine", "team"], await TitlesAsync(org.As(member)));
        Assert.Empty(await TitlesAsync(org.As(outsider)));
        var access = await org.System.Security.GetEffectiveAccessAsync(member, Deal);
        Assert.Equal(AccessDepth.Unit, access.Depths[RecordPrivilege.Read]);
        Assert.Contains(role, access.Roles);
    }

    [Fact]
    public async Task EntityEntry_OverridesTheSameRolesStarEntry()
    {
        var org = await fixture.NewOrgAsync();
        var role = await org.RoleAsync("mixed", [P(RecordPrivilege.Read, AccessDepth.Tenant, EntityPrivilege.AnyEntity), P(RecordPrivilege.Read, AccessDepth.Own)]);
        var world = await DepthWorldAsync(org, role);
        var account = await org.System.Accounts.CreateAsync(new NewAccount("Unowned account"));

        Assert.Equal(["mine", "team"], await TitlesAsync(org.As(world.Me)));
        Assert.NotNull(await org.As(world.Me).Accounts.GetAsync(account.Id));
    }

    [Fact]
    public async Task UnionOfRoles_TakesTheDeepestDepth()
    {
        var org = await fixture.NewOrgAsync();
        var own = await org.RoleAsync("deal-own", [P(RecordPrivilege.Read, AccessDepth.Own)]);
        var unit = await org.RoleAsync("any-unit", [P(RecordPrivilege.Read, AccessDepth.Unit, EntityPrivilege.AnyEntity)]);
        var world = await DepthWorldAsync(org, own, unit);

        Assert.Equal(["colleague", "mine", "team"], await TitlesAsync(org.As(world.Me)));
        Assert.Equal(AccessDepth.Unit, (await org.As(world.Me).Security.GetEffectiveAccessAsync(world.Me, Deal)).Depths[RecordPrivilege.Read]);
    }

    [Fact]
    public async Task Assign_AwayFromOneself_TheOldOwnerLosesAccessOnTheNextCall()
    {
        var org = await fixture.NewOrgAsync();
        var role = await org.RoleAsync("own-all", Every(Deal, AccessDepth.Own));
        var world = await DepthWorldAsync(org, role);
        var me = org.As(world.Me);
        var mine = world.Deals["mine"];

        var assigned = await me.Records.AssignAsync(Deal, mine.Id, world.Other);

        Assert.Equal(world.Other, assigned.OwnerId);
        Assert.Null(await me.Records.GetAsync(Deal, mine.Id));
        await Assert.ThrowsAsync<CrmNotFoundException>(() => me.Records.UpdateAsync(Deal, mine.Id, null, V(("note", "back"))));
        Assert.Equal(["team"], await TitlesAsync(me));
    }

    [Fact]
    public async Task MoveUser_ToAnotherUnit_UnitAccessFollowsOnTheNextCall()
    {
        var org = await fixture.NewOrgAsync();
        var role = await org.RoleAsync("unit-reader", [P(RecordPrivilege.Read, AccessDepth.Unit)]);
        var world = await DepthWorldAsync(org, role);
        var me = org.As(world.Me);
        Assert.Equal(["colleague", "mine", "team"], await TitlesAsync(me));

        var moved = await org.System.Organization.MoveUserAsync(world.Me, world.UnitB);

        Assert.Equal(world.UnitB, moved.UnitId);
        Assert.Equal(world.UnitB, (await org.System.Organization.GetUserAsync(world.Me))!.UnitId);
        Assert.Equal(["mine", "other", "otherTeam", "team"], await TitlesAsync(me));
        Assert.Null(await me.Records.GetAsync(Deal, world.Deals["colleague"].Id));
    }

    [Fact]
    public async Task MoveUser_NeedsManageSecurityAndAnExistingUnitAndUser()
    {
        var org = await fixture.NewOrgAsync();
        var unit = await org.UnitAsync("A");
        var me = await org.UserAsync("me", null, SystemRoles.SalesManager);

        await Assert.ThrowsAsync<CrmAccessDeniedException>(() => org.As(me).Organization.MoveUserAsync(me, unit));
        var badUnit = await Assert.ThrowsAsync<CrmValidationException>(() => org.System.Organization.MoveUserAsync(me, Guid.NewGuid()));
        Assert.Contains(badUnit.Errors, e => e.EntityType == "unit");
        var badUser = await Assert.ThrowsAsync<CrmValidationException>(() => org.System.Organization.MoveUserAsync(Guid.NewGuid(), unit));
        Assert.Contains(badUser.Errors, e => e.EntityType == "user");

        Assert.Equal(await org.RootAsync(), (await org.System.Organization.GetUserAsync(me))!.UnitId);
    }

    [Fact]
    public async Task Lookup_ToAnUnreadableRecord_IsTheSameValidationErrorAsToAMissingOne()
    {
        var org = await fixture.NewOrgAsync();
        var role = await org.RoleAsync("own-all", Every(Deal, AccessDepth.Own));
        var world = await DepthWorldAsync(org, role);
        var me = org.As(world.Me);
        var hidden = world.Deals["other"].Id;
        var missing = Guid.NewGuid();

        async Task<CrmValidationError> CreateErrorAsync(Guid related) =>
            Assert.Single((await Assert.ThrowsAsync<CrmValidationException>(() => me.Records.CreateAsync(Deal, V(("title", "x"), ("relatedDealId", related))))).Errors);
        async Task<CrmValidationError> UpdateErrorAsync(Guid related) =>
            Assert.Single((await Assert.ThrowsAsync<CrmValidationException>(() => me.Records.UpdateAsync(Deal, world.Deals["mine"].Id, null, V(("relatedDealId", related))))).Errors);

        var (a, b) = (await CreateErrorAsync(hidden), await CreateErrorAsync(missing));
        Assert.Equal("lookup", a.Rule);
        Assert.Equal(b.Message.Replace(missing.ToString(), "<id>", StringComparison.Ordinal), a.Message.Replace(hidden.ToString(), "<id>", StringComparison.Ordinal));
        var (c, d) = (await UpdateErrorAsync(hidden), await UpdateErrorAsync(missing));
        Assert.Equal("lookup", c.Rule);
        Assert.Equal(d.Message.Replace(missing.ToString(), "<id>", StringComparison.Ordinal), c.Message.Replace(hidden.ToString(), "<id>", StringComparison.Ordinal));

        // A readable one is fine.
        var linked = await me.Records.UpdateAsync(Deal, world.Deals["mine"].Id, null, V(("relatedDealId", world.Deals["team"].Id)));
        Assert.Equal(world.Deals["team"].Id, linked["relatedDealId"]);
    }

    [Fact]
    public async Task AccountHierarchy_LoopThroughAnAncestorTheUserCannotRead_IsStillRefused()
    {
        var org = await fixture.NewOrgAsync();
        var role = await org.RoleAsync("own-accounts", Every(CoreEntities.Account, AccessDepth.Own));
        var me = await org.UserAsync("me", await org.UnitAsync("A"), role);
        var other = await org.UserAsync("other", await org.UnitAsync("B"));
        var a = await org.System.Accounts.CreateAsync(new NewAccount("A") { OwnerId = me });
        var hidden = await org.System.Accounts.CreateAsync(new NewAccount("Hidden") { OwnerId = other, ParentAccountId = a.Id });
        var p = await org.System.Accounts.CreateAsync(new NewAccount("P") { OwnerId = me, ParentAccountId = hidden.Id });

        // A → P → Hidden → A would be a loop, though the user cannot see Hidden.
        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => org.As(me).Records.UpdateAsync(CoreEntities.Account, a.Id, null, V((AccountFields.ParentAccountId, p.Id))));

        Assert.Equal("hierarchy", Assert.Single(ex.Errors).Rule);
        Assert.Null((await org.System.Accounts.GetAsync(a.Id))![AccountFields.ParentAccountId]);
    }

    [Fact]
    public async Task TenantPrivileges_WithoutCustomize_CannotAddACustomField()
    {
        var org = await fixture.NewOrgAsync();
        var me = await org.UserAsync("me", null, SystemRoles.SalesManager);
        var field = new FieldDefinition { ApiName = "tier_c", Type = FieldType.Text };

        var ex = await Assert.ThrowsAsync<CrmAccessDeniedException>(() => org.As(me).Metadata.AddCustomFieldAsync(CoreEntities.Account, field));

        Assert.Contains("Customize", ex.Message, StringComparison.Ordinal);
        Assert.Null((await org.System.Metadata.GetEntityAsync(CoreEntities.Account)).Fields.FirstOrDefault(f => f.ApiName == "tier_c"));
        var admin = await org.UserAsync("admin", null, SystemRoles.Administrator);
        await org.As(admin).Metadata.AddCustomFieldAsync(CoreEntities.Account, field);
        Assert.NotNull((await org.System.Metadata.GetEntityAsync(CoreEntities.Account)).Fields.FirstOrDefault(f => f.ApiName == "tier_c"));
    }

    [Fact]
    public async Task TenantPrivileges_WithoutManageSecurity_SecurityChangesAreDenied()
    {
        var org = await fixture.NewOrgAsync();
        var me = await org.UserAsync("me", null, SystemRoles.SalesManager);
        var crm = org.As(me);

        await Assert.ThrowsAsync<CrmAccessDeniedException>(() => crm.Organization.CreateUserAsync(new NewUser("sneaky", "Sneaky")));
        await Assert.ThrowsAsync<CrmAccessDeniedException>(() => crm.Security.GrantRoleAsync(SecurityPrincipal.User(me), SystemRoles.Administrator));
        await Assert.ThrowsAsync<CrmAccessDeniedException>(() => crm.Security.SetFieldSecuredAsync(Deal, "margin", true));
        await Assert.ThrowsAsync<CrmAccessDeniedException>(() => crm.Security.SaveRoleAsync(new SecurityRole("mine", "Mine") { Privileges = [.. Every(EntityPrivilege.AnyEntity, AccessDepth.Tenant)] }));
        var ex = await Assert.ThrowsAsync<CrmAccessDeniedException>(() => crm.Security.CopyRoleAsync(SystemRoles.Administrator, "admin-copy", "Admin copy"));
        Assert.Contains("ManageSecurity", ex.Message, StringComparison.Ordinal);

        Assert.Null(await org.System.Organization.FindUserAsync("sneaky"));
        Assert.Equal([SystemRoles.SalesManager], await org.System.Security.ListRolesOfAsync(SecurityPrincipal.User(me)));
        Assert.Empty(await org.System.Security.ListSecuredFieldsAsync());
        Assert.Null(await org.System.Security.GetRoleAsync("mine"));
        Assert.Null(await org.System.Security.GetRoleAsync("admin-copy"));
    }

    [Fact]
    public async Task EffectiveAccess_OwnIsReadable_SomeoneElsesIsNot()
    {
        var org = await fixture.NewOrgAsync();
        var me = await org.UserAsync("me", null, SystemRoles.SalesRep);
        var other = await org.UserAsync("other", null, SystemRoles.SalesManager);

        var mine = await org.As(me).Security.GetEffectiveAccessAsync(me, CoreEntities.Account);

        Assert.Equal(AccessDepth.Unit, mine.Depths[RecordPrivilege.Read]);
        Assert.Equal(AccessDepth.Own, mine.Depths[RecordPrivilege.Write]);
        Assert.Equal(AccessDepth.None, mine.Depths[RecordPrivilege.Export]);
        Assert.Equal([SystemRoles.SalesRep], mine.Roles);
        var ex = await Assert.ThrowsAsync<CrmAccessDeniedException>(() => org.As(me).Security.GetEffectiveAccessAsync(other, CoreEntities.Account));
        Assert.Contains("ManageSecurity", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SystemContext_CanDoEverything()
    {
        var org = await fixture.NewOrgAsync();
        var owner = await org.UserAsync("owner");
        var deal = await org.DealAsync("d", owner);

        var updated = await org.System.Records.UpdateAsync(Deal, deal.Id, 1, V(("note", "by system")));
        await org.System.Security.ShareAsync(new RecordRef(Deal, deal.Id), SecurityPrincipal.User(owner), ShareRights.Read | ShareRights.Write);
        var assigned = await org.System.Records.AssignAsync(Deal, deal.Id, owner);
        await org.System.Records.DeleteAsync(Deal, deal.Id);

        Assert.Equal("by system", updated["note"]);
        Assert.Equal(owner, assigned.OwnerId);
        Assert.Null(await org.System.Records.GetAsync(Deal, deal.Id));
    }

    [Fact]
    public async Task InactiveOrUnknownUser_IsRefused()
    {
        var org = await fixture.NewOrgAsync();
        await org.DealAsync("d", null);

        await Assert.ThrowsAsync<CrmAccessDeniedException>(() => org.As(Guid.NewGuid()).Records.QueryAsync(RecordQuery.For(Deal)));
    }
}
