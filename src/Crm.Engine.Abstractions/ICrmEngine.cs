using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Events;
using Crm.Engine.Abstractions.Import;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Organization;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Security;
using Crm.Engine.Abstractions.Tenancy;

namespace Crm.Engine.Abstractions;

/// <summary>The engine, as a host application sees it. Registered as a singleton by <c>AddCrmEngine</c>.</summary>
public interface ICrmEngine
{
    /// <summary>Creates and lists tenants.</summary>
    ITenantAdministration Tenants { get; }

    /// <summary>Run-time subscriptions to domain events.</summary>
    IDomainEventSubscriptions Events { get; }

    /// <summary>
    /// The services of one tenant, acting as the tenant's system context (no user). A host with users should
    /// call <see cref="ICrmTenant.AsUser"/> so changes are stamped with the user.
    /// </summary>
    /// <param name="tenantId">The tenant id. An unknown tenant fails on first use with <see cref="Errors.CrmTenantNotFoundException"/>.</param>
    /// <returns>The tenant's services.</returns>
    ICrmTenant ForTenant(string tenantId);

    /// <summary>The services of one tenant for a given caller.</summary>
    /// <param name="caller">Tenant, user and source.</param>
    /// <returns>The tenant's services.</returns>
    ICrmTenant ForTenant(CallerContext caller);

    /// <summary>
    /// Prepares the store (migrations) and the metadata. Called by the hosted service at start-up; every other
    /// operation also waits for it, so calling it is only needed to fail fast.
    /// </summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the engine is ready.</returns>
    Task InitializeAsync(CancellationToken cancellationToken = default);
}

/// <summary>The typed services of one tenant for one caller.</summary>
public interface ICrmTenant
{
    /// <summary>Who is calling.</summary>
    CallerContext Caller { get; }

    /// <summary>The tenant id.</summary>
    string TenantId { get; }

    /// <summary>The generic record API (every entity type).</summary>
    IRecordService Records { get; }

    /// <summary>Field metadata, labels and custom fields.</summary>
    IMetadataService Metadata { get; }

    /// <summary>Accounts (customers).</summary>
    IAccountService Accounts { get; }

    /// <summary>Contacts.</summary>
    IContactService Contacts { get; }

    /// <summary>Activities and the customer timeline.</summary>
    IActivityService Activities { get; }

    /// <summary>Users, teams, units and roles.</summary>
    IOrganizationService Organization { get; }

    /// <summary>Security roles, secured fields and record sharing.</summary>
    ISecurityService Security { get; }

    /// <summary>The audit trail.</summary>
    IAuditService Audit { get; }

    /// <summary>Personal-data requests (export and erasure of what is held about a contact).</summary>
    IPersonalDataService PersonalData { get; }

    /// <summary>Streaming CSV imports into the tenant, run as this caller with the source <see cref="OperationSource.Import"/>.</summary>
    IImportService Import { get; }

    /// <summary>The same tenant's services acting as a user.</summary>
    /// <param name="userId">The user.</param>
    /// <returns>The tenant's services for that user.</returns>
    ICrmTenant AsUser(Guid userId);
}
