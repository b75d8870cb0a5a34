using System.Data.Common;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Security;
using Crm.Engine.Abstractions.Tenancy;
using Crm.Engine.Storage;
using Dapper;

namespace Crm.Engine.Security;

/// <summary>
/// What one caller may do in one tenant, resolved once per operation from the caller's roles (direct and through
/// teams), unit, teams and the tenant's secured fields. The system context may do everything. Every record read
/// and write of the engine asks this object, and record filters come from <see cref="Predicate"/>, so the rules
/// live in one place.
/// </summary>
internal sealed class AccessProfile
{
    private static readonly RecordPrivilege[] AllPrivileges = Enum.GetValues<RecordPrivilege>();
    private readonly Dictionary<string, AccessDepth[]> _depths;
    private readonly AccessDepth[] _anyEntity;
    private readonly Dictionary<(string Entity, string Field), FieldAccess> _fieldGrants;
    private readonly HashSet<(string Entity, string Field)> _secured;
    private readonly HashSet<TenantPrivilege> _tenantPrivileges;

    private AccessProfile(
        string tenantId,
        Guid? userId,
        Guid unitId,
        IReadOnlyList<Guid> teams,
        IReadOnlyList<Guid> subtree,
        IReadOnlyList<string> roles,
        Dictionary<string, AccessDepth[]> depths,
        AccessDepth[] anyEntity,
        Dictionary<(string, string), FieldAccess> fieldGrants,
        HashSet<(string, string)> secured,
        HashSet<TenantPrivilege> tenantPrivileges)
    {
        TenantId = tenantId;
        UserId = userId;
        UnitId = unitId;
        Teams = teams;
        Subtree = subtree;
        Roles = roles;
        _depths = depths;
        _anyEntity = anyEntity;
        _fieldGrants = fieldGrants;
        _secured = secured;
        _tenantPrivileges = tenantPrivileges;
    }

    public string TenantId { get; }

    /// <summary>The user, or <see langword="null"/> for the system context.</summary>
    public Guid? UserId { get; }

    public bool IsSystem => UserId is null;

    public Guid UnitId { get; }

    public IReadOnlyList<Guid> Teams { get; }

    /// <summary>The user's unit and every unit below it.</summary>
    public IReadOnlyList<Guid> Subtree { get; }

    public IReadOnlyList<string> Roles { get; }

    /// <summary>The system context: every privilege at tenant depth, every field.</summary>
    public static AccessProfile System(string tenantId) =>
        new(tenantId, null, Guid.Empty, [], [], [], new Dictionary<string, AccessDepth[]>(StringComparer.Ordinal),
            Filled(AccessDepth.Tenant), [], [], [.. Enum.GetValues<TenantPrivilege>()]);

    public static Task<AccessProfile> ForAsync(CallerContext caller, DbConnection connection, DbTransaction? transaction, ISqlDialect dialect, CancellationToken cancellationToken) =>
        caller.UserId is { } user
            ? LoadAsync(connection, transaction, dialect, caller.TenantId, user, cancellationToken)
            : Task.FromResult(System(caller.TenantId));

    public AccessDepth Depth(string entityType, RecordPrivilege privilege) =>
        IsSystem ? AccessDepth.Tenant : (_depths.TryGetValue(entityType, out var d) ? d : _anyEntity)[(int)privilege];

    public bool Has(TenantPrivilege privilege) => _tenantPrivileges.Contains(privilege);

    public void Require(TenantPrivilege privilege, string what)
    {
        if (!Has(privilege))
        {
            throw new CrmAccessDeniedException($"{what} needs the tenant privilege {privilege}, which none of your security roles grants.");
        }
    }

    public bool IsSecured(string entityType, string field) => _secured.Contains((entityType, field));

    public FieldAccess Field(string entityType, string field)
    {
        if (IsSystem || !_secured.Contains((entityType, field)))
        {
            return FieldAccess.ReadWrite;
        }

        return Roles.Contains(SystemRoles.Administrator) ? FieldAccess.ReadWrite
            : _fieldGrants.TryGetValue((entityType, field), out var access) ? access : FieldAccess.None;
    }

    public bool CanRead(string entityType, string field) => Field(entityType, field) != FieldAccess.None;

    /// <summary>The secured fields the caller may not read, as (entity type, field) pairs.</summary>
    public IReadOnlyCollection<(string EntityType, string Field)> HiddenFields() =>
        [.. _secured.Where(f => !CanRead(f.Entity, f.Field)).Select(f => (f.Entity, f.Field))];

