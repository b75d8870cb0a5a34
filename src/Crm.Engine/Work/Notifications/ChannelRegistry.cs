using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Work;

namespace Crm.Engine.Work.Notifications;

/// <summary>The channels registered in the service provider, by name (case-insensitive).</summary>
internal sealed class ChannelRegistry
{
    private readonly Dictionary<string, INotificationChannel> _channels;

    public ChannelRegistry(IEnumerable<INotificationChannel> channels)
    {
        _channels = new Dictionary<string, INotificationChannel>(StringComparer.OrdinalIgnoreCase);
        foreach (var channel in channels)
        {
            if (!_channels.TryAdd(channel.Name, channel))
            {
                throw new CrmConfigurationException($"Two notification channels are named '{channel.Name}'; channel names must be unique.");
            }
        }
    }

    public INotificationChannel? Find(string name) => _channels.GetValueOrDefault(name);

    public INotificationChannel Get(string name) => Find(name) ?? throw new CrmValidationException(new CrmValidationError("notification", "channel", name, "unknown_channel",
        $"no notification channel named '{name}' is registered; known channels: {(_channels.Count == 0 ? "none" : string.Join(", ", _channels.Keys.Order(StringComparer.Ordinal)))}."));
}
