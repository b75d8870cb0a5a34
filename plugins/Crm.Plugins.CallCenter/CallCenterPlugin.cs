using Crm.Engine.Abstractions.Plugins;

namespace Crm.Plugins.CallCenter;

/// <summary>The call center module.</summary>
public sealed class CallCenterPlugin : ICrmPlugin
{
    /// <summary>The plugin id.</summary>
    public const string Id = "Crm.Plugins.CallCenter";

    /// <inheritdoc />
    public void Configure(ICrmPluginBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
    }
}
