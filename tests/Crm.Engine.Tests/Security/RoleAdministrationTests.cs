using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Security;
using static Crm.Engine.Tests.Security.Org;

namespace Crm.Engine.Tests.Security;

/// <summary>Shipped roles, and how a consultant saves, copies and deletes roles.</summary>
public class RoleAdministrationTests(AccessFixture fixture) : IClassFixture<AccessFixture>
{
    [Fact]
    public async Task NewTenant_HasEveryShippedRole_MarkedAsSystem()
    {
        var org = await fixture.NewOrgAsync();

        var roles = await org.System.Security.ListRolesAsync();

        Assert.Equal(SystemRoles.All.Order(StringComparer.Ordinal), roles.Select(r => r.Key).Order(StringComparer.Ordinal));
        Assert.All(roles, r => Assert.True(r.IsSystem));
        Assert.All(roles, r => Assert.False(string.IsNullOrWhiteSpace(r.Name)));
        var admin = (await org.System.Security.GetRoleAsync(SystemRoles.Administrator))!;
        Assert.Equal(Enum.GetValues<TenantPrivilege>().Order(), admin.TenantPrivileges.Order());
    }

    [Fact]
    public async Task RequireAsync_TenantPrivilege_PassesForHoldersAndNamesThePrivilegeOtherwise()
    {
        var org = await fixture.NewOrgAsync();
        var rep = await org.UserAsync("rep", null, SystemRoles.SalesRep);
        var admin = await org.UserAsync("admin", null, SystemRoles.Administrator);

        await org.System.Security.RequireAsync(TenantPrivilege.Customize, "changing settings");
        await org.As(admin).Security.RequireAsync(TenantPrivilege.Customize, "changing settings");
        var ex = await Assert.ThrowsAsync<CrmAccessDeniedException>(() => org.As(rep).Security.RequireAsync(TenantPrivilege.Customize, "changing settings"));

        Assert.Contains("changing settings needs the tenant privilege Customize", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SaveRole_BadKey_IsRejected()
    {
        var org = await fixture.NewOrgAsync();

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => org.System.Security.SaveRoleAsync(new SecurityRole("Field Sales!", "Field sales")));

        var error = Assert.Single(ex.Errors);
        Assert.Equal("key", error.Field);
        Assert.Equal("format", error.Rule);
    }

    [Fact]
    public async Task SaveRole_UnknownEntityType_SuggestsTheClosestOne()
    {
        var org = await fixture.NewOrgAsync();

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => org.System.Security.SaveRoleAsync(new SecurityRole("field-sales", "Field sales")
        {
            Privileges = [new EntityPrivilege("acount", RecordPrivilege.Read, AccessDepth.Unit)],
        }));

        var error = Assert.Single(ex.Errors);
        Assert.Equal("unknown_entity", error.Rule);
        Assert.Contains("Did you mean 'account'?", error.Message, StringComparison.Ordinal);
        Assert.Null(await org.System.Security.GetRoleAsync("field-sales"));
    }

    [Fact]
    public async Task SaveRole_UnknownField_IsRejected()
    {
        var org = await fixture.NewOrgAsync();

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => org.System.Security.SaveRoleAsync(new SecurityRole("field-sales", "Field sales")
        {
            FieldGrants = [new FieldGrant(Deal, "marjin", FieldAccess.Read)],
        }));

