using Crm.Engine.Abstractions.Records;

namespace Crm.Engine.Abstractions.Security;

/// <summary>What a user may do with records of one entity type.</summary>
public enum RecordPrivilege
{
    /// <summary>Create records.</summary>
    Create = 0,

    /// <summary>Read records (get, query, reports, timeline, screen pop).</summary>
    Read = 1,

    /// <summary>Change records.</summary>
    Write = 2,

    /// <summary>Delete records.</summary>
    Delete = 3,

    /// <summary>Give records another owner.</summary>
    Assign = 4,

    /// <summary>Share records with other users or teams.</summary>
    Share = 5,

    /// <summary>Export records in bulk (<see cref="IRecordService.ExportAsync"/>).</summary>
    Export = 6,
}

/// <summary>Which records a privilege reaches, from the holder's point of view. Deeper levels include the shallower ones.</summary>
public enum AccessDepth
{
    /// <summary>No records (only those shared with the user or one of their teams).</summary>
    None = 0,

    /// <summary>Records owned by the user or by a team the user belongs to.</summary>
    Own = 1,

    /// <summary>Records owned by anyone (user or team) in the user's organisation unit.</summary>
    Unit = 2,

    /// <summary>Records owned by anyone in the user's unit or any unit below it.</summary>
    UnitAndBelow = 3,

    /// <summary>Every record of the tenant, including records without an owner.</summary>
    Tenant = 4,
}

/// <summary>Tenant-wide privileges that are not about records of one entity type.</summary>
public enum TenantPrivilege
{
    /// <summary>Define security roles, give them to users and teams, secure fields, and manage users, units and teams.</summary>
    ManageSecurity = 0,

    /// <summary>Change metadata (custom fields, labels) and apply rule packs.</summary>
    Customize = 1,

    /// <summary>Read the audit trail.</summary>
    ReadAudit = 2,

    /// <summary>Answer personal-data requests: export and erase what is held about a contact.</summary>
    PersonalData = 3,
}

/// <summary>What a role allows on a secured field. A secured field is hidden from every user whose roles grant nothing.</summary>
public enum FieldAccess
{
    /// <summary>Hidden: not returned, not filterable, sortable or groupable, not writable.</summary>
    None = 0,

    /// <summary>Read-only.</summary>
    Read = 1,

    /// <summary>Read and write.</summary>
    ReadWrite = 2,
}

/// <summary>The rights a share grants on one record.</summary>
[Flags]
public enum ShareRights
{
    /// <summary>Nothing.</summary>
    None = 0,

    /// <summary>Read the record.</summary>
    Read = 1,

    /// <summary>Change the record (implies read).</summary>
    Write = 2,

    /// <summary>Delete the record (implies read).</summary>
    Delete = 4,

    /// <summary>Give the record another owner (implies read).</summary>
    Assign = 8,

    /// <summary>Share the record further (implies read).</summary>
    Share = 16,
}

/// <summary>Whether a security principal is a user or a team.</summary>
public enum PrincipalType
{
    /// <summary>A user.</summary>
    User = 0,

    /// <summary>A team: what is given to it is given to each of its members.</summary>
    Team = 1,
}

/// <summary>A user or a team, as holder of roles and shares.</summary>
/// <param name="Type">User or team.</param>
/// <param name="Id">The user's or team's id.</param>
public sealed record SecurityPrincipal(PrincipalType Type, Guid Id)
{
    /// <summary>A user.</summary>
    /// <param name="userId">The user's id.</param>
    /// <returns>The principal.</returns>
    public static SecurityPrincipal User(Guid userId) => new(PrincipalType.User, userId);

    /// <summary>A team.</summary>
    /// <param name="teamId">The team's id.</param>
    /// <returns>The principal.</returns>
    public static SecurityPrincipal Team(Guid teamId) => new(PrincipalType.Team, teamId);
}

/// <summary>One privilege on one entity type with its depth.</summary>
/// <param name="EntityType">The entity type's API name, or <c>*</c> for every entity type the role does not name.</param>
/// <param name="Privilege">The privilege.</param>
/// <param name="Depth">Which records it reaches.</param>
public sealed record EntityPrivilege(string EntityType, RecordPrivilege Privilege, AccessDepth Depth)
{
    /// <summary>The entity-type name that stands for every entity type a role does not name itself.</summary>
    public const string AnyEntity = "*";
}

