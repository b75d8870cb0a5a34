using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Organization;

namespace Crm.Engine.Tests;

public class OrganizationTests(EngineFixture fixture) : IClassFixture<EngineFixture>
{
    [Fact]
    public async Task CreateUnitAsync_Tree_ListedUnderRoot()
    {
        var org = (await fixture.NewTenantAsync()).Organization;
        var root = await org.GetRootUnitAsync();

        var sales = await org.CreateUnitAsync("Sales");
        var north = await org.CreateUnitAsync(" North ", sales.Id);

        Assert.Equal(root.Id, sales.ParentId);
        Assert.Equal(("North", (Guid?)sales.Id), (north.Name, north.ParentId));
        Assert.Equal(new[] { root.Id, sales.Id, north.Id }.Order(), (await org.ListUnitsAsync()).Select(u => u.Id).Order());
    }

    [Fact]
    public async Task CreateUnitAsync_DuplicateSiblingOrUnknownParent_RejectedAndNothingAdded()
    {
        var org = (await fixture.NewTenantAsync()).Organization;
        await org.CreateUnitAsync("Sales");

        var duplicate = await Assert.ThrowsAsync<CrmValidationException>(() => org.CreateUnitAsync("Sales"));
        var orphan = await Assert.ThrowsAsync<CrmValidationException>(() => org.CreateUnitAsync("Orphan", Guid.NewGuid()));

        Assert.Equal(("unit", "name", "duplicate"), (duplicate.Errors[0].EntityType, duplicate.Errors[0].Field, duplicate.Errors[0].Rule));
        Assert.Equal(("unit", "not_found"), (orphan.Errors[0].EntityType, orphan.Errors[0].Rule));
        Assert.Equal(2, (await org.ListUnitsAsync()).Count);
    }

    [Fact]
    public async Task CreateUserAsync_DuplicateNameOtherCase_RejectedAndFoundCaseInsensitively()
    {
        var org = (await fixture.NewTenantAsync()).Organization;
        var maria = await org.CreateUserAsync(new NewUser("m.meyer", "Maria Meyer") { Email = "m.meyer@acme.example", Phone = "+49 30 1" });

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => org.CreateUserAsync(new NewUser("M.Meyer", "Someone else")));