        Assert.Equal("unknown_field", Assert.Single(ex.Errors).Rule);
    }

    [Fact]
    public async Task SaveRole_Administrator_CannotBeChanged()
    {
        var org = await fixture.NewOrgAsync();

        var ex = await Assert.ThrowsAsync<CrmOperationRejectedException>(() => org.System.Security.SaveRoleAsync(new SecurityRole(SystemRoles.Administrator, "Admin light")
        {
            Privileges = [new EntityPrivilege(EntityPrivilege.AnyEntity, RecordPrivilege.Read, AccessDepth.Own)],
        }));

        Assert.Contains("CopyRoleAsync", ex.Message, StringComparison.Ordinal);
        var admin = (await org.System.Security.GetRoleAsync(SystemRoles.Administrator))!;
        Assert.Equal("Administrator", admin.Name);
        Assert.All(admin.Privileges, p => Assert.Equal(AccessDepth.Tenant, p.Depth));
    }

    [Fact]
    public async Task SaveRole_ShippedRoleOtherThanAdministrator_CanBeEditedAndStaysSystem()
    {
        var org = await fixture.NewOrgAsync();
        var readOnly = (await org.System.Security.GetRoleAsync(SystemRoles.ReadOnly))!;

        await org.System.Security.SaveRoleAsync(readOnly with { Privileges = [new EntityPrivilege(Deal, RecordPrivilege.Read, AccessDepth.Own)], IsSystem = false });

        var stored = (await org.System.Security.GetRoleAsync(SystemRoles.ReadOnly))!;
        Assert.True(stored.IsSystem);
        Assert.Equal(AccessDepth.Own, Assert.Single(stored.Privileges).Depth);
    }

    [Fact]
    public async Task CopyRole_ThenEditTheCopy_LeavesTheSourceAndTakesEffectForHolders()
    {
        var org = await fixture.NewOrgAsync();
        var copy = await org.System.Security.CopyRoleAsync(SystemRoles.SalesRep, "field-sales", "Field sales");
        var user = await org.UserAsync("rep", null, copy.Key);
        Assert.False(copy.IsSystem);
        Assert.Equal((await org.System.Security.GetRoleAsync(SystemRoles.SalesRep))!.Privileges, copy.Privileges);
        Assert.Equal(AccessDepth.None, (await org.System.Security.GetEffectiveAccessAsync(user, CoreEntities.Account)).Depths[RecordPrivilege.Export]);

        await org.System.Security.SaveRoleAsync(copy with { Privileges = [.. copy.Privileges, new EntityPrivilege(CoreEntities.Account, RecordPrivilege.Export, AccessDepth.Unit)] });

        Assert.Equal(AccessDepth.Unit, (await org.System.Security.GetEffectiveAccessAsync(user, CoreEntities.Account)).Depths[RecordPrivilege.Export]);
        Assert.DoesNotContain((await org.System.Security.GetRoleAsync(SystemRoles.SalesRep))!.Privileges, p => p.Privilege == RecordPrivilege.Export);
        var duplicate = await Assert.ThrowsAsync<CrmValidationException>(() => org.System.Security.CopyRoleAsync(SystemRoles.ReadOnly, "field-sales", "Again"));
        Assert.Equal("duplicate", Assert.Single(duplicate.Errors).Rule);
        var unknown = await Assert.ThrowsAsync<CrmValidationException>(() => org.System.Security.CopyRoleAsync("sales-rpe", "x", "X"));
        Assert.Contains("sales-rep", Assert.Single(unknown.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CopyRole_OfTheAdministrator_CanBeEdited()
    {
        var org = await fixture.NewOrgAsync();

        var copy = await org.System.Security.CopyRoleAsync(SystemRoles.Administrator, "almost-admin", "Almost admin");
        await org.System.Security.SaveRoleAsync(copy with { TenantPrivileges = [TenantPrivilege.Customize] });

        Assert.Equal([TenantPrivilege.Customize], (await org.System.Security.GetRoleAsync("almost-admin"))!.TenantPrivileges);
    }

    [Fact]
    public async Task DeleteRole_RefusesSystemRolesAndRolesStillGiven()
    {
        var org = await fixture.NewOrgAsync();
        var role = await org.RoleAsync("temp", [P(RecordPrivilege.Read, AccessDepth.Own)]);
        var user = await org.UserAsync("u", null, role);
        var team = await org.TeamAsync("T", null, [], role);

        await Assert.ThrowsAsync<CrmOperationRejectedException>(() => org.System.Security.DeleteRoleAsync(SystemRoles.ReadOnly));
        var inUse = await Assert.ThrowsAsync<CrmOperationRejectedException>(() => org.System.Security.DeleteRoleAsync(role));
        Assert.Contains("2", inUse.Message, StringComparison.Ordinal);
        await org.System.Security.RevokeRoleAsync(SecurityPrincipal.User(user), role);
        await org.System.Security.RevokeRoleAsync(SecurityPrincipal.Team(team), role);
        await org.System.Security.DeleteRoleAsync(role);

        Assert.Null(await org.System.Security.GetRoleAsync(role));
        Assert.NotNull(await org.System.Security.GetRoleAsync(SystemRoles.ReadOnly));
        await Assert.ThrowsAsync<CrmValidationException>(() => org.System.Security.DeleteRoleAsync(role));
    }

    [Fact]
    public async Task GrantRole_UnknownRoleOrPrincipal_IsAValidationError()
    {
        var org = await fixture.NewOrgAsync();
        var user = await org.UserAsync("u");

        var role = await Assert.ThrowsAsync<CrmValidationException>(() => org.System.Security.GrantRoleAsync(SecurityPrincipal.User(user), "sales-rpe"));
        var principal = await Assert.ThrowsAsync<CrmValidationException>(() => org.System.Security.GrantRoleAsync(SecurityPrincipal.User(Guid.NewGuid()), SystemRoles.SalesRep));

        Assert.Contains("Did you mean 'sales-rep'?", Assert.Single(role.Errors).Message, StringComparison.Ordinal);
        Assert.Equal("not_found", Assert.Single(principal.Errors).Rule);
        Assert.Empty(await org.System.Security.ListRolesOfAsync(SecurityPrincipal.User(user)));
    }

    [Fact]
    public async Task EffectiveAccess_CombinesDirectAndTeamRoles_WithFieldAccess()
    {
        var org = await fixture.NewOrgAsync();
        await org.System.Security.SetFieldSecuredAsync(Deal, "margin", true);
        var direct = await org.RoleAsync("direct", [P(RecordPrivilege.Read, AccessDepth.Own), P(RecordPrivilege.Write, AccessDepth.Own)]);
        var viaTeam = await org.RoleAsync("via-team", [P(RecordPrivilege.Read, AccessDepth.UnitAndBelow, EntityPrivilege.AnyEntity), P(RecordPrivilege.Delete, AccessDepth.Unit)], [new FieldGrant(Deal, "margin", FieldAccess.Read)]);
        var user = await org.UserAsync("u", null, direct);
        await org.TeamAsync("T", null, [user], viaTeam);

        var access = await org.As(user).Security.GetEffectiveAccessAsync(user, Deal);

        Assert.Equal(user, access.UserId);
        Assert.Equal(Deal, access.EntityType);
        Assert.Equal(AccessDepth.UnitAndBelow, access.Depths[RecordPrivilege.Read]);
        Assert.Equal(AccessDepth.Own, access.Depths[RecordPrivilege.Write]);
        Assert.Equal(AccessDepth.Unit, access.Depths[RecordPrivilege.Delete]);
        Assert.Equal(AccessDepth.None, access.Depths[RecordPrivilege.Create]);
        Assert.Equal(FieldAccess.Read, Assert.Single(access.Fields).Value);
        Assert.Equal([direct, viaTeam], access.Roles.Order(StringComparer.Ordinal));
        var admin = await org.UserAsync("admin", null, SystemRoles.Administrator);
        var adminAccess = await org.System.Security.GetEffectiveAccessAsync(admin, Deal);
        Assert.All(adminAccess.Depths.Values, d => Assert.Equal(AccessDepth.Tenant, d));
        Assert.Equal(FieldAccess.ReadWrite, adminAccess.Fields["margin"]);
    }
}
