using System.Data.Common;
using System.Text.RegularExpressions;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Organization;
using Crm.Engine.Abstractions.Tenancy;
using Crm.Engine.Metadata;
using Crm.Engine.Storage;
using Dapper;

namespace Crm.Engine.Organization;

/// <summary>Units, users, teams and job roles of one tenant; every row keyed by tenant.</summary>
internal sealed partial class OrganizationService(EngineRuntime runtime, CallerContext caller) : IOrganizationService
{
    private const string UserColumns = "id, user_name, display_name, email, phone, unit_id, is_active";

    private string Tenant => caller.TenantId;

    private ISqlDialect Dialect => runtime.Storage.Dialect;

    public Task<OrganizationUnit> GetRootUnitAsync(CancellationToken cancellationToken = default) =>
        ReadAsync(async c => (await Units(c, "AND parent_id IS NULL", null, cancellationToken).ConfigureAwait(false)).Single(), cancellationToken);

    public Task<OrganizationUnit> CreateUnitAsync(string name, Guid? parentId = null, CancellationToken cancellationToken = default)
    {
        Require("unit", "name", name);
        return WriteAsync(async (c, tx) =>
        {
            var parent = parentId ?? (await Units(c, "AND parent_id IS NULL", tx, cancellationToken).ConfigureAwait(false)).Single().Id;
            await EnsureExistsAsync(c, tx, "org_units", "unit", parent, cancellationToken).ConfigureAwait(false);
            var unit = new OrganizationUnit(NewId(), name.Trim(), parent);
            await InsertAsync(c, tx, "INSERT INTO org_units (tenant_id, id, name, parent_id, created_at) VALUES (@tenant, @id, @name, @parent, @at)",
                new { tenant = Tenant, id = Id(unit.Id), name = unit.Name, parent = Id(parent), at = Now() }, "unit", "name", name, cancellationToken).ConfigureAwait(false);
            return unit;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<OrganizationUnit>> ListUnitsAsync(CancellationToken cancellationToken = default) =>
        ReadAsync(c => Units(c, string.Empty, null, cancellationToken), cancellationToken);

    public Task<CrmUser> CreateUserAsync(NewUser user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        Require("user", "userName", user.UserName);
        Require("user", "displayName", user.DisplayName);
        return WriteAsync(async (c, tx) =>
        {
            var unit = user.UnitId ?? (await Units(c, "AND parent_id IS NULL", tx, cancellationToken).ConfigureAwait(false)).Single().Id;
            await EnsureExistsAsync(c, tx, "org_units", "unit", unit, cancellationToken).ConfigureAwait(false);
            var created = new CrmUser(user.Id ?? NewId(), user.UserName.Trim(), user.DisplayName.Trim(), user.Email, user.Phone, unit, true);
            await InsertAsync(c, tx,
                "INSERT INTO users (tenant_id, id, user_name, display_name, email, phone, unit_id, is_active, created_at) VALUES (@tenant, @id, @userName, @displayName, @email, @phone, @unit, 1, @at)",
                new { tenant = Tenant, id = Id(created.Id), userName = created.UserName, displayName = created.DisplayName, email = created.Email, phone = created.Phone, unit = Id(unit), at = Now() },
                "user", "userName", user.UserName, cancellationToken).ConfigureAwait(false);
            return created;
        }, cancellationToken);
    }

    public Task<CrmUser?> GetUserAsync(Guid userId, CancellationToken cancellationToken = default) =>
        ReadAsync(async c => (await Users(c, "WHERE tenant_id = @tenant AND id = @id", new { tenant = Tenant, id = Id(userId) }, null, cancellationToken).ConfigureAwait(false)).SingleOrDefault(), cancellationToken);

    public Task<CrmUser?> FindUserAsync(string userName, CancellationToken cancellationToken = default) =>
        ReadAsync(async c => (await Users(c, "WHERE tenant_id = @tenant AND user_name = @userName COLLATE NOCASE", new { tenant = Tenant, userName }, null, cancellationToken).ConfigureAwait(false)).SingleOrDefault(), cancellationToken);

    public Task<IReadOnlyList<CrmUser>> ListUsersAsync(CancellationToken cancellationToken = default) =>
        ReadAsync(c => Users(c, "WHERE tenant_id = @tenant", new { tenant = Tenant }, null, cancellationToken), cancellationToken);

    public Task<CrmTeam> CreateTeamAsync(string name, Guid? unitId = null, CancellationToken cancellationToken = default)
    {
        Require("team", "name", name);
        return WriteAsync(async (c, tx) =>
        {
            var unit = unitId ?? (await Units(c, "AND parent_id IS NULL", tx, cancellationToken).ConfigureAwait(false)).Single().Id;
            await EnsureExistsAsync(c, tx, "org_units", "unit", unit, cancellationToken).ConfigureAwait(false);
            var team = new CrmTeam(NewId(), name.Trim(), unit);
            await InsertAsync(c, tx, "INSERT INTO teams (tenant_id, id, name, unit_id, created_at) VALUES (@tenant, @id, @name, @unit, @at)",
                new { tenant = Tenant, id = Id(team.Id), name = team.Name, unit = Id(unit), at = Now() }, "team", "name", name, cancellationToken).ConfigureAwait(false);
            return team;
        }, cancellationToken);
    }

    public Task<CrmUser> MoveUserAsync(Guid userId, Guid unitId, CancellationToken cancellationToken = default) =>
        WriteAsync(async (c, tx) =>
        {
            await EnsureExistsAsync(c, tx, "users", "user", userId, cancellationToken).ConfigureAwait(false);
            await EnsureExistsAsync(c, tx, "org_units", "unit", unitId, cancellationToken).ConfigureAwait(false);
            await c.ExecuteAsync(new CommandDefinition(
                "UPDATE users SET unit_id = @unit WHERE tenant_id = @tenant AND id = @id",
                new { tenant = Tenant, id = Id(userId), unit = Id(unitId) }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return (await Users(c, "WHERE tenant_id = @tenant AND id = @id", new { tenant = Tenant, id = Id(userId) }, tx, cancellationToken).ConfigureAwait(false)).Single();
        }, cancellationToken);

    public Task AddTeamMemberAsync(Guid teamId, Guid userId, CancellationToken cancellationToken = default) =>
        WriteAsync(async (c, tx) =>
        {
            await EnsureExistsAsync(c, tx, "teams", "team", teamId, cancellationToken).ConfigureAwait(false);
            await EnsureExistsAsync(c, tx, "users", "user", userId, cancellationToken).ConfigureAwait(false);
            await c.ExecuteAsync(new CommandDefinition(
                "INSERT INTO team_members (tenant_id, team_id, user_id) VALUES (@tenant, @team, @user) ON CONFLICT DO NOTHING",
                new { tenant = Tenant, team = Id(teamId), user = Id(userId) }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    public Task<IReadOnlyList<CrmUser>> ListTeamMembersAsync(Guid teamId, CancellationToken cancellationToken = default) =>
        ReadAsync(c => Users(c,
            "WHERE tenant_id = @tenant AND id IN (SELECT user_id FROM team_members WHERE tenant_id = @tenant AND team_id = @team)",
            new { tenant = Tenant, team = Id(teamId) }, null, cancellationToken), cancellationToken);

    public Task<CrmRole> DefineRoleAsync(CrmRole role, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(role);
        if (role.Key is null || !RoleKeyShape().IsMatch(role.Key))
        {
            throw new CrmValidationException(new CrmValidationError("role", "key", role.Key, "format", $"role key '{role.Key}' is invalid: start with a lower-case letter or digit, then letters, digits and dashes, e.g. quality-manager or qualityManager."));
        }

        Require("role", "name", role.Name);
        return WriteAsync(async (c, tx) =>
        {
            await c.ExecuteAsync(new CommandDefinition(
                "INSERT INTO roles (tenant_id, role_key, name, description) VALUES (@tenant, @key, @name, @description) " +
                "ON CONFLICT (tenant_id, role_key) DO UPDATE SET name = excluded.name, description = excluded.description",
                new { tenant = Tenant, key = role.Key, name = role.Name.Trim(), description = role.Description }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return role with { Name = role.Name.Trim() };
        }, cancellationToken);
    }

    public Task<IReadOnlyList<CrmRole>> ListRolesAsync(CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<CrmRole>>(async c => (await c.QueryAsync<(string Key, string Name, string? Description)>(new CommandDefinition(
            "SELECT role_key, name, description FROM roles WHERE tenant_id = @tenant ORDER BY role_key", new { tenant = Tenant }, cancellationToken: cancellationToken)).ConfigureAwait(false))
            .Select(r => new CrmRole(r.Key, r.Name, r.Description)).ToList(), cancellationToken);

    public Task GrantRoleAsync(RoleAssignment assignment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        return WriteAsync(async (c, tx) =>
        {
            await EnsureExistsAsync(c, tx, "users", "user", assignment.UserId, cancellationToken).ConfigureAwait(false);
            await EnsureRoleAsync(c, tx, assignment.RoleKey, cancellationToken).ConfigureAwait(false);
            if (assignment.ScopeId is { } scope)
            {
                var found = await c.ExecuteScalarAsync<long>(new CommandDefinition(
                    "SELECT (SELECT COUNT(*) FROM org_units WHERE tenant_id = @tenant AND id = @id) + (SELECT COUNT(*) FROM teams WHERE tenant_id = @tenant AND id = @id)",
                    new { tenant = Tenant, id = Id(scope) }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
                if (found == 0)
                {
                    throw new CrmValidationException(new CrmValidationError("roleAssignment", "scopeId", scope, "not_found", $"no unit or team with id {scope} exists in this tenant."));
                }
            }

            await c.ExecuteAsync(new CommandDefinition(
                "INSERT INTO role_assignments (tenant_id, user_id, role_key, scope_id) VALUES (@tenant, @user, @role, @scope) ON CONFLICT DO NOTHING",
                new { tenant = Tenant, user = Id(assignment.UserId), role = assignment.RoleKey, scope = ScopeKey(assignment.ScopeId) }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    public Task RevokeRoleAsync(RoleAssignment assignment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        return WriteAsync(async (c, tx) => await c.ExecuteAsync(new CommandDefinition(
            "DELETE FROM role_assignments WHERE tenant_id = @tenant AND user_id = @user AND role_key = @role AND scope_id = @scope",
            new { tenant = Tenant, user = Id(assignment.UserId), role = assignment.RoleKey, scope = ScopeKey(assignment.ScopeId) }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false), cancellationToken);
    }

    public Task<IReadOnlyList<CrmUser>> ListRoleHoldersAsync(string roleKey, Guid? scopeId = null, CancellationToken cancellationToken = default) =>
        ReadAsync(async c =>
        {
            await EnsureRoleAsync(c, null, roleKey, cancellationToken).ConfigureAwait(false);
            var scopeFilter = scopeId is null ? string.Empty : " AND scope_id = @scope";
            return await Users(c,
                $"WHERE tenant_id = @tenant AND is_active = 1 AND id IN (SELECT user_id FROM role_assignments WHERE tenant_id = @tenant AND role_key = @role{scopeFilter})",
                new { tenant = Tenant, role = roleKey, scope = ScopeKey(scopeId) }, null, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    public Task<IReadOnlyList<RoleAssignment>> ListRoleAssignmentsAsync(Guid userId, CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<RoleAssignment>>(async c => (await c.QueryAsync<(string Role, string Scope)>(new CommandDefinition(
            "SELECT role_key, scope_id FROM role_assignments WHERE tenant_id = @tenant AND user_id = @user ORDER BY role_key, scope_id",
            new { tenant = Tenant, user = Id(userId) }, cancellationToken: cancellationToken)).ConfigureAwait(false))
            .Select(r => new RoleAssignment(userId, r.Role, r.Scope.Length == 0 ? null : Guid.Parse(r.Scope))).ToList(), cancellationToken);

    private async Task<IReadOnlyList<OrganizationUnit>> Units(DbConnection c, string filter, DbTransaction? tx, CancellationToken cancellationToken) =>
        (await c.QueryAsync<(object Id, string Name, object? ParentId)>(new CommandDefinition(
            $"SELECT id, name, parent_id FROM org_units WHERE tenant_id = @tenant {filter} ORDER BY created_at, name", new { tenant = Tenant }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false))
        .Select(r => new OrganizationUnit(DbValues.ToGuid(r.Id), r.Name, DbValues.ToNullableGuid(r.ParentId))).ToList();

    private static async Task<IReadOnlyList<CrmUser>> Users(DbConnection c, string where, object args, DbTransaction? tx, CancellationToken cancellationToken) =>
        (await c.QueryAsync<(object Id, string UserName, string DisplayName, string? Email, string? Phone, object UnitId, long IsActive)>(new CommandDefinition(
            $"SELECT {UserColumns} FROM users {where} ORDER BY user_name", args, tx, cancellationToken: cancellationToken)).ConfigureAwait(false))
        .Select(r => new CrmUser(DbValues.ToGuid(r.Id), r.UserName, r.DisplayName, r.Email, r.Phone, DbValues.ToGuid(r.UnitId), r.IsActive != 0)).ToList();

    private async Task EnsureExistsAsync(DbConnection c, DbTransaction? tx, string table, string what, Guid id, CancellationToken cancellationToken)
    {
        // The table name is one of this class's constants, never input.
        var found = await c.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT COUNT(*) FROM {table} WHERE tenant_id = @tenant AND id = @id", new { tenant = Tenant, id = Id(id) }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (found == 0)
        {
            throw new CrmValidationException(new CrmValidationError(what, "id", id, "not_found", $"no {what} with id {id} exists in this tenant."));
        }
    }

    private async Task EnsureRoleAsync(DbConnection c, DbTransaction? tx, string roleKey, CancellationToken cancellationToken)
    {
        var found = await c.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM roles WHERE tenant_id = @tenant AND role_key = @roleKey", new { tenant = Tenant, roleKey }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (found == 0)
        {
            var known = await c.QueryAsync<string>(new CommandDefinition("SELECT role_key FROM roles WHERE tenant_id = @tenant", new { tenant = Tenant }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            var near = Suggestions.Closest(roleKey ?? string.Empty, known);
            throw new CrmValidationException(new CrmValidationError("role", "key", roleKey, "unknown_role",
                $"role '{roleKey}' is not defined in this tenant.{(near is null ? " Define it first." : $" Did you mean '{near}'?")}"));
        }
    }

    private async Task InsertAsync(DbConnection c, DbTransaction tx, string sql, object args, string what, string keyField, string key, CancellationToken cancellationToken)
    {
        try
        {
            await c.ExecuteAsync(new CommandDefinition(sql, args, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        catch (Exception ex) when (runtime.Storage.IsUniqueViolation(ex))
        {
            throw new CrmValidationException(new CrmValidationError(what, keyField, key, "duplicate", $"a {what} named '{key}' already exists here."));
        }
    }

    private static void Require(string what, string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new CrmValidationException(new CrmValidationError(what, field, value, "required", $"the {what}'s {field} is required."));
        }
    }

    private async Task<T> ReadAsync<T>(Func<DbConnection, Task<T>> read, CancellationToken cancellationToken)
    {
        await runtime.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await runtime.Storage.OpenAsync(cancellationToken).ConfigureAwait(false);
        await runtime.Metadata.GetAsync(connection, null, Tenant, cancellationToken).ConfigureAwait(false);
        return await read(connection).ConfigureAwait(false);
    }

    private async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> write, CancellationToken cancellationToken)
    {
        await runtime.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await runtime.Storage.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await runtime.Storage.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        await runtime.Metadata.GetAsync(connection, tx, Tenant, cancellationToken).ConfigureAwait(false);
        (await Security.AccessProfile.ForAsync(caller, connection, tx, Dialect, cancellationToken).ConfigureAwait(false))
            .Require(Abstractions.Security.TenantPrivilege.ManageSecurity, "changing users, units, teams and job roles");
        var result = await write(connection, tx).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    private Guid NewId() => Guid.CreateVersion7(runtime.Time.GetUtcNow());

    private object Id(Guid id) => Dialect.IdParameter(id);

    private static string ScopeKey(Guid? scope) => scope?.ToString("D") ?? string.Empty;

    private string Now() => DbValues.FormatTime(runtime.Time.GetUtcNow());

    // camelCase keys too: rule packs name job roles that way (notifyRoles: [salesManager, qualityManager]).
    [GeneratedRegex("^[a-z0-9][a-zA-Z0-9-]{0,62}$")]
    private static partial Regex RoleKeyShape();
}
