using Crm.Engine.Abstractions.Plugins;

namespace Crm.Plugins.Marketing;

/// <summary>The marketing module.</summary>
public sealed class MarketingPlugin : ICrmPlugin
{
    /// <summary>The plugin id.</summary>
    public const string Id = "Crm.Plugins.Marketing";

    /// <inheritdoc />
    public void Configure(ICrmPluginBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
    }
}
