using Crm.Engine.Abstractions.Pipeline;

namespace Crm.Engine.Abstractions.Work;

/// <summary>
/// The core's work mechanisms (calendars, timers, notifications, templates, queues, responsibility, actions), resolved
/// from the engine's service provider. One instance per engine; cheap per-tenant views.
/// </summary>
public interface IWorkServices
{
    /// <summary>The work services of a tenant; each write runs in its own transaction.</summary>
    /// <param name="tenantId">The tenant id.</param>
    /// <returns>The tenant's work services.</returns>
    ITenantWork ForTenant(string tenantId);

    /// <summary>
    /// The work services of a tenant acting as a given caller (a user, or a named background source such as a rule),
    /// so what they change is checked against that caller's access and audited as theirs; each write runs in its own
    /// transaction.
    /// </summary>
    /// <param name="caller">Tenant, user and source.</param>
    /// <returns>The tenant's work services for that caller.</returns>
    ITenantWork ForCaller(Tenancy.CallerContext caller);

    /// <summary>
    /// The work services of the tenant of a running pipeline operation: every write joins that operation's
    /// transaction (a notification or timer is stored only if the change that caused it commits).
    /// </summary>
    /// <param name="context">The pipeline context of the running handler.</param>
    /// <returns>The tenant's work services, bound to the operation.</returns>
    ITenantWork ForContext(IPipelineContext context);
}

/// <summary>The work mechanisms of one tenant.</summary>
public interface ITenantWork
{
    /// <summary>The tenant id.</summary>
    string TenantId { get; }

    /// <summary>Business calendars and business-time arithmetic.</summary>
    IBusinessCalendarService Calendars { get; }

    /// <summary>Durable timers.</summary>
    IWorkTimerService Timers { get; }

    /// <summary>The notification outbox and recipients' channel preferences.</summary>
    INotificationOutbox Notifications { get; }

    /// <summary>Liquid templates for notifications and documents.</summary>
    ITemplateService Templates { get; }

    /// <summary>Work queues and assignment.</summary>
    IWorkQueueService Queues { get; }

    /// <summary>Who holds a role for a record.</summary>
    IResponsibilityService Responsibility { get; }

    /// <summary>The typed work actions rules call.</summary>
    IWorkActions Actions { get; }

    /// <summary>Named counters: unique, gap-free numbers (auto-number fields draw from them).</summary>
    INumberSequences Numbers { get; }
}
