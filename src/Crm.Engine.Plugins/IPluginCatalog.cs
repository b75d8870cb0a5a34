namespace Crm.Engine.Plugins;

/// <summary>What <c>AddPluginsFrom</c> found on disk: every plugin folder, loaded or not, in load order.</summary>
public interface IPluginCatalog
{
    /// <summary>The plugins: loaded ones in load (dependency) order, then the ones that failed or were skipped.</summary>
    IReadOnlyList<PluginInfo> Plugins { get; }

    /// <summary>Finds a plugin by id.</summary>
    /// <param name="pluginId">The plugin id.</param>
    /// <returns>The plugin, or <see langword="null"/>.</returns>
    PluginInfo? Find(string pluginId);
}

/// <summary>Whether a plugin found on disk was loaded.</summary>
public enum PluginLoadStatus
{
    /// <summary>Loaded and registered with the engine.</summary>
    Loaded = 0,

    /// <summary>Not loaded: the plugin itself is broken (see <see cref="PluginInfo.Error"/>).</summary>
    Failed = 1,

    /// <summary>Not loaded: a plugin it depends on failed.</summary>
    Skipped = 2,
}

/// <summary>One plugin folder and what became of it.</summary>
/// <param name="Id">The plugin id (the folder name when the manifest could not be read).</param>
/// <param name="Version">The version from the manifest, when it could be read.</param>
/// <param name="DisplayName">The display name, when the manifest could be read.</param>
/// <param name="Description">The description, if any.</param>
/// <param name="Directory">The plugin folder (absolute).</param>
/// <param name="Status">Whether it was loaded.</param>
/// <param name="Error">Why it was not loaded; <see langword="null"/> when it was.</param>
public sealed record PluginInfo(string Id, string? Version, string? DisplayName, string? Description, string Directory, PluginLoadStatus Status, string? Error)
{
    /// <summary>Packaging problems that did not stop the plugin, e.g. its own copy of a shared assembly (ignored).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
