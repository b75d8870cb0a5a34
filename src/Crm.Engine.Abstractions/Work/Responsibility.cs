using Crm.Engine.Abstractions.Organization;

namespace Crm.Engine.Abstractions.Work;

/// <summary>
/// Who is responsible for a record: the holders of a job role found through the customer's linked organisation unit,
/// else through the record owner's unit, each walking up the unit tree until a holder is found, else tenant-wide holders.
/// </summary>
public interface IResponsibilityService
{
    /// <summary>Links a customer (account) to the organisation unit that serves it (replacing an earlier link).</summary>
    /// <param name="accountId">The account record.</param>
    /// <param name="unitId">The unit.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when done.</returns>
    Task LinkCustomerAsync(Guid accountId, Guid unitId, CancellationToken cancellationToken = default);

    /// <summary>Gets the unit linked to a customer.</summary>
    /// <param name="accountId">The account record.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The unit id, or <see langword="null"/>.</returns>
    Task<Guid?> GetCustomerUnitAsync(Guid accountId, CancellationToken cancellationToken = default);

    /// <summary>The active users holding a role for a record.</summary>
    /// <param name="roleKey">The role, e.g. <c>quality-manager</c>.</param>
    /// <param name="recordId">The record (an account, or any record with an <c>accountId</c> field or an owner).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The users (empty when nobody holds the role anywhere on the path).</returns>
    /// <exception cref="Errors.CrmValidationException">The role is not defined.</exception>
    /// <exception cref="Errors.CrmNotFoundException">The record does not exist.</exception>
    Task<IReadOnlyList<CrmUser>> ResolveRoleHoldersAsync(string roleKey, Guid recordId, CancellationToken cancellationToken = default);
}
