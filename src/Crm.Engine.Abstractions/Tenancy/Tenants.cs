namespace Crm.Engine.Abstractions.Tenancy;

/// <summary>A tenant: one client company, whose data and configuration are kept apart from every other tenant's.</summary>
/// <param name="Id">The tenant id: lower-case letters, digits and dashes, 2 to 63 characters (e.g. <c>acme</c>).</param>
/// <param name="Name">The display name.</param>
/// <param name="Settings">Time zone, culture and currency.</param>
/// <param name="CreatedAt">When the tenant was created (UTC).</param>
public sealed record TenantInfo(string Id, string Name, TenantSettings Settings, DateTimeOffset CreatedAt);

/// <summary>Regional settings of a tenant.</summary>
/// <param name="TimeZone">An IANA time zone id, e.g. <c>Europe/Berlin</c>.</param>
/// <param name="Culture">A culture name, e.g. <c>de-DE</c>, used to read and show dates and numbers.</param>
/// <param name="Currency">An ISO 4217 currency code, e.g. <c>EUR</c>, for money fields.</param>
public sealed record TenantSettings(string TimeZone = "UTC", string Culture = "en-US", string Currency = "USD");

/// <summary>Creates and lists tenants. Tenant administration is engine-wide, not per tenant.</summary>
public interface ITenantAdministration
{
    /// <summary>Creates a tenant.</summary>
    /// <param name="id">The tenant id (see <see cref="TenantInfo.Id"/>).</param>
    /// <param name="name">The display name.</param>
    /// <param name="settings">Regional settings, or <see langword="null"/> for UTC / en-US / USD.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The tenant as stored.</returns>
    /// <exception cref="Errors.CrmValidationException">The id or a setting is invalid, or the id is taken.</exception>
    Task<TenantInfo> CreateAsync(string id, string name, TenantSettings? settings = null, CancellationToken cancellationToken = default);

    /// <summary>Gets a tenant.</summary>
    /// <param name="id">The tenant id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The tenant, or <see langword="null"/>.</returns>
    Task<TenantInfo?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Lists every tenant, ordered by id.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The tenants.</returns>
    Task<IReadOnlyList<TenantInfo>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Changes a tenant's regional settings.</summary>
    /// <param name="id">The tenant id.</param>
    /// <param name="settings">The new settings.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The tenant as stored.</returns>
    Task<TenantInfo> UpdateSettingsAsync(string id, TenantSettings settings, CancellationToken cancellationToken = default);
}

/// <summary>Through what an operation reached the engine; recorded with every change.</summary>
public enum OperationSource
{
    /// <summary>A call of the in-process API.</summary>
    Api = 0,

    /// <summary>An import.</summary>
    Import = 1,

    /// <summary>A rule's action.</summary>
    Rule = 2,

    /// <summary>A plugin's handler or background work.</summary>
    Plugin = 3,

    /// <summary>The engine's own background work (timers, outbox).</summary>
    System = 4,

    /// <summary>The <c>crm</c> command line.</summary>
    Cli = 5,
}

/// <summary>Who is calling, for which tenant, and through what. Every operation runs in one.</summary>
/// <param name="TenantId">The tenant.</param>
/// <param name="UserId">The calling user, or <see langword="null"/> when the engine itself acts (<see cref="IsSystem"/>).</param>
/// <param name="Source">Through what the call came.</param>
/// <param name="SourceName">A name for the source, e.g. the rule or plugin name.</param>
public sealed record CallerContext(string TenantId, Guid? UserId, OperationSource Source = OperationSource.Api, string? SourceName = null)
{
    /// <summary>Whether the engine itself acts, with no user (background work). Explicit in code and in the audit trail.</summary>
    public bool IsSystem => UserId is null;

    /// <summary>A context in which the engine itself acts for a tenant.</summary>
    /// <param name="tenantId">The tenant.</param>
    /// <param name="sourceName">What acts, e.g. <c>timers</c>.</param>
    /// <returns>The system context.</returns>
    public static CallerContext System(string tenantId, string? sourceName = null) => new(tenantId, null, OperationSource.System, sourceName);
}
