using Microsoft.Extensions.Logging;

namespace Crm.Engine.Plugins.Loading;

/// <summary>Filled while services are configured (possibly by several <c>AddPluginsFrom</c> calls); read-only afterwards.</summary>
internal sealed class PluginCatalog : IPluginCatalog
{
    private readonly List<PluginInfo> _plugins = [];

    public IReadOnlyList<PluginInfo> Plugins => _plugins;

    public PluginInfo? Find(string pluginId) =>
        _plugins.FirstOrDefault(p => string.Equals(p.Id, pluginId, StringComparison.Ordinal));

    public void AddRange(IEnumerable<PluginInfo> plugins) => _plugins.AddRange(plugins);
}

/// <summary>Logs, once the engine initializes (when logging is available), what the loader found.</summary>
internal sealed partial class PluginLoadReport(IPluginCatalog catalog, ILogger<PluginLoadReport> logger) : IEngineInitializer
{
    private int _reported;

    public Task InitializeAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _reported, 1) == 1)
        {
            return Task.CompletedTask;
        }

        foreach (var plugin in catalog.Plugins)
        {
            if (plugin.Status == PluginLoadStatus.Loaded)
            {
                LogLoaded(plugin.Id, plugin.Version, plugin.Directory);
            }
            else
            {
                LogNotLoaded(plugin.Id, plugin.Status, plugin.Error);
            }

            foreach (var warning in plugin.Warnings)
            {
                LogWarning(plugin.Id, warning);
            }
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Plugin {PluginId} {Version} loaded from {Directory}")]
    private partial void LogLoaded(string pluginId, string? version, string directory);

    [LoggerMessage(Level = LogLevel.Error, Message = "Plugin {PluginId} was not loaded ({Status}): {Error}")]
    private partial void LogNotLoaded(string pluginId, PluginLoadStatus status, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Plugin {PluginId}: {Warning}")]
    private partial void LogWarning(string pluginId, string warning);
}