    /// <summary>The record without the secured fields the caller may not read.</summary>
    public CrmRecord Redact(CrmRecord record)
    {
        if (IsSystem || _secured.Count == 0 || !record.Values.Keys.Any(k => !CanRead(record.EntityType, k)))
        {
            return record;
        }

        var visible = record.Values.Where(p => CanRead(record.EntityType, p.Key)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        return new CrmRecord(record.EntityType, record.Id, record.Version, visible, record.Stamps);
    }

    /// <summary>
    /// The SQL condition on the <c>records</c> table that keeps the rows the caller may act on with the privilege:
    /// <see langword="null"/> when every row qualifies. Values are added as parameters through <paramref name="add"/>.
    /// </summary>
    public string? Predicate(string entityType, RecordPrivilege privilege, ISqlDialect dialect, Func<object?, string> add)
    {
        var depth = Depth(entityType, privilege);
        if (depth == AccessDepth.Tenant)
        {
            return null;
        }

        var principals = string.Join(", ", Principals().Select(p => add(dialect.IdParameter(p))));
        var parts = new List<string>();
        if (depth >= AccessDepth.Own)
        {
            parts.Add($"owner_id IN ({principals})");
        }

        if (depth >= AccessDepth.Unit)
        {
            var units = depth == AccessDepth.Unit ? [UnitId] : Subtree;
            var tenant = add(TenantId);
            var list = string.Join(", ", units.Select(u => add(dialect.IdParameter(u))));
            parts.Add($"owner_id IN (SELECT id FROM users WHERE tenant_id = {tenant} AND unit_id IN ({list}))");
            parts.Add($"owner_id IN (SELECT id FROM teams WHERE tenant_id = {tenant} AND unit_id IN ({list}))");
        }

        if (depth >= AccessDepth.Own && privilege is RecordPrivilege.Read or RecordPrivilege.Write && UserId is { } me)
        {
            // Members of a work queue work the records queued in it.
            parts.Add($"id IN (SELECT qi.record_id FROM work_queue_items qi JOIN work_queue_members qm ON qm.tenant_id = qi.tenant_id AND qm.queue_id = qi.queue_id WHERE qi.tenant_id = {add(TenantId)} AND qm.user_id = {add(dialect.IdParameter(me))})");
        }

        if (ShareMask(privilege) is var mask and not ShareRights.None)
        {
            parts.Add($"id IN (SELECT record_id FROM record_shares WHERE tenant_id = {add(TenantId)} AND principal_id IN ({principals}) AND (rights & {add((int)mask)}) <> 0)");
        }

        return parts.Count == 0 ? "1 = 0" : $"({string.Join(" OR ", parts)})";
    }

    /// <summary>Whether a record owned by <paramref name="owner"/> (whose unit is <paramref name="ownerUnit"/>) is within the depth.</summary>
    public bool Covers(AccessDepth depth, Guid? owner, Guid? ownerUnit) => depth switch
    {
        AccessDepth.Tenant => true,
        AccessDepth.None => false,
        _ when owner is null => false,
        _ when owner == UserId || Teams.Contains(owner.Value) => true,
        AccessDepth.Unit => ownerUnit == UnitId,
        AccessDepth.UnitAndBelow => ownerUnit is { } u && Subtree.Contains(u),
        _ => false,
    };

    /// <summary>The user and their teams: who "own" and shares refer to.</summary>
    public IEnumerable<Guid> Principals() => UserId is { } u ? Teams.Prepend(u) : Teams;

    /// <summary>The share rights that grant a privilege (any share grants read; export is never shared).</summary>
    public static ShareRights ShareMask(RecordPrivilege privilege) => privilege switch
    {
        RecordPrivilege.Read => ShareRights.Read | ShareRights.Write | ShareRights.Delete | ShareRights.Assign | ShareRights.Share,
        RecordPrivilege.Write => ShareRights.Write,
        RecordPrivilege.Delete => ShareRights.Delete,
        RecordPrivilege.Assign => ShareRights.Assign,
        RecordPrivilege.Share => ShareRights.Share,
        _ => ShareRights.None,
    };

    private static AccessDepth[] Filled(AccessDepth depth)
    {
        var a = new AccessDepth[AllPrivileges.Length];
        Array.Fill(a, depth);
        return a;
    }

    private static async Task<AccessProfile> LoadAsync(DbConnection c, DbTransaction? tx, ISqlDialect dialect, string tenantId, Guid userId, CancellationToken ct)
    {
        var id = dialect.IdParameter(userId);
        var user = await c.QuerySingleOrDefaultAsync<(object Unit, long Active)>(new CommandDefinition(
            "SELECT unit_id, is_active FROM users WHERE tenant_id = @tenant AND id = @id", new { tenant = tenantId, id }, tx, cancellationToken: ct)).ConfigureAwait(false);
        if (user.Unit is null || user.Active == 0)
        {
            throw new CrmAccessDeniedException($"user {userId} is not an active user of tenant '{tenantId}'.");
        }

        // Read as the provider gives it (text or uuid); QueryAsync<object> would hand back Dapper rows, not values.
        var teams = new List<Guid>();
        await using (var reader = await c.ExecuteReaderAsync(new CommandDefinition(
            "SELECT team_id FROM team_members WHERE tenant_id = @tenant AND user_id = @id", new { tenant = tenantId, id }, tx, cancellationToken: ct)).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                teams.Add(DbValues.ToGuid(reader.GetValue(0)));
            }
        }

        var principals = teams.Select(t => dialect.IdParameter(t)).Prepend(id).ToList();
        var definitions = (await c.QueryAsync<(string Key, string Definition)>(new CommandDefinition(
            "SELECT DISTINCT r.role_key, r.definition FROM security_role_grants g JOIN security_roles r ON r.tenant_id = g.tenant_id AND r.role_key = g.role_key " +
            "WHERE g.tenant_id = @tenant AND g.principal_id IN @principals ORDER BY r.role_key",
            new { tenant = tenantId, principals }, tx, cancellationToken: ct)).ConfigureAwait(false)).ToList();
        var units = (await c.QueryAsync<(object Id, object? Parent)>(new CommandDefinition(
            "SELECT id, parent_id FROM org_units WHERE tenant_id = @tenant", new { tenant = tenantId }, tx, cancellationToken: ct)).ConfigureAwait(false)).ToList();
        var secured = (await c.QueryAsync<(string Entity, string Field)>(new CommandDefinition(
            "SELECT entity_type, field FROM secured_fields WHERE tenant_id = @tenant", new { tenant = tenantId }, tx, cancellationToken: ct)).ConfigureAwait(false)).ToHashSet();

        var depths = new Dictionary<string, AccessDepth[]>(StringComparer.Ordinal);
        var anyEntity = Filled(AccessDepth.None);
        var fieldGrants = new Dictionary<(string, string), FieldAccess>();
        var tenantPrivileges = new HashSet<TenantPrivilege>();
        var roles = definitions.Select(d => RoleJson.Read(d.Key, d.Key, d.Definition)).ToList();

        // A role's entry for an entity type replaces its '*' entry for that privilege; roles combine by the deepest.
        var named = roles.SelectMany(r => r.Privileges).Select(p => p.EntityType).Where(e => e != EntityPrivilege.AnyEntity).ToHashSet(StringComparer.Ordinal);
        foreach (var role in roles)
        {
            foreach (var entity in named.Append(EntityPrivilege.AnyEntity))
            {
                var target = entity == EntityPrivilege.AnyEntity ? anyEntity : depths.TryGetValue(entity, out var d) ? d : depths[entity] = Filled(AccessDepth.None);
                foreach (var privilege in AllPrivileges)
                {
                    var depth = role.DepthFor(entity, privilege);
                    if (depth > target[(int)privilege])
                    {
                        target[(int)privilege] = depth;
                    }
                }
            }

            foreach (var f in role.FieldGrants)
            {
                if (!fieldGrants.TryGetValue((f.EntityType, f.Field), out var existing) || f.Access > existing)
                {
                    fieldGrants[(f.EntityType, f.Field)] = f.Access;
                }
            }

            tenantPrivileges.UnionWith(role.TenantPrivileges);
        }

        // Entity types no role names get the deepest '*' of all roles (already in anyEntity); named ones also
        // inherit '*' from roles that do not name them (DepthFor falls back), so nothing is lost.
        var unit = DbValues.ToGuid(user.Unit);
        return new AccessProfile(tenantId, userId, unit, teams, UnitsBelow(units, unit), [.. roles.Select(r => r.Key)],
            depths, anyEntity, fieldGrants, secured, tenantPrivileges);
    }

    private static List<Guid> UnitsBelow(List<(object Id, object? Parent)> units, Guid root)
    {
        var children = units.Where(u => u.Parent is not null and not DBNull).ToLookup(u => DbValues.ToGuid(u.Parent!), u => DbValues.ToGuid(u.Id));
        var result = new List<Guid> { root };
        for (var i = 0; i < result.Count; i++)
        {
            result.AddRange(children[result[i]].Where(c => !result.Contains(c)));
        }

        return result;
    }
}