/// <summary>What a role allows on one secured field.</summary>
/// <param name="EntityType">The entity type's API name.</param>
/// <param name="Field">The field's API name.</param>
/// <param name="Access">Hidden, read-only or read-write.</param>
public sealed record FieldGrant(string EntityType, string Field, FieldAccess Access);

/// <summary>
/// A security role of a tenant: record privileges per entity type with a depth, access to secured fields, and
/// tenant-wide privileges. A user's access is the union of the roles given to them and to their teams.
/// </summary>
/// <param name="Key">The stable key (lower-case letters, digits and dashes).</param>
/// <param name="Name">The display name.</param>
public sealed record SecurityRole(string Key, string Name)
{
    /// <summary>What the role is for.</summary>
    public string? Description { get; init; }

    /// <summary>Whether the role is one of the <see cref="SystemRoles"/> shipped with the engine.</summary>
    public bool IsSystem { get; init; }

    /// <summary>Record privileges; a privilege not listed for an entity type (nor for <c>*</c>) is <see cref="AccessDepth.None"/>.</summary>
    public IReadOnlyList<EntityPrivilege> Privileges { get; init; } = [];

    /// <summary>Access to secured fields; a secured field not listed is hidden.</summary>
    public IReadOnlyList<FieldGrant> FieldGrants { get; init; } = [];

    /// <summary>Tenant-wide privileges.</summary>
    public IReadOnlyList<TenantPrivilege> TenantPrivileges { get; init; } = [];
}

/// <summary>The keys of the roles every tenant starts with.</summary>
public static class SystemRoles
{
    /// <summary>Everything, everywhere in the tenant; cannot be edited or deleted.</summary>
    public const string Administrator = "administrator";

    /// <summary>Own customers and opportunities, read of the unit's.</summary>
    public const string SalesRep = "sales-rep";

    /// <summary>The unit's and sub-units' sales records.</summary>
    public const string SalesManager = "sales-manager";

    /// <summary>Cases of the own unit, read of customers.</summary>
    public const string ServiceAgent = "service-agent";

    /// <summary>Service records of the unit and sub-units.</summary>
    public const string ServiceManager = "service-manager";

    /// <summary>Marketing lists and campaigns, read of customers.</summary>
    public const string MarketingUser = "marketing-user";

    /// <summary>Reads everything, changes nothing.</summary>
    public const string ReadOnly = "read-only";

    /// <summary>All shipped role keys.</summary>
    public static IReadOnlyList<string> All { get; } = [Administrator, SalesRep, SalesManager, ServiceAgent, ServiceManager, MarketingUser, ReadOnly];
}

/// <summary>A record shared with a user or team.</summary>
/// <param name="Record">The record.</param>
/// <param name="Principal">Who it is shared with.</param>
/// <param name="Rights">What the share allows.</param>
/// <param name="SharedAt">When it was shared (last changed).</param>
/// <param name="SharedBy">Who shared it (<see langword="null"/> for the system).</param>
public sealed record RecordShare(RecordRef Record, SecurityPrincipal Principal, ShareRights Rights, DateTimeOffset SharedAt, Guid? SharedBy);

/// <summary>What one user may do with one entity type, with where each right comes from (for "why can't I see it?").</summary>
/// <param name="UserId">The user.</param>
/// <param name="EntityType">The entity type.</param>
/// <param name="Depths">The depth of every record privilege.</param>
/// <param name="Fields">Access to each secured field of the entity type.</param>
/// <param name="Roles">The role keys the user holds, directly or through teams.</param>
public sealed record EffectiveAccess(Guid UserId, string EntityType, IReadOnlyDictionary<RecordPrivilege, AccessDepth> Depths, IReadOnlyDictionary<string, FieldAccess> Fields, IReadOnlyList<string> Roles)
{
    /// <summary>The tenant-wide privileges the user holds.</summary>
    public IReadOnlyList<TenantPrivilege> TenantPrivileges { get; init; } = [];
}

/// <summary>
/// Security configuration of one tenant. Changing it needs <see cref="TenantPrivilege.ManageSecurity"/> (or the
/// system context); sharing a record needs the <see cref="RecordPrivilege.Share"/> privilege on it. Every change
/// is audited and takes effect for the next operation.
/// </summary>
public interface ISecurityService
{
    /// <summary>Lists the tenant's roles.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The roles, by key.</returns>
    Task<IReadOnlyList<SecurityRole>> ListRolesAsync(CancellationToken cancellationToken = default);

