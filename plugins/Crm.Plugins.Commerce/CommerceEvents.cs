using Crm.Engine.Abstractions.Events;
using Crm.Engine.Abstractions.Records;

namespace Crm.Plugins.Commerce;

/// <summary>An order was created (by the storefront sync or any other caller). Published after the commit.</summary>
/// <param name="TenantId">The tenant.</param>
/// <param name="OccurredAt">When (UTC).</param>
/// <param name="OrderId">The order.</param>
/// <param name="OrderNumber">Its number.</param>
/// <param name="AccountId">The customer.</param>
/// <param name="Order">The order as stored.</param>
public sealed record OrderPlaced(string TenantId, DateTimeOffset OccurredAt, Guid OrderId, string? OrderNumber, Guid? AccountId, CrmRecord Order) : IDomainEvent;

/// <summary>An order's status changed. Published after the commit.</summary>
/// <param name="TenantId">The tenant.</param>
/// <param name="OccurredAt">When (UTC).</param>
/// <param name="OrderId">The order.</param>
/// <param name="OrderNumber">Its number.</param>
/// <param name="OldStatus">The status before (<see cref="OrderStatus"/>).</param>
/// <param name="NewStatus">The status now.</param>
public sealed record OrderStatusChanged(string TenantId, DateTimeOffset OccurredAt, Guid OrderId, string? OrderNumber, string? OldStatus, string? NewStatus) : IDomainEvent;

/// <summary>
/// A cart stayed open without changes for the tenant's abandonment period and became abandoned. Published after the
/// commit. The cart record changes too (<c>status</c> = <c>abandoned</c>), so rule packs can react on the record.
/// </summary>
/// <param name="TenantId">The tenant.</param>
/// <param name="OccurredAt">When (UTC).</param>
/// <param name="CartId">The cart.</param>
/// <param name="AccountId">The customer, if known.</param>
/// <param name="ContactId">The shopping contact, if known.</param>
/// <param name="TotalAmount">The cart's total.</param>
/// <param name="LastActivityAt">When the cart last changed.</param>
public sealed record CartAbandoned(string TenantId, DateTimeOffset OccurredAt, Guid CartId, Guid? AccountId, Guid? ContactId, decimal? TotalAmount, DateTimeOffset? LastActivityAt) : IDomainEvent;
