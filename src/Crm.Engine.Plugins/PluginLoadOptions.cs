using System.Data.Common;
using Crm.Engine.Abstractions.Plugins;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Crm.Engine.Plugins;

/// <summary>How <c>AddPluginsFrom</c> loads plugins.</summary>
public sealed class PluginLoadOptions
{
    /// <summary>
    /// Whether any plugin error stops start-up (the default): <c>AddPluginsFrom</c> throws one
    /// <see cref="Abstractions.Errors.CrmConfigurationException"/> listing every error. When <see langword="false"/>, a
    /// broken plugin and the plugins depending on it are skipped, the error is logged when the engine initializes and
    /// shown by <see cref="IPluginCatalog"/>, and the other plugins load.
    /// </summary>
    public bool FailOnError { get; set; } = true;

    /// <summary>
    /// Types whose assemblies every plugin shares with the host (type identity across load contexts), with the
    /// assemblies they reference. By default: the SDK (<c>Crm.Engine.Abstractions</c>), the Microsoft.Extensions
    /// dependency injection, logging, options and configuration abstractions, and <c>System.Data.Common</c>.
    /// A plugin's own copy of a shared assembly is ignored.
    /// </summary>
    public IList<Type> SharedTypes { get; } =
        [typeof(ICrmPlugin), typeof(IServiceCollection), typeof(ILogger), typeof(IOptions<>), typeof(IConfiguration), typeof(DbConnection)];

    /// <summary>
    /// Assemblies, by name, shared with the host when the host has them. By default the SQLite driver
    /// (<c>Microsoft.Data.Sqlite</c>, and through it SQLitePCLRaw): one native SQLite per process, so its file
    /// locks work. Libraries a plugin merely uses (Dapper, for one) are not listed: a plugin that ships its own copy
    /// keeps it, one that doesn't gets the host's.
    /// </summary>
    public IList<string> SharedAssemblies { get; } = ["Microsoft.Data.Sqlite"];

    /// <summary>Ids of plugins that must be found in the directory; a missing one is an error naming it.</summary>
    public IList<string> RequiredPlugins { get; } = [];
}
