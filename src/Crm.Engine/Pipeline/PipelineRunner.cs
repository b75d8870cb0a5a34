using System.Collections.Concurrent;
using Crm.Engine.Abstractions.Pipeline;
using Crm.Engine.Metadata;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Engine.Pipeline;

/// <summary>Runs the registered handlers of one stage, in order, for a message and an entity type.</summary>
internal sealed class PipelineRunner(CrmRegistry registry)
{
    private readonly ConcurrentDictionary<(string Message, string EntityType, PipelineStage Stage), PipelineStep[]> _plans = new();

    public async Task RunAsync(PipelineContext context, PipelineStage stage, CancellationToken cancellationToken)
    {
        context.Stage = stage;
        foreach (var step in Plan(context.Message, context.EntityType, stage))
        {
            // Created in the operation's scope, so handlers may depend on scoped services.
            var handler = (IPipelineHandler)ActivatorUtilities.GetServiceOrCreateInstance(context.Scope.Services, step.HandlerType);
            var previous = context.CurrentHandler;
            context.CurrentHandler = step.HandlerType;
            try
            {
                await handler.HandleAsync(context, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                context.CurrentHandler = previous;
            }
        }
    }

    private PipelineStep[] Plan(string message, string entityType, PipelineStage stage) =>
        _plans.GetOrAdd((message, entityType, stage), key => registry.Steps
            .Select((step, index) => (step, index))
            .Where(s => s.step.Stage == key.Stage
                && string.Equals(s.step.Message, key.Message, StringComparison.Ordinal)
                && (s.step.EntityType == PipelineStep.AnyEntity || string.Equals(s.step.EntityType, key.EntityType, StringComparison.Ordinal)))
            .OrderBy(s => s.step.Order)
            .ThenBy(s => s.index)
            .Select(s => s.step)
            .ToArray());
}
