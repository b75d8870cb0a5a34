using System.Collections.Concurrent;
using Crm.Engine.Abstractions.Events;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Crm.Engine.Events;

/// <summary>
/// Publishes domain events after commit to consumers registered in the service provider
/// (<see cref="IDomainEventConsumer{TEvent}"/>) and to run-time subscriptions. A failing consumer is logged and does
/// not stop the others: the change it reacts to is already committed. (Durable delivery is the outbox's job.)
/// </summary>
internal sealed partial class DomainEventBus(IServiceProvider services, ILogger<DomainEventBus> logger) : IDomainEventSubscriptions
{
    private readonly ConcurrentDictionary<Guid, (Type EventType, Func<IDomainEvent, CancellationToken, Task> Handler)> _subscriptions = new();
    private readonly ConcurrentDictionary<Type, (Type Consumer, Type All)[]> _consumerTypes = new();

    public IDisposable Subscribe<TEvent>(Func<TEvent, CancellationToken, Task> handler)
        where TEvent : IDomainEvent
    {
        ArgumentNullException.ThrowIfNull(handler);
        var key = Guid.NewGuid();
        _subscriptions[key] = (typeof(TEvent), (e, ct) => handler((TEvent)e, ct));
        return new Subscription(() => _subscriptions.TryRemove(key, out _));
    }

    public async Task PublishAsync(IReadOnlyList<IDomainEvent> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            return;
        }

        // Consumers may be scoped (e.g. registered with AddScoped in a web host): resolve them in a scope of their own,
        // never from the root provider, where a scoped consumer would fail after the change committed.
        var scope = services.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            await PublishAsync(scope.ServiceProvider, events, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task PublishAsync(IServiceProvider provider, IReadOnlyList<IDomainEvent> events, CancellationToken cancellationToken)
    {
        foreach (var domainEvent in events)
        {
            var type = domainEvent.GetType();
            foreach (var (consumerType, all) in ConsumerTypes(type))
            {
                // What GetServices(consumerType) resolves, without making the IEnumerable<> type for every event.
                foreach (var consumer in (IEnumerable<object?>)provider.GetRequiredService(all))
                {
                    await InvokeAsync(consumer!, consumerType, domainEvent, cancellationToken).ConfigureAwait(false);
                }
            }

            foreach (var (eventType, handler) in _subscriptions.Values)
            {
                if (eventType.IsAssignableFrom(type))
                {
                    try
                    {
                        await handler(domainEvent, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        LogConsumerFailed(ex, type.Name, "subscription", domainEvent.TenantId);
                    }
                }
            }
        }
    }

    private (Type Consumer, Type All)[] ConsumerTypes(Type eventType) => _consumerTypes.GetOrAdd(eventType, t =>
        [.. new[] { t }.Concat(t.GetInterfaces()).Concat(BaseTypes(t))
            .Where(typeof(IDomainEvent).IsAssignableFrom)
            .Distinct()
            .Select(e => typeof(IDomainEventConsumer<>).MakeGenericType(e))
            .Select(c => (c, typeof(IEnumerable<>).MakeGenericType(c)))]);

    private static IEnumerable<Type> BaseTypes(Type type)
    {
        for (var t = type.BaseType; t is not null; t = t.BaseType)
        {
            yield return t;
        }
    }

    private async Task InvokeAsync(object consumer, Type consumerType, IDomainEvent domainEvent, CancellationToken cancellationToken)
    {
        try
        {
            var method = consumerType.GetMethod(nameof(IDomainEventConsumer<IDomainEvent>.HandleAsync))!;
            await ((Task)method.Invoke(consumer, [domainEvent, cancellationToken])!).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogConsumerFailed(ex is System.Reflection.TargetInvocationException { InnerException: { } inner } ? inner : ex, domainEvent.GetType().Name, consumer.GetType().FullName ?? "?", domainEvent.TenantId);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Consumer {Consumer} failed on {EventType} in tenant {TenantId}; the change itself is committed")]
    private partial void LogConsumerFailed(Exception exception, string eventType, string consumer, string tenantId);

    private sealed class Subscription(Action dispose) : IDisposable
    {
        private Action? _dispose = dispose;

        public void Dispose() => Interlocked.Exchange(ref _dispose, null)?.Invoke();
    }
}
