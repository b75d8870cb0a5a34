using Crm.Engine.Abstractions.Plugins;

namespace Crm.TestPlugins.TwoPlugins;

/// <summary>One entry point.</summary>
public sealed class FirstPlugin : ICrmPlugin
{
    /// <inheritdoc />
    public void Configure(ICrmPluginBuilder builder)
    {
    }
}

/// <summary>Another entry point.</summary>
public sealed class SecondPlugin : ICrmPlugin
{
    /// <inheritdoc />
    public void Configure(ICrmPluginBuilder builder)
    {
    }
}