        var error = Assert.Single(ex.Errors);
        Assert.Equal(("user", "userName", "M.Meyer", "duplicate"), (error.EntityType, error.Field, error.Value, error.Rule));
        Assert.Equal(maria, Assert.Single(await org.ListUsersAsync()));
        Assert.Equal(maria, await org.FindUserAsync("M.MEYER"));
        Assert.Equal(maria, await org.GetUserAsync(maria.Id));
        Assert.True(maria.IsActive);
        Assert.Equal((await org.GetRootUnitAsync()).Id, maria.UnitId);
    }

    [Fact]
    public async Task CreateUserAsync_SameNameInOtherTenant_Allowed()
    {
        var a = (await fixture.NewTenantAsync()).Organization;
        var b = (await fixture.NewTenantAsync()).Organization;

        await a.CreateUserAsync(new NewUser("anna", "Anna A"));
        var inB = await b.CreateUserAsync(new NewUser("anna", "Anna B"));

        Assert.Equal("Anna B", (await b.FindUserAsync("anna"))!.DisplayName);
        Assert.Equal("Anna A", (await a.FindUserAsync("anna"))!.DisplayName);
        Assert.Null(await a.GetUserAsync(inB.Id));
    }

    [Fact]
    public async Task CreateUserAsync_BlankUserName_Rejected()
    {
        var org = (await fixture.NewTenantAsync()).Organization;

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => org.CreateUserAsync(new NewUser(" ", "Nobody")));

        Assert.Equal(("user", "userName", "required"), (ex.Errors[0].EntityType, ex.Errors[0].Field, ex.Errors[0].Rule));
        Assert.Empty(await org.ListUsersAsync());
    }

    [Fact]
    public async Task Teams_MembersAdded_ListedOnceEach()
    {
        var org = (await fixture.NewTenantAsync()).Organization;
        var unit = await org.CreateUnitAsync("Service");
        var team = await org.CreateTeamAsync("Second level", unit.Id);
        var anna = await org.CreateUserAsync(new NewUser("anna", "Anna"));
        var bert = await org.CreateUserAsync(new NewUser("bert", "Bert"));
        await org.CreateUserAsync(new NewUser("carl", "Carl"));

        await org.AddTeamMemberAsync(team.Id, bert.Id);
        await org.AddTeamMemberAsync(team.Id, anna.Id);
        await org.AddTeamMemberAsync(team.Id, anna.Id);

        Assert.Equal(unit.Id, team.UnitId);
        Assert.Equal([anna.Id, bert.Id], (await org.ListTeamMembersAsync(team.Id)).Select(u => u.Id));
        var duplicate = await Assert.ThrowsAsync<CrmValidationException>(() => org.CreateTeamAsync("SECOND LEVEL"));
        Assert.Equal("duplicate", duplicate.Errors[0].Rule);
        var unknownUser = await Assert.ThrowsAsync<CrmValidationException>(() => org.AddTeamMemberAsync(team.Id, Guid.NewGuid()));
        Assert.Equal(("user", "not_found"), (unknownUser.Errors[0].EntityType, unknownUser.Errors[0].Rule));
    }

    [Fact]
    public async Task GrantRoleAsync_WithinScopes_RoleHoldersListedPerScope()
    {
        var org = (await fixture.NewTenantAsync()).Organization;
        var north = await org.CreateUnitAsync("North");
        var south = await org.CreateUnitAsync("South");
        var team = await org.CreateTeamAsync("Escalations");
        var anna = await org.CreateUserAsync(new NewUser("anna", "Anna"));
        var bert = await org.CreateUserAsync(new NewUser("bert", "Bert"));
        var carl = await org.CreateUserAsync(new NewUser("carl", "Carl"));
        var role = await org.DefineRoleAsync(new CrmRole("quality-manager", " Quality manager ", "Owns complaints"));

        await org.GrantRoleAsync(new RoleAssignment(anna.Id, "quality-manager", north.Id));
        await org.GrantRoleAsync(new RoleAssignment(bert.Id, "quality-manager", south.Id));
        await org.GrantRoleAsync(new RoleAssignment(carl.Id, "quality-manager", team.Id));
        await org.GrantRoleAsync(new RoleAssignment(carl.Id, "quality-manager", team.Id));

        Assert.Equal("Quality manager", role.Name);
        Assert.Equal([role], await org.ListRolesAsync());
        Assert.Equal([anna.Id], (await org.ListRoleHoldersAsync("quality-manager", north.Id)).Select(u => u.Id));
        Assert.Equal([bert.Id], (await org.ListRoleHoldersAsync("quality-manager", south.Id)).Select(u => u.Id));
        Assert.Equal([carl.Id], (await org.ListRoleHoldersAsync("quality-manager", team.Id)).Select(u => u.Id));
        Assert.Equal([anna.Id, bert.Id, carl.Id], (await org.ListRoleHoldersAsync("quality-manager")).Select(u => u.Id));
        Assert.Equal([new RoleAssignment(carl.Id, "quality-manager", team.Id)], await org.ListRoleAssignmentsAsync(carl.Id));

        await org.RevokeRoleAsync(new RoleAssignment(anna.Id, "quality-manager", north.Id));
        Assert.Empty(await org.ListRoleHoldersAsync("quality-manager", north.Id));
        Assert.Empty(await org.ListRoleAssignmentsAsync(anna.Id));
    }

    [Fact]
    public async Task GrantRoleAsync_TenantWide_ListedWithNullScope()
    {
        var org = (await fixture.NewTenantAsync()).Organization;
        var anna = await org.CreateUserAsync(new NewUser("anna", "Anna"));
        await org.DefineRoleAsync(new CrmRole("admin", "Administrator", null));

        await org.GrantRoleAsync(new RoleAssignment(anna.Id, "admin", null));

        Assert.Equal([new RoleAssignment(anna.Id, "admin", null)], await org.ListRoleAssignmentsAsync(anna.Id));
        Assert.Equal([anna.Id], (await org.ListRoleHoldersAsync("admin")).Select(u => u.Id));
    }

    [Fact]
    public async Task GrantRoleAsync_UnknownRole_ErrorNamesRoleAndSuggestsClosest()
    {
        var org = (await fixture.NewTenantAsync()).Organization;
        var anna = await org.CreateUserAsync(new NewUser("anna", "Anna"));
        await org.DefineRoleAsync(new CrmRole("quality-manager", "Quality manager", null));
        await org.DefineRoleAsync(new CrmRole("sales-lead", "Sales lead", null));

        var grant = await Assert.ThrowsAsync<CrmValidationException>(() => org.GrantRoleAsync(new RoleAssignment(anna.Id, "quality-manger", null)));
        var list = await Assert.ThrowsAsync<CrmValidationException>(() => org.ListRoleHoldersAsync("sales-laed"));

        var error = Assert.Single(grant.Errors);
        Assert.Equal(("role", "quality-manger", "unknown_role"), (error.EntityType, error.Value as string, error.Rule));
        Assert.Contains("'quality-manger'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Did you mean 'quality-manager'?", error.Message, StringComparison.Ordinal);
        Assert.Contains("Did you mean 'sales-lead'?", list.Message, StringComparison.Ordinal);
        Assert.Empty(await org.ListRoleAssignmentsAsync(anna.Id));
    }

    [Fact]
    public async Task GrantRoleAsync_UnknownScope_RejectedAndNothingGranted()
    {
        var org = (await fixture.NewTenantAsync()).Organization;
        var anna = await org.CreateUserAsync(new NewUser("anna", "Anna"));
        await org.DefineRoleAsync(new CrmRole("admin", "Administrator", null));
        var scope = Guid.NewGuid();

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => org.GrantRoleAsync(new RoleAssignment(anna.Id, "admin", scope)));

        Assert.Equal(("scopeId", "not_found"), (ex.Errors[0].Field, ex.Errors[0].Rule));
        Assert.Equal(scope, ex.Errors[0].Value);
        Assert.Empty(await org.ListRoleAssignmentsAsync(anna.Id));
    }

    [Fact]
    public async Task Organization_IdsFromOtherTenant_NotFound()
    {
        var mine = (await fixture.NewTenantAsync()).Organization;
        var theirs = (await fixture.NewTenantAsync()).Organization;
        var theirUser = await theirs.CreateUserAsync(new NewUser("anna", "Anna"));
        var theirTeam = await theirs.CreateTeamAsync("Team");
        var theirUnit = await theirs.CreateUnitAsync("Unit");
        var myTeam = await mine.CreateTeamAsync("Team");
        var myUser = await mine.CreateUserAsync(new NewUser("bert", "Bert"));
        await mine.DefineRoleAsync(new CrmRole("admin", "Admin", null));

        await Assert.ThrowsAsync<CrmValidationException>(() => mine.AddTeamMemberAsync(myTeam.Id, theirUser.Id));
        await Assert.ThrowsAsync<CrmValidationException>(() => mine.AddTeamMemberAsync(theirTeam.Id, myUser.Id));
        await Assert.ThrowsAsync<CrmValidationException>(() => mine.GrantRoleAsync(new RoleAssignment(theirUser.Id, "admin", null)));
        await Assert.ThrowsAsync<CrmValidationException>(() => mine.GrantRoleAsync(new RoleAssignment(myUser.Id, "admin", theirUnit.Id)));
        await Assert.ThrowsAsync<CrmValidationException>(() => mine.CreateUserAsync(new NewUser("carl", "Carl") { UnitId = theirUnit.Id }));

        Assert.Null(await mine.GetUserAsync(theirUser.Id));
        Assert.Empty(await mine.ListTeamMembersAsync(myTeam.Id));
        Assert.Empty(await mine.ListRoleAssignmentsAsync(myUser.Id));
        Assert.Equal(["bert"], (await mine.ListUsersAsync()).Select(u => u.UserName));
    }

    [Theory]
    [InlineData("Quality Manager")]
    [InlineData("-admin")]
    [InlineData("")]
    public async Task DefineRoleAsync_BadKey_Rejected(string key)
    {
        var org = (await fixture.NewTenantAsync()).Organization;

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => org.DefineRoleAsync(new CrmRole(key, "Name", null)));

        Assert.Equal(("role", "key", "format"), (ex.Errors[0].EntityType, ex.Errors[0].Field, ex.Errors[0].Rule));
        Assert.Empty(await org.ListRolesAsync());
    }

    [Fact]
    public async Task DefineRoleAsync_CamelCaseKeyAsRulePacksWriteIt_AcceptedAndHeldByItsExactKey()
    {
        var org = (await fixture.NewTenantAsync()).Organization;
        var user = await org.CreateUserAsync(new NewUser("sam", "Sam"));

        await org.DefineRoleAsync(new CrmRole("salesManager", "Sales manager", null));
        await org.GrantRoleAsync(new RoleAssignment(user.Id, "salesManager", null));

        Assert.Equal(["salesManager"], (await org.ListRolesAsync()).Select(r => r.Key));
        Assert.Equal([user.Id], (await org.ListRoleHoldersAsync("salesManager")).Select(u => u.Id));
    }

    [Fact]
    public async Task DefineRoleAsync_Again_ChangesNameAndDescription()
    {
        var org = (await fixture.NewTenantAsync()).Organization;
        await org.DefineRoleAsync(new CrmRole("admin", "Admin", null));

        await org.DefineRoleAsync(new CrmRole("admin", "Administrator", "Runs the tenant"));

        Assert.Equal([new CrmRole("admin", "Administrator", "Runs the tenant")], await org.ListRolesAsync());
    }
}
