using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Events;
using Crm.Engine.Abstractions.Import;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Organization;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Security;
using Crm.Engine.Abstractions.Tenancy;
using Crm.Engine.Customers;
using Crm.Engine.Import;
using Crm.Engine.Metadata;
using Crm.Engine.Organization;
using Crm.Engine.Pipeline;
using Crm.Engine.Records;
using Crm.Engine.Security;
using Crm.Engine.Tenancy;

namespace Crm.Engine;

/// <summary>The engine: tenant administration, event subscriptions, and per-tenant services.</summary>
internal sealed class CrmEngine(EngineRuntime runtime, PipelineRunner pipeline, RecordStore store) : ICrmEngine
{
    public ITenantAdministration Tenants { get; } = new TenantAdministration(runtime);

    public IDomainEventSubscriptions Events => runtime.Events;

    public ICrmTenant ForTenant(string tenantId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenantId);
        return ForTenant(CallerContext.System(tenantId, "api"));
    }

    public ICrmTenant ForTenant(CallerContext caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return new CrmTenant(this, runtime, pipeline, store, caller);
    }

    public Task InitializeAsync(CancellationToken cancellationToken = default) => runtime.EnsureInitializedAsync(cancellationToken);
}

/// <summary>The services of one tenant for one caller; cheap to create (no I/O until used).</summary>
internal sealed class CrmTenant : ICrmTenant
{
    private readonly CrmEngine _engine;
    private readonly RecordService _records;

    public CrmTenant(CrmEngine engine, EngineRuntime runtime, PipelineRunner pipeline, RecordStore store, CallerContext caller)
    {
        _engine = engine;
        Caller = caller;
        _records = new RecordService(runtime, pipeline, store, caller);
        Metadata = new MetadataService(runtime, caller);
        Accounts = new AccountService(_records);
        Contacts = new ContactService(_records);
        Activities = new ActivityService(_records);
        Organization = new OrganizationService(runtime, caller);
        Security = new SecurityService(runtime, caller);
        Audit = new AuditService(runtime, caller);
        PersonalData = new PersonalDataService(runtime, store, caller);
        Import = new ImportService(runtime, pipeline, store, caller);
    }

    public CallerContext Caller { get; }

    public string TenantId => Caller.TenantId;

    public IRecordService Records => _records;

    public IMetadataService Metadata { get; }

    public IAccountService Accounts { get; }

    public IContactService Contacts { get; }

    public IActivityService Activities { get; }

    public IOrganizationService Organization { get; }

    public ISecurityService Security { get; }

    public IAuditService Audit { get; }

    public IPersonalDataService PersonalData { get; }

    public IImportService Import { get; }

    public ICrmTenant AsUser(Guid userId) => _engine.ForTenant(Caller with { UserId = userId, Source = Caller.Source == OperationSource.System ? OperationSource.Api : Caller.Source });
}
