using System.Collections.Concurrent;
using Crm.Engine.Abstractions.Pipeline;
using Crm.Engine.Metadata;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Engine.Pipeline;

/// <summary>Runs the registered handlers of one stage, in order, for a message and an entity type.</summary>
internal sealed class PipelineRunner(CrmRegistry registry)
{
    private readonly ConcurrentDictionary<(string Message, string EntityType, PipelineStage Stage), PipelineStep[]> _plans = new();
    private readonly ConcurrentDictionary<Type, ObjectFactory?> _factories = new();

    public Task RunAsync(PipelineContext context, PipelineStage stage, CancellationToken cancellationToken) =>
        RunAsync(context, stage, Steps(context.Message, context.EntityType, stage), cancellationToken);

    /// <summary>Runs the given steps (<see cref="Steps"/> of the context's message, entity type and stage).</summary>
    public async Task RunAsync(PipelineContext context, PipelineStage stage, PipelineStep[] steps, CancellationToken cancellationToken)
    {
        context.Stage = stage;
        foreach (var step in steps)
        {
            // Created in the operation's scope, so handlers may depend on scoped services: a registered handler comes
            // from the scope, any other is made anew for each call (as ActivatorUtilities.GetServiceOrCreateInstance
            // does), through a constructor factory worked out once per handler type.
            var services = context.Scope.Services;
            var handler = (IPipelineHandler)(services.GetService(step.HandlerType)
                ?? (Factory(step.HandlerType) is { } factory ? factory(services, null) : ActivatorUtilities.CreateInstance(services, step.HandlerType)));
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

    /// <summary>The handlers of a message, entity type and stage, in the order they run.</summary>
    public PipelineStep[] Steps(string message, string entityType, PipelineStage stage) =>
        _plans.GetOrAdd((message, entityType, stage), key => registry.Steps
            .Select((step, index) => (step, index))
            .Where(s => s.step.Stage == key.Stage
                && string.Equals(s.step.Message, key.Message, StringComparison.Ordinal)
                && (s.step.EntityType == PipelineStep.AnyEntity || string.Equals(s.step.EntityType, key.EntityType, StringComparison.Ordinal)))
            .OrderBy(s => s.step.Order)
            .ThenBy(s => s.index)
            .Select(s => s.step)
            .ToArray());

    /// <summary>
    /// A compiled constructor call for a handler type with one public constructor; a type with several is left to
    /// ActivatorUtilities.CreateInstance, which picks among them by what the services can supply.
    /// </summary>
    private ObjectFactory? Factory(Type handlerType) =>
        _factories.GetOrAdd(handlerType, static type => type.GetConstructors().Length == 1 ? ActivatorUtilities.CreateFactory(type, Type.EmptyTypes) : null);
}
