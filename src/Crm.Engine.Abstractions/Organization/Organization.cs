namespace Crm.Engine.Abstractions.Organization;

/// <summary>An organisation unit (company, region, customer group...); units form a tree under the tenant's root unit.</summary>
/// <param name="Id">The unit id.</param>
/// <param name="Name">The name, unique among its siblings.</param>
/// <param name="ParentId">The parent unit, or <see langword="null"/> for the root.</param>
public sealed record OrganizationUnit(Guid Id, string Name, Guid? ParentId);

/// <summary>A user of a tenant.</summary>
/// <param name="Id">The user id.</param>
/// <param name="UserName">The unique log-in name.</param>
/// <param name="DisplayName">The name shown to people.</param>
/// <param name="Email">The e-mail address, if known.</param>
/// <param name="Phone">The telephone number, if known.</param>
/// <param name="UnitId">The user's home unit.</param>
/// <param name="IsActive">Whether the user may act and receive work.</param>
public sealed record CrmUser(Guid Id, string UserName, string DisplayName, string? Email, string? Phone, Guid UnitId, bool IsActive);

/// <summary>What is needed to create a user.</summary>
/// <param name="UserName">The unique log-in name.</param>
/// <param name="DisplayName">The name shown to people.</param>
public sealed record NewUser(string UserName, string DisplayName)
{
    /// <summary>The user's id, e.g. kept from the system the users are imported from (default: a new id).</summary>
    public Guid? Id { get; init; }

    /// <summary>The e-mail address.</summary>
    public string? Email { get; init; }

    /// <summary>The telephone number.</summary>
    public string? Phone { get; init; }

    /// <summary>The home unit, or <see langword="null"/> for the root unit.</summary>
    public Guid? UnitId { get; init; }
}

/// <summary>A team: a group of users that can own records and hold roles together.</summary>
/// <param name="Id">The team id.</param>
/// <param name="Name">The unique name.</param>
/// <param name="UnitId">The unit the team belongs to.</param>
public sealed record CrmTeam(Guid Id, string Name, Guid UnitId);

/// <summary>A job role of a tenant, e.g. <c>quality-manager</c>; what rules notify and route to.</summary>
/// <param name="Key">The immutable key used by rules, lower-case with dashes.</param>
/// <param name="Name">The name shown to people.</param>
/// <param name="Description">What the role does.</param>
public sealed record CrmRole(string Key, string Name, string? Description);

/// <summary>A user holding a role, tenant-wide or within one unit or team.</summary>
/// <param name="UserId">The user.</param>
/// <param name="RoleKey">The role.</param>
/// <param name="ScopeId">The unit or team the role is held in, or <see langword="null"/> for the whole tenant.</param>
public sealed record RoleAssignment(Guid UserId, string RoleKey, Guid? ScopeId);

/// <summary>Users, teams, units and roles of one tenant.</summary>
public interface IOrganizationService
{
    /// <summary>Gets the tenant's root unit (created with the tenant).</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The root unit.</returns>
    Task<OrganizationUnit> GetRootUnitAsync(CancellationToken cancellationToken = default);

    /// <summary>Creates a unit under a parent.</summary>
    /// <param name="name">The name, unique among its siblings.</param>
    /// <param name="parentId">The parent unit, or <see langword="null"/> for the root unit.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The unit.</returns>
    Task<OrganizationUnit> CreateUnitAsync(string name, Guid? parentId = null, CancellationToken cancellationToken = default);

    /// <summary>Lists every unit.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The units.</returns>
    Task<IReadOnlyList<OrganizationUnit>> ListUnitsAsync(CancellationToken cancellationToken = default);

    /// <summary>Creates a user.</summary>
    /// <param name="user">The user's details.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The user.</returns>
    Task<CrmUser> CreateUserAsync(NewUser user, CancellationToken cancellationToken = default);

    /// <summary>Gets a user by id.</summary>
    /// <param name="userId">The user id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The user, or <see langword="null"/>.</returns>
    Task<CrmUser?> GetUserAsync(Guid userId, CancellationToken cancellationToken = default);

    /// <summary>Gets a user by log-in name.</summary>
    /// <param name="userName">The log-in name (case-insensitive).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The user, or <see langword="null"/>.</returns>
    Task<CrmUser?> FindUserAsync(string userName, CancellationToken cancellationToken = default);

    /// <summary>Lists every user, ordered by log-in name.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The users.</returns>
    Task<IReadOnlyList<CrmUser>> ListUsersAsync(CancellationToken cancellationToken = default);

    /// <summary>Creates a team.</summary>
    /// <param name="name">The unique name.</param>
    /// <param name="unitId">The unit, or <see langword="null"/> for the root unit.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The team.</returns>
    Task<CrmTeam> CreateTeamAsync(string name, Guid? unitId = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves a user to another organisation unit. Access that depends on the unit (unit and unit-and-below depths, and
    /// which records count as the unit's) follows the move from the next operation on. Needs the
    /// <c>ManageSecurity</c> tenant privilege (or the system context).
    /// </summary>
    /// <param name="userId">The user.</param>
    /// <param name="unitId">The unit the user now belongs to.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The user as stored after the move.</returns>
    /// <exception cref="Errors.CrmValidationException">The user or the unit does not exist in this tenant.</exception>
    Task<CrmUser> MoveUserAsync(Guid userId, Guid unitId, CancellationToken cancellationToken = default);

    /// <summary>Adds a user to a team (no effect when already a member).</summary>
    /// <param name="teamId">The team.</param>
    /// <param name="userId">The user.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when done.</returns>
    Task AddTeamMemberAsync(Guid teamId, Guid userId, CancellationToken cancellationToken = default);

    /// <summary>Lists a team's members.</summary>
    /// <param name="teamId">The team.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The members.</returns>
    Task<IReadOnlyList<CrmUser>> ListTeamMembersAsync(Guid teamId, CancellationToken cancellationToken = default);

    /// <summary>Defines a job role (or changes its name and description).</summary>
    /// <param name="role">The role.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The role.</returns>
    Task<CrmRole> DefineRoleAsync(CrmRole role, CancellationToken cancellationToken = default);

    /// <summary>Lists the tenant's job roles.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The roles.</returns>
    Task<IReadOnlyList<CrmRole>> ListRolesAsync(CancellationToken cancellationToken = default);

    /// <summary>Lets a user hold a role, tenant-wide or within a unit or team.</summary>
    /// <param name="assignment">Who holds which role where.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when done.</returns>
    Task GrantRoleAsync(RoleAssignment assignment, CancellationToken cancellationToken = default);

    /// <summary>Takes a role away from a user.</summary>
    /// <param name="assignment">The assignment to remove.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when done.</returns>
    Task RevokeRoleAsync(RoleAssignment assignment, CancellationToken cancellationToken = default);

    /// <summary>Lists the active users holding a role within a scope (or anywhere, when the scope is <see langword="null"/>).</summary>
    /// <param name="roleKey">The role.</param>
    /// <param name="scopeId">The unit or team, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The users.</returns>
    Task<IReadOnlyList<CrmUser>> ListRoleHoldersAsync(string roleKey, Guid? scopeId = null, CancellationToken cancellationToken = default);

    /// <summary>Lists a user's role assignments.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The assignments.</returns>
    Task<IReadOnlyList<RoleAssignment>> ListRoleAssignmentsAsync(Guid userId, CancellationToken cancellationToken = default);
}
