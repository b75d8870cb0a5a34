using System.Data.Common;
using System.Text.RegularExpressions;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Security;
using Crm.Engine.Abstractions.Tenancy;
using Crm.Engine.Pipeline;
using Crm.Engine.Storage;
using Dapper;

namespace Crm.Engine.Security;

/// <summary>Security roles, role grants, secured fields and record shares of one tenant. Every change is audited.</summary>
internal sealed partial class SecurityService(EngineRuntime runtime, CallerContext caller) : ISecurityService
{
    private const string RoleColumns = "role_key, name, is_system, definition";

    private string Tenant => caller.TenantId;

    private ISqlDialect Dialect => runtime.Storage.Dialect;

    /// <summary>Adds the shipped roles a tenant lacks (edits of shipped roles are kept).</summary>
    public static async Task SeedSystemRolesAsync(DbConnection connection, DbTransaction transaction, string tenantId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var role in SystemRoleCatalog.All)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO security_roles (tenant_id, role_key, name, description, is_system, definition, modified_at) VALUES (@tenant, @key, @name, @description, 1, @definition, @at) ON CONFLICT DO NOTHING",
                new { tenant = tenantId, key = role.Key, name = role.Name, description = role.Description, definition = RoleJson.Write(role), at = DbValues.FormatTime(now) },
                transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }

    public Task<IReadOnlyList<SecurityRole>> ListRolesAsync(CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<SecurityRole>>(async (c, _) => [.. await RolesAsync(c, null, null, cancellationToken).ConfigureAwait(false)], cancellationToken);

    public Task<SecurityRole?> GetRoleAsync(string key, CancellationToken cancellationToken = default) =>
        ReadAsync(async (c, _) => (await RolesAsync(c, null, key, cancellationToken).ConfigureAwait(false)).SingleOrDefault(), cancellationToken);

    public Task<SecurityRole> SaveRoleAsync(SecurityRole role, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(role);
        return WriteAsync(async scope =>
        {
            scope.Access.Require(TenantPrivilege.ManageSecurity, "changing security roles");
            Validate(scope, role);
            var existing = (await RolesAsync(scope.Connection, scope.Transaction, role.Key, cancellationToken).ConfigureAwait(false)).SingleOrDefault();
            if (existing?.Key == SystemRoles.Administrator)
            {
                throw new CrmOperationRejectedException("the administrator role cannot be changed; copy it (CopyRoleAsync) and edit the copy.", "key");
            }

            var stored = role with { IsSystem = existing?.IsSystem ?? false };
            await scope.Connection.ExecuteAsync(new CommandDefinition(existing is null
                    ? "INSERT INTO security_roles (tenant_id, role_key, name, description, is_system, definition, modified_at) VALUES (@tenant, @key, @name, @description, 0, @definition, @at)"
                    : "UPDATE security_roles SET name = @name, description = @description, definition = @definition, modified_at = @at WHERE tenant_id = @tenant AND role_key = @key",
                new { tenant = Tenant, key = role.Key, name = role.Name.Trim(), description = role.Description, definition = RoleJson.Write(role), at = Now() },
                scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await AuditSecurityAsync(scope, existing is null ? $"role '{role.Key}' created" : $"role '{role.Key}' changed",
                [new AuditChange("role:" + role.Key, existing is null ? null : RoleJson.Write(existing), RoleJson.Write(stored))], cancellationToken).ConfigureAwait(false);
            return stored;
        }, cancellationToken);
    }

    public async Task<SecurityRole> CopyRoleAsync(string sourceKey, string newKey, string newName, CancellationToken cancellationToken = default)
    {
        var source = await GetRoleAsync(sourceKey, cancellationToken).ConfigureAwait(false)
            ?? throw UnknownRole(sourceKey, await RoleKeysAsync(cancellationToken).ConfigureAwait(false));
        if (await GetRoleAsync(newKey, cancellationToken).ConfigureAwait(false) is not null)
        {
            throw new CrmValidationException(new CrmValidationError("securityRole", "key", newKey, "duplicate", $"a security role '{newKey}' already exists."));
        }

        return await SaveRoleAsync(source with { Key = newKey, Name = newName, IsSystem = false }, cancellationToken).ConfigureAwait(false);
    }

    public Task DeleteRoleAsync(string key, CancellationToken cancellationToken = default) =>
        WriteAsync(async scope =>
        {
            scope.Access.Require(TenantPrivilege.ManageSecurity, "deleting security roles");
            var role = (await RolesAsync(scope.Connection, scope.Transaction, key, cancellationToken).ConfigureAwait(false)).SingleOrDefault()
                ?? throw UnknownRole(key, await RoleKeysAsync(scope.Connection, scope.Transaction, cancellationToken).ConfigureAwait(false));
            if (role.IsSystem)
            {
                throw new CrmOperationRejectedException($"'{key}' is a shipped system role and cannot be deleted; take it from users instead.", "key");
            }

            var holders = await scope.Connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT COUNT(*) FROM security_role_grants WHERE tenant_id = @tenant AND role_key = @key", new { tenant = Tenant, key }, scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (holders > 0)
            {
                throw new CrmOperationRejectedException($"security role '{key}' is still given to {holders} user(s) or team(s); revoke it first.", "key");
            }

            await scope.Connection.ExecuteAsync(new CommandDefinition("DELETE FROM security_roles WHERE tenant_id = @tenant AND role_key = @key", new { tenant = Tenant, key }, scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await AuditSecurityAsync(scope, $"role '{key}' deleted", [new AuditChange("role:" + key, RoleJson.Write(role), null)], cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    public Task GrantRoleAsync(SecurityPrincipal principal, string roleKey, CancellationToken cancellationToken = default) =>
        ChangeGrantAsync(principal, roleKey, grant: true, cancellationToken);

    public Task RevokeRoleAsync(SecurityPrincipal principal, string roleKey, CancellationToken cancellationToken = default) =>
        ChangeGrantAsync(principal, roleKey, grant: false, cancellationToken);

    public Task<IReadOnlyList<string>> ListRolesOfAsync(SecurityPrincipal principal, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return ReadAsync<IReadOnlyList<string>>(async (c, _) => [.. await c.QueryAsync<string>(new CommandDefinition(
            "SELECT role_key FROM security_role_grants WHERE tenant_id = @tenant AND principal_type = @type AND principal_id = @id ORDER BY role_key",
            new { tenant = Tenant, type = TypeName(principal.Type), id = Dialect.IdParameter(principal.Id) }, cancellationToken: cancellationToken)).ConfigureAwait(false)], cancellationToken);
    }

    public Task SetFieldSecuredAsync(string entityType, string field, bool secured, CancellationToken cancellationToken = default) =>
        WriteAsync(async scope =>
        {
            scope.Access.Require(TenantPrivilege.ManageSecurity, "securing fields");
            var entity = scope.Metadata.GetEntity(entityType);
            if (entity.FindField(field) is null)
            {
                var near = Suggestions.Closest(field, entity.Fields.Select(f => f.ApiName));
                throw new CrmValidationException(new CrmValidationError(entityType, field, null, "unknown_field",
                    $"{entityType} has no field '{field}'.{(near is null ? string.Empty : $" Did you mean '{near}'?")}"));
            }

            await scope.Connection.ExecuteAsync(new CommandDefinition(secured
                    ? "INSERT INTO secured_fields (tenant_id, entity_type, field) VALUES (@tenant, @entityType, @field) ON CONFLICT DO NOTHING"
                    : "DELETE FROM secured_fields WHERE tenant_id = @tenant AND entity_type = @entityType AND field = @field",
                new { tenant = Tenant, entityType = entity.ApiName, field }, scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await AuditSecurityAsync(scope, $"{entity.ApiName}.{field} {(secured ? "secured" : "no longer secured")}", [new AuditChange($"secured:{entity.ApiName}.{field}", !secured, secured)], cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    public Task<IReadOnlyList<FieldGrant>> ListSecuredFieldsAsync(CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<FieldGrant>>(async (c, access) => [.. (await c.QueryAsync<(string Entity, string Field)>(new CommandDefinition(
            "SELECT entity_type, field FROM secured_fields WHERE tenant_id = @tenant ORDER BY entity_type, field", new { tenant = Tenant }, cancellationToken: cancellationToken)).ConfigureAwait(false))
            .Select(r => new FieldGrant(r.Entity, r.Field, access.Field(r.Entity, r.Field)))], cancellationToken);

    public Task<RecordShare> ShareAsync(RecordRef record, SecurityPrincipal principal, ShareRights rights, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(principal);
        if (!rights.HasFlag(ShareRights.Read) || (rights & ~(ShareRights.Read | ShareRights.Write | ShareRights.Delete | ShareRights.Assign | ShareRights.Share)) != 0)
        {
            throw new CrmValidationException(new CrmValidationError(record.EntityType, "rights", rights, "share_rights", "a share must include Read and may add Write, Delete, Assign and Share."));
        }

        return WriteAsync(async scope =>
        {
            await EnsureShareableAsync(scope, record, principal, cancellationToken).ConfigureAwait(false);
            await EnsureHeldAsync(scope, record, rights, cancellationToken).ConfigureAwait(false);
            var now = runtime.Time.GetUtcNow();
            var args = new { tenant = Tenant, record = Dialect.IdParameter(record.Id), type = TypeName(principal.Type), id = Dialect.IdParameter(principal.Id), rights = (int)rights, at = DbValues.FormatTime(now), by = caller.UserId is { } u ? Dialect.IdParameter(u) : null };
            var before = await scope.Connection.ExecuteScalarAsync<long?>(new CommandDefinition(
                "SELECT rights FROM record_shares WHERE tenant_id = @tenant AND record_id = @record AND principal_type = @type AND principal_id = @id", args, scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await scope.Connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO record_shares (tenant_id, record_id, principal_type, principal_id, rights, shared_at, shared_by) VALUES (@tenant, @record, @type, @id, @rights, @at, @by) " +
                "ON CONFLICT (tenant_id, record_id, principal_type, principal_id) DO UPDATE SET rights = excluded.rights, shared_at = excluded.shared_at, shared_by = excluded.shared_by",
                args, scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await scope.AuditAsync(new PendingAudit(caller, AuditAction.Share, record.EntityType, record.Id,
                [new AuditChange($"share:{TypeName(principal.Type)}:{principal.Id:D}", before is { } b ? ((ShareRights)b).ToString() : null, rights.ToString())],
                $"shared with {TypeName(principal.Type)} {principal.Id:D}: {rights}"), cancellationToken).ConfigureAwait(false);
            return new RecordShare(record, principal, rights, now, caller.UserId);
        }, cancellationToken);
    }

    public Task UnshareAsync(RecordRef record, SecurityPrincipal principal, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(principal);
        return WriteAsync(async scope =>
        {
            await EnsureShareableAsync(scope, record, principal, cancellationToken).ConfigureAwait(false);
            var args = new { tenant = Tenant, record = Dialect.IdParameter(record.Id), type = TypeName(principal.Type), id = Dialect.IdParameter(principal.Id) };
            var before = await scope.Connection.ExecuteScalarAsync<long?>(new CommandDefinition(
                "SELECT rights FROM record_shares WHERE tenant_id = @tenant AND record_id = @record AND principal_type = @type AND principal_id = @id", args, scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (before is { } b)
            {
                await scope.Connection.ExecuteAsync(new CommandDefinition(
                    "DELETE FROM record_shares WHERE tenant_id = @tenant AND record_id = @record AND principal_type = @type AND principal_id = @id", args, scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                await scope.AuditAsync(new PendingAudit(caller, AuditAction.Unshare, record.EntityType, record.Id,
                    [new AuditChange($"share:{TypeName(principal.Type)}:{principal.Id:D}", ((ShareRights)b).ToString(), null)], $"unshared from {TypeName(principal.Type)} {principal.Id:D}"), cancellationToken).ConfigureAwait(false);
            }

            return true;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<RecordShare>> ListSharesAsync(RecordRef record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        return ReadAsync<IReadOnlyList<RecordShare>>(async (c, access) =>
        {
            await EnsureTypeAsync(c, null, record, cancellationToken).ConfigureAwait(false);
            await RecordAccess.EnsureAsync(c, null, Dialect, access, record.EntityType, record.Id, RecordPrivilege.Read, cancellationToken).ConfigureAwait(false);
            return [.. (await c.QueryAsync<(string Type, object Id, long Rights, object At, object? By)>(new CommandDefinition(
                "SELECT principal_type, principal_id, rights, shared_at, shared_by FROM record_shares WHERE tenant_id = @tenant AND record_id = @record ORDER BY shared_at, principal_id",
                new { tenant = Tenant, record = Dialect.IdParameter(record.Id) }, cancellationToken: cancellationToken)).ConfigureAwait(false))
                .Select(r => new RecordShare(record, new SecurityPrincipal(r.Type == "team" ? PrincipalType.Team : PrincipalType.User, DbValues.ToGuid(r.Id)),
                    (ShareRights)r.Rights, DbValues.ToTime(r.At), DbValues.ToNullableGuid(r.By)))];
        }, cancellationToken);
    }

    public Task RequireAsync(TenantPrivilege privilege, string operation, CancellationToken cancellationToken = default) =>
        ReadAsync((_, access) =>
        {
            access.Require(privilege, operation);
            return Task.FromResult(true);
        }, cancellationToken);

    public Task<EffectiveAccess> GetEffectiveAccessAsync(Guid userId, string entityType, CancellationToken cancellationToken = default) =>
        ReadAsync(async (c, access) =>
        {
            if (access.UserId != userId)
            {
                access.Require(TenantPrivilege.ManageSecurity, "reading another user's access");
            }

            var metadata = await runtime.Metadata.GetAsync(c, null, Tenant, cancellationToken).ConfigureAwait(false);
            var entity = metadata.GetEntity(entityType);
            var of = await AccessProfile.ForAsync(caller with { UserId = userId }, c, null, Dialect, cancellationToken).ConfigureAwait(false);
            return new EffectiveAccess(userId, entity.ApiName,
                Enum.GetValues<RecordPrivilege>().ToDictionary(p => p, p => of.Depth(entity.ApiName, p)),
                entity.Fields.Where(f => of.IsSecured(entity.ApiName, f.ApiName)).ToDictionary(f => f.ApiName, f => of.Field(entity.ApiName, f.ApiName), StringComparer.Ordinal),
                of.Roles)
            {
                TenantPrivileges = [.. Enum.GetValues<TenantPrivilege>().Where(of.Has)],
            };
        }, cancellationToken);

    private async Task EnsureShareableAsync(OperationScope scope, RecordRef record, SecurityPrincipal principal, CancellationToken cancellationToken)
    {
        await EnsureTypeAsync(scope.Connection, scope.Transaction, record, cancellationToken).ConfigureAwait(false);
        await RecordAccess.EnsureAsync(scope.Connection, scope.Transaction, Dialect, scope.Access, record.EntityType, record.Id, RecordPrivilege.Share, cancellationToken).ConfigureAwait(false);
        await EnsurePrincipalAsync(scope.Connection, scope.Transaction, principal, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A share passes on only what the sharer holds on the record (through roles or shares of their own): sharing
    /// Delete with oneself, or with anyone, needs the Delete privilege on the record, and so on for each right.
    /// </summary>
    private async Task EnsureHeldAsync(OperationScope scope, RecordRef record, ShareRights rights, CancellationToken cancellationToken)
    {
        if (scope.Access.IsSystem)
        {
            return;
        }

        (ShareRights Right, RecordPrivilege Privilege)[] needs =
            [(ShareRights.Write, RecordPrivilege.Write), (ShareRights.Delete, RecordPrivilege.Delete), (ShareRights.Assign, RecordPrivilege.Assign), (ShareRights.Share, RecordPrivilege.Share)];
        var missing = new List<string>();
        foreach (var (right, privilege) in needs)
        {
            if ((rights & right) != 0
                && !await RecordAccess.AllowsAsync(scope.Connection, scope.Transaction, Dialect, scope.Access, record.EntityType, record.Id, privilege, cancellationToken).ConfigureAwait(false))
            {
                missing.Add(right.ToString());
            }
        }

        if (missing.Count > 0)
        {
            throw new CrmAccessDeniedException(
                $"a share passes on only the rights you hold on {record.EntityType} {record.Id}; you do not hold {string.Join(", ", missing)} on it (your security roles: {(scope.Access.Roles.Count == 0 ? "none" : string.Join(", ", scope.Access.Roles))}).",
                record.EntityType);
        }
    }

    private async Task EnsureTypeAsync(DbConnection c, DbTransaction? tx, RecordRef record, CancellationToken cancellationToken)
    {
        var type = await c.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT entity_type FROM records WHERE tenant_id = @tenant AND id = @id", new { tenant = Tenant, id = Dialect.IdParameter(record.Id) }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (!string.Equals(type, record.EntityType, StringComparison.Ordinal))
        {
            throw new CrmNotFoundException(record.EntityType, record.Id);
        }
    }

    private async Task EnsurePrincipalAsync(DbConnection c, DbTransaction? tx, SecurityPrincipal principal, CancellationToken cancellationToken)
    {
        var table = principal.Type == PrincipalType.Team ? "teams" : "users";
        var found = await c.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT COUNT(*) FROM {table} WHERE tenant_id = @tenant AND id = @id", new { tenant = Tenant, id = Dialect.IdParameter(principal.Id) }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (found == 0)
        {
            throw new CrmValidationException(new CrmValidationError(TypeName(principal.Type), "id", principal.Id, "not_found", $"no {TypeName(principal.Type)} with id {principal.Id} exists in this tenant."));
        }
    }

    private Task<bool> ChangeGrantAsync(SecurityPrincipal principal, string roleKey, bool grant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return WriteAsync(async scope =>
        {
            scope.Access.Require(TenantPrivilege.ManageSecurity, grant ? "giving security roles" : "taking security roles");
            if ((await RolesAsync(scope.Connection, scope.Transaction, roleKey, cancellationToken).ConfigureAwait(false)).Count == 0)
            {
                throw UnknownRole(roleKey, await RoleKeysAsync(scope.Connection, scope.Transaction, cancellationToken).ConfigureAwait(false));
            }

            await EnsurePrincipalAsync(scope.Connection, scope.Transaction, principal, cancellationToken).ConfigureAwait(false);
            var args = new { tenant = Tenant, type = TypeName(principal.Type), id = Dialect.IdParameter(principal.Id), role = roleKey };
            var changed = await scope.Connection.ExecuteAsync(new CommandDefinition(grant
                    ? "INSERT INTO security_role_grants (tenant_id, principal_type, principal_id, role_key) VALUES (@tenant, @type, @id, @role) ON CONFLICT DO NOTHING"
                    : "DELETE FROM security_role_grants WHERE tenant_id = @tenant AND principal_type = @type AND principal_id = @id AND role_key = @role",
                args, scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (changed > 0)
            {
                await AuditSecurityAsync(scope, $"role '{roleKey}' {(grant ? "given to" : "taken from")} {TypeName(principal.Type)} {principal.Id:D}",
                    [new AuditChange($"grant:{TypeName(principal.Type)}:{principal.Id:D}", grant ? null : roleKey, grant ? roleKey : null)], cancellationToken).ConfigureAwait(false);
            }

            return true;
        }, cancellationToken);
    }

    private ValueTask<long> AuditSecurityAsync(OperationScope scope, string detail, IReadOnlyList<AuditChange> changes, CancellationToken cancellationToken) =>
        scope.AuditAsync(new PendingAudit(caller, AuditAction.Security, "security", Guid.Empty, changes, detail), cancellationToken);

    private static void Validate(OperationScope scope, SecurityRole role)
    {
        var errors = new List<CrmValidationError>();
        if (role.Key is null || !RoleKeyShape().IsMatch(role.Key))
        {
            errors.Add(new CrmValidationError("securityRole", "key", role.Key, "format", $"role key '{role.Key}' is invalid: use lower-case letters, digits and dashes (e.g. field-sales)."));
        }

        if (string.IsNullOrWhiteSpace(role.Name))
        {
            errors.Add(new CrmValidationError("securityRole", "name", role.Name, "required", "the role's name is required."));
        }

        var known = scope.Metadata.Entities.Select(e => e.ApiName).ToList();
        foreach (var privilege in role.Privileges)
        {
            if (privilege.EntityType != EntityPrivilege.AnyEntity && !known.Contains(privilege.EntityType, StringComparer.Ordinal))
            {
                var near = Suggestions.Closest(privilege.EntityType ?? string.Empty, known);
                errors.Add(new CrmValidationError("securityRole", "privileges", privilege.EntityType, "unknown_entity",
                    $"role '{role.Key}': there is no entity type '{privilege.EntityType}'.{(near is null ? " Use '*' for every entity type." : $" Did you mean '{near}'?")}"));
            }
        }

        foreach (var permission in role.FieldGrants)
        {
            var entity = scope.Metadata.Entities.FirstOrDefault(e => e.ApiName == permission.EntityType);
            if (entity?.FindField(permission.Field) is null)
            {
                errors.Add(new CrmValidationError("securityRole", "fieldPermissions", $"{permission.EntityType}.{permission.Field}", "unknown_field",
                    $"role '{role.Key}': there is no field '{permission.Field}' on '{permission.EntityType}'."));
            }
        }

        if (errors.Count > 0)
        {
            throw new CrmValidationException(errors);
        }
    }

    private async Task<List<SecurityRole>> RolesAsync(DbConnection c, DbTransaction? tx, string? key, CancellationToken cancellationToken) =>
        [.. (await c.QueryAsync<(string Key, string Name, long IsSystem, string Definition)>(new CommandDefinition(
            $"SELECT {RoleColumns} FROM security_roles WHERE tenant_id = @tenant{(key is null ? string.Empty : " AND role_key = @key")} ORDER BY role_key",
            new { tenant = Tenant, key }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false))
            .Select(r => RoleJson.Read(r.Key, r.Name, r.Definition, r.IsSystem != 0))];

    private Task<IReadOnlyList<string>> RoleKeysAsync(CancellationToken cancellationToken) =>
        ReadAsync((c, _) => RoleKeysAsync(c, null, cancellationToken), cancellationToken);

    private async Task<IReadOnlyList<string>> RoleKeysAsync(DbConnection c, DbTransaction? tx, CancellationToken cancellationToken) =>
        [.. await c.QueryAsync<string>(new CommandDefinition("SELECT role_key FROM security_roles WHERE tenant_id = @tenant", new { tenant = Tenant }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false)];

    private static CrmValidationException UnknownRole(string key, IReadOnlyList<string> known)
    {
        var near = Suggestions.Closest(key ?? string.Empty, known);
        return new CrmValidationException(new CrmValidationError("securityRole", "key", key, "unknown_role",
            $"security role '{key}' is not defined in this tenant.{(near is null ? string.Empty : $" Did you mean '{near}'?")}"));
    }

    private static string TypeName(PrincipalType type) => type == PrincipalType.Team ? "team" : "user";

    private string Now() => DbValues.FormatTime(runtime.Time.GetUtcNow());

    private async Task<T> ReadAsync<T>(Func<DbConnection, AccessProfile, Task<T>> read, CancellationToken cancellationToken)
    {
        await runtime.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await runtime.Storage.OpenAsync(cancellationToken).ConfigureAwait(false);
        await runtime.Metadata.GetAsync(connection, null, Tenant, cancellationToken).ConfigureAwait(false);
        var access = await AccessProfile.ForAsync(caller, connection, null, Dialect, cancellationToken).ConfigureAwait(false);
        return await read(connection, access).ConfigureAwait(false);
    }

    private async Task<T> WriteAsync<T>(Func<OperationScope, Task<T>> write, CancellationToken cancellationToken)
    {
        await using var scope = await OperationScope.BeginAsync(runtime, caller, cancellationToken).ConfigureAwait(false);
        var result = await write(scope).ConfigureAwait(false);
        await scope.CommitAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$")]
    private static partial Regex RoleKeyShape();
}
