using Crm.Engine;
using Crm.Engine.Plugins;
using Crm.Engine.Plugins.Loading;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Loads Crm.Engine plugins from disk.</summary>
public static class PluginsEngineBuilderExtensions
{
    /// <summary>
    /// Loads every plugin under <paramref name="directory"/> (one folder per plugin with a <c>plugin.json</c>), each in
    /// its own load context, in dependency order, and registers it with the engine as if added with
    /// <see cref="CrmEngineBuilder.AddPlugin(Crm.Engine.Abstractions.Plugins.ICrmPlugin, string)"/>. Errors name the
    /// plugin; see <see cref="PluginLoadOptions.FailOnError"/>. What was loaded is available as <see cref="IPluginCatalog"/>.
    /// May be called more than once (several directories); plugin ids are unique across all of them.
    /// </summary>
    /// <param name="builder">The engine builder.</param>
    /// <param name="directory">The plugins directory; a relative path is taken from the application's base directory (where the host's assemblies are).</param>
    /// <param name="configure">Changes the load options.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="Crm.Engine.Abstractions.Errors.CrmConfigurationException">A plugin could not be loaded and <see cref="PluginLoadOptions.FailOnError"/> is set.</exception>
    public static CrmEngineBuilder AddPluginsFrom(this CrmEngineBuilder builder, string directory, Action<PluginLoadOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var options = new PluginLoadOptions();
        configure?.Invoke(options);

        var catalog = builder.Services
            .Where(d => d.ServiceType == typeof(IPluginCatalog) && !d.IsKeyedService)
            .Select(d => d.ImplementationInstance)
            .OfType<PluginCatalog>()
            .FirstOrDefault();
        if (catalog is null)
        {
            catalog = new PluginCatalog();
            builder.Services.AddSingleton<IPluginCatalog>(catalog);
            builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IEngineInitializer, PluginLoadReport>());
        }

        new PluginDirectoryLoader(builder, options, catalog).Load(Path.GetFullPath(directory, AppContext.BaseDirectory));
        return builder;
    }
}
