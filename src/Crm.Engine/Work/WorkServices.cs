using Crm.Engine.Abstractions.Pipeline;
using Crm.Engine.Abstractions.Tenancy;
using Crm.Engine.Abstractions.Work;
using Crm.Engine.Organization;
using Crm.Engine.Pipeline;
using Crm.Engine.Records;
using Crm.Engine.Work.Calendars;
using Crm.Engine.Work.Notifications;
using Crm.Engine.Work.Numbering;
using Crm.Engine.Work.Queues;
using Crm.Engine.Work.Templates;
using Crm.Engine.Work.Timers;
using Microsoft.Extensions.Options;

namespace Crm.Engine.Work;

/// <summary>Hands out per-tenant views of the work mechanisms.</summary>
internal sealed class WorkServices(EngineRuntime runtime, PipelineRunner pipeline, RecordStore store, ChannelRegistry channels, TemplateRenderer renderer, IOptions<WorkOptions> options) : IWorkServices
{
    public ITenantWork ForTenant(string tenantId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenantId);
        return Create(new WorkContext(runtime, pipeline, store, CallerContext.System(tenantId, "api"), null, 0));
    }

    public ITenantWork ForCaller(CallerContext caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return Create(new WorkContext(runtime, pipeline, store, caller, null, 0));
    }

    public ITenantWork ForContext(IPipelineContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context is not PipelineContext inner)
        {
            throw new ArgumentException("Only a pipeline context handed to a handler by this engine can be joined.", nameof(context));
        }

        return Create(new WorkContext(runtime, pipeline, store, context.Caller, inner.Scope, context.Depth));
    }

    private TenantWork Create(WorkContext context)
    {
        var calendars = new BusinessCalendarService(context);
        var templates = new TemplateService(context, renderer);
        var timers = new WorkTimerService(context);
        var notifications = new NotificationOutbox(context, channels, templates, options.Value);
        var queues = new WorkQueueService(context);
        var responsibility = new ResponsibilityService(context);
        var actions = new WorkActions(context, calendars, timers, notifications, queues, responsibility);
        return new TenantWork(context.TenantId, calendars, timers, notifications, templates, queues, responsibility, actions, new NumberSequences(context));
    }

    private sealed record TenantWork(
        string TenantId,
        IBusinessCalendarService Calendars,
        IWorkTimerService Timers,
        INotificationOutbox Notifications,
        ITemplateService Templates,
        IWorkQueueService Queues,
        IResponsibilityService Responsibility,
        IWorkActions Actions,
        INumberSequences Numbers) : ITenantWork;
}
