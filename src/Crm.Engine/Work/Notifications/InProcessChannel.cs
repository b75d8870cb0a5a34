using Crm.Engine.Abstractions.Work;

namespace Crm.Engine.Work.Notifications;

/// <summary>Hands each message to a callback of the host (a UI push, a test probe). Throwing from the callback counts as a failed attempt.</summary>
internal sealed class InProcessChannel(string name, NotificationAddressKind addressKind, Func<NotificationMessage, CancellationToken, Task> callback) : INotificationChannel
{
    public string Name { get; } = name;

    public NotificationAddressKind AddressKind { get; } = addressKind;

    public Task SendAsync(NotificationMessage message, CancellationToken cancellationToken) => callback(message, cancellationToken);
}
