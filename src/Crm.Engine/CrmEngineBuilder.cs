using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Pipeline;
using Crm.Engine.Abstractions.Plugins;
using Crm.Engine.Abstractions.Storage;
using Crm.Engine.Customers;
using Crm.Engine.Events;
using Crm.Engine.Metadata;
using Crm.Engine.Pipeline;
using Crm.Engine.Records;
using Crm.Engine.Storage;
using Crm.Engine.Versioning;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Crm.Engine;

/// <summary>
/// Configures the engine in a service collection: storage provider, plugins. Returned by <c>AddCrmEngine</c>;
/// its methods chain.
/// </summary>
public sealed class CrmEngineBuilder
{
    private readonly RegisteredPluginVersions _pluginVersions = new();

    /// <summary>Registers the core services in <paramref name="services"/> and the core module.</summary>
    /// <param name="services">The host's services.</param>
    public CrmEngineBuilder(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        Services = services;
        Registry = new CrmRegistry();
        services.AddOptions<CrmEngineOptions>().ValidateDataAnnotations().ValidateOnStart();
        services.AddLogging();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(Registry);
        services.AddSingleton(_pluginVersions);
        services.AddSingleton<MetadataCache>();
        services.AddSingleton<DomainEventBus>();
        services.AddSingleton<RecordStore>();
        services.AddSingleton<PipelineRunner>();
        services.AddSingleton<EngineRuntime>();
        services.AddSingleton<ICrmEngine, CrmEngine>();
        services.AddSingleton<Abstractions.Reports.IReportCatalog, Reports.ReportCatalog>();
        WorkEngineBuilderExtensions.AddWorkServices(services);
        AddPlugin(new CoreModule(), CoreModule.Id, CrmEngineInfo.Version);
    }

    /// <summary>The host's services.</summary>
    public IServiceCollection Services { get; }

    /// <summary>What the core and the plugins registered.</summary>
    public CrmRegistry Registry { get; }

    /// <summary>
    /// Chooses the store: a storage provider and the core schema's migrations for it. A later call replaces an
    /// earlier one (so a host can override the default store).
    /// </summary>
    /// <param name="provider">Creates the provider from the built service provider.</param>
    /// <param name="coreSchema">The core schema's migrations for that provider.</param>
    /// <returns>This builder.</returns>
    public CrmEngineBuilder UseStorage(Func<IServiceProvider, Storage.IStorageProvider> provider, IMigrationSource coreSchema)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(coreSchema);
        Services.RemoveAll<Storage.IStorageProvider>();
        Services.AddSingleton(provider);
        Registry.SetCoreSchema(coreSchema);
        return this;
    }

    /// <summary>
    /// Registers a plugin compiled into the host (tests, single-binary hosts). It is configured at once. Its version
    /// (recorded in the store; see <see cref="AddPlugin(ICrmPlugin, string, SemanticVersion)"/>) is its assembly's.
    /// </summary>
    /// <typeparam name="TPlugin">The plugin type.</typeparam>
    /// <param name="pluginId">The plugin id; by default the type name.</param>
    /// <returns>This builder.</returns>
    public CrmEngineBuilder AddPlugin<TPlugin>(string? pluginId = null)
        where TPlugin : ICrmPlugin, new() => AddPlugin(new TPlugin(), pluginId ?? typeof(TPlugin).Name);

    /// <summary>Registers a plugin instance. It is configured at once. Its version is its assembly's.</summary>
    /// <param name="plugin">The plugin.</param>
    /// <param name="pluginId">The plugin id.</param>
    /// <returns>This builder.</returns>
    public CrmEngineBuilder AddPlugin(ICrmPlugin plugin, string pluginId)
    {
        ArgumentNullException.ThrowIfNull(plugin);
        return AddPlugin(plugin, pluginId, CrmEngineInfo.ReadVersion(plugin.GetType().Assembly));
    }

    /// <summary>
    /// Registers a plugin instance with its version. It is configured at once. The version is recorded in the store
    /// when the engine initializes; a version lower than the recorded one stops start-up (a downgrade would strand
    /// the newer version's data).
    /// </summary>
    /// <param name="plugin">The plugin.</param>
    /// <param name="pluginId">The plugin id.</param>
    /// <param name="version">The plugin's version.</param>
    /// <returns>This builder.</returns>
    public CrmEngineBuilder AddPlugin(ICrmPlugin plugin, string pluginId, SemanticVersion version)
    {
        ArgumentNullException.ThrowIfNull(plugin);
        ArgumentException.ThrowIfNullOrWhiteSpace(pluginId);
        ArgumentNullException.ThrowIfNull(version);
        Registry.AddPlugin(pluginId);
        _pluginVersions.Add(pluginId, version);
        try
        {
            plugin.Configure(new PluginBuilder(this, pluginId));
        }
        catch (Exception ex) when (ex is not CrmConfigurationException)
        {
            throw new CrmConfigurationException($"Plugin '{pluginId}' failed while configuring: {ex.Message}", ex);
        }

        return this;
    }

    /// <summary>The version a registered plugin was registered with.</summary>
    /// <param name="pluginId">The plugin id (<c>core</c> for the core module).</param>
    /// <returns>The version, or <see langword="null"/> when no such plugin is registered.</returns>
    public SemanticVersion? FindPluginVersion(string pluginId) => _pluginVersions.Find(pluginId);

    /// <summary>Registers migrations of a module (a storage provider registers the core schema this way).</summary>
    /// <param name="source">The migrations.</param>
    /// <returns>This builder.</returns>
    public CrmEngineBuilder AddMigrations(IMigrationSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        Registry.AddMigrations(source);
        return this;
    }

    private sealed class PluginBuilder(CrmEngineBuilder owner, string pluginId) : ICrmPluginBuilder
    {
        public string PluginId { get; } = pluginId;

        public IServiceCollection Services => owner.Services;

        public ICrmPluginBuilder AddEntity(EntityDefinition entity)
        {
            owner.Registry.AddEntity(PluginId, entity);
            return this;
        }

        public ICrmPluginBuilder ExtendEntity(string entityType, params IReadOnlyList<FieldDefinition> fields)
        {
            owner.Registry.ExtendEntity(PluginId, entityType, fields);
            return this;
        }

        public ICrmPluginBuilder AddPipelineStep(PipelineStep registration)
        {
            ArgumentNullException.ThrowIfNull(registration);
            owner.Registry.AddStep(PluginId, registration);
            return this;
        }

        public ICrmPluginBuilder AddMigrations(IMigrationSource source)
        {
            owner.AddMigrations(source);
            return this;
        }
    }
}
