using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Pipeline;
using Crm.Engine.Abstractions.Plugins;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Rules;
using Crm.Engine.Abstractions.Tenancy;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Plugins.CallCenter;

/// <summary>
/// The call center module: inbound calls from a telephony adapter (<see cref="ITelephonyAdapter"/>; a
/// <see cref="SimulatedTelephony"/> is included), caller look-up and screen pop with the customer's orders and open
/// cases (records of <c>Crm.Plugins.Commerce</c> and <c>Crm.Plugins.Service</c>, used by their API names), routing to
/// the core's work queues by rules, call logging on the customer's timeline, statistics and outbound call lists.
/// </summary>
public sealed class CallCenterPlugin : ICrmPlugin
{
    /// <summary>The plugin id.</summary>
    public const string Id = "Crm.Plugins.CallCenter";

    /// <summary>The name of the rule action that routes a call (<c>routeCall</c>).</summary>
    public const string RouteCallAction = "routeCall";

    /// <inheritdoc />
    public void Configure(ICrmPluginBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        foreach (var entity in CallCenterEntities.Definitions)
        {
            builder.AddEntity(entity);
        }

        builder.Services.AddSingleton<CallCenterService>();
        builder.Services.AddSingleton<ICallCenter>(sp => sp.GetRequiredService<CallCenterService>());
        builder.AddPipelineHandler<CallActivityHandler>(PipelineMessages.Update, CallCenterEntities.Call, PipelineStage.PreOperation);
        builder.AddPipelineHandler<CallEventsHandler>(PipelineMessages.Create, CallCenterEntities.Call, PipelineStage.PostOperation);
        builder.AddPipelineHandler<CallEventsHandler>(PipelineMessages.Update, CallCenterEntities.Call, PipelineStage.PostOperation);
        builder.AddReport<CallStatisticsReport>();
        builder.AddReport<AgentLoadReport>();
        builder.AddRuleAction(new RuleActionDefinition
        {
            Name = RouteCallAction,
            Description = "Routes a call to a work queue (the queue's strategy picks the agent) and records the queue, skill, language and queue item on the call, which becomes queued; its queue item is completed when the call ends.",
            Parameters =
            [
                new("record", RuleParameterType.Record, true, "The alias of the call to route."),
                new("queue", RuleParameterType.Text, true, "The queue's name."),
                new("skill", RuleParameterType.Text, false, "A skill the agent needs."),
                new("language", RuleParameterType.Text, false, "A language the agent needs."),
            ],
            Handler = RouteCallAsync,
        });
    }

    private static Task<Crm.Engine.Abstractions.Work.QueueItem> RouteCallAsync(IRuleActionContext context)
    {
        var call = context.GetParameter<CrmRecord>("record");
        if (call is null || call.EntityType != CallCenterEntities.Call)
        {
            throw new InvalidOperationException($"{context.ActionName}: the 'record' parameter must be a matched call, not {call?.EntityType ?? "nothing"}.");
        }

        // As the rule that fired, so the audit trail names it (rule:<name>@v<version>), like the core's actions.
        var caller = new CallerContext(context.TenantId, null, OperationSource.Rule, $"rule:{context.RuleName}@v{context.RuleBaseVersion}");
        var tenant = context.Services.GetRequiredService<ICrmEngine>().ForTenant(caller);
        return context.Services.GetRequiredService<ICallCenter>().ForTenant(tenant).RouteAsync(
            call.Id, context.GetParameter<string>("queue")!, context.GetParameter<string>("skill"), context.GetParameter<string>("language"), context.CancellationToken);
    }
}