    /// <summary>Gets one role.</summary>
    /// <param name="key">The role key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The role, or <see langword="null"/>.</returns>
    Task<SecurityRole?> GetRoleAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Creates a role or replaces its privileges, name and description. The administrator role cannot be changed.</summary>
    /// <param name="role">The role (its <see cref="SecurityRole.IsSystem"/> is ignored).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The role as stored.</returns>
    Task<SecurityRole> SaveRoleAsync(SecurityRole role, CancellationToken cancellationToken = default);

    /// <summary>Copies a role under a new key, for editing.</summary>
    /// <param name="sourceKey">The role to copy.</param>
    /// <param name="newKey">The new role's key.</param>
    /// <param name="newName">The new role's name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The copy.</returns>
    Task<SecurityRole> CopyRoleAsync(string sourceKey, string newKey, string newName, CancellationToken cancellationToken = default);

    /// <summary>Deletes a role that is no longer given to anyone. System roles cannot be deleted.</summary>
    /// <param name="key">The role key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    Task DeleteRoleAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Gives a role to a user or team (no-op when already given).</summary>
    /// <param name="principal">The user or team.</param>
    /// <param name="roleKey">The role key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    Task GrantRoleAsync(SecurityPrincipal principal, string roleKey, CancellationToken cancellationToken = default);

    /// <summary>Takes a role from a user or team (no-op when not given).</summary>
    /// <param name="principal">The user or team.</param>
    /// <param name="roleKey">The role key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    Task RevokeRoleAsync(SecurityPrincipal principal, string roleKey, CancellationToken cancellationToken = default);

    /// <summary>The roles given directly to a user or team.</summary>
    /// <param name="principal">The user or team.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Role keys.</returns>
    Task<IReadOnlyList<string>> ListRolesOfAsync(SecurityPrincipal principal, CancellationToken cancellationToken = default);

    /// <summary>Marks a field as secured (hidden from users whose roles grant no access to it) or unsecured.</summary>
    /// <param name="entityType">The entity type.</param>
    /// <param name="field">The field's API name.</param>
    /// <param name="secured">Whether the field is secured.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    Task SetFieldSecuredAsync(string entityType, string field, bool secured, CancellationToken cancellationToken = default);

    /// <summary>The secured fields of the tenant.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>(entity type, field) pairs.</returns>
    Task<IReadOnlyList<FieldGrant>> ListSecuredFieldsAsync(CancellationToken cancellationToken = default);

    /// <summary>Shares a record with a user or team, replacing the rights of an earlier share with the same principal.</summary>
    /// <param name="record">The record.</param>
    /// <param name="principal">The user or team.</param>
    /// <param name="rights">What the share allows (at least <see cref="ShareRights.Read"/>).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The share.</returns>
    Task<RecordShare> ShareAsync(RecordRef record, SecurityPrincipal principal, ShareRights rights, CancellationToken cancellationToken = default);

    /// <summary>Removes a share (no-op when there is none).</summary>
    /// <param name="record">The record.</param>
    /// <param name="principal">The user or team.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    Task UnshareAsync(RecordRef record, SecurityPrincipal principal, CancellationToken cancellationToken = default);

    /// <summary>The shares of a record the caller can read.</summary>
    /// <param name="record">The record.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The shares.</returns>
    Task<IReadOnlyList<RecordShare>> ListSharesAsync(RecordRef record, CancellationToken cancellationToken = default);

    /// <summary>
    /// Throws <see cref="Errors.CrmAccessDeniedException"/> unless the caller holds a tenant privilege (the system
    /// context holds all). For modules that offer their own administration, e.g. configuration screens.
    /// </summary>
    /// <param name="privilege">The privilege needed.</param>
    /// <param name="operation">What the caller is doing, for the message, e.g. <c>changing the tenant's rule packs</c>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the caller holds the privilege.</returns>
    Task RequireAsync(TenantPrivilege privilege, string operation, CancellationToken cancellationToken = default);

    /// <summary>What a user may do with an entity type, with the roles it comes from.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="entityType">The entity type.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The effective access.</returns>
    Task<EffectiveAccess> GetEffectiveAccessAsync(Guid userId, string entityType, CancellationToken cancellationToken = default);
}
