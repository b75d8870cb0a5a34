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
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Crm.Engine;

/// <summary>
/// Configures the engine in a service collection: storage provider, plugins. Returned by <c>AddCrmEngine</c>;
/// its methods chain.
/// </summary>
public sealed class CrmEngineBuilder
{
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
        services.AddSingleton<MetadataCache>();
        services.AddSingleton<DomainEventBus>();
        services.AddSingleton<RecordStore>();
        services.AddSingleton<PipelineRunner>();
        services.AddSingleton<EngineRuntime>();
        services.AddSingleton<ICrmEngine, CrmEngine>();
        AddPlugin(new CoreModule(), CoreModule.Id);
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

    /// <summary>Registers a plugin compiled into the host (tests, single-binary hosts). It is configured at once.</summary>
    /// <typeparam name="TPlugin">The plugin type.</typeparam>
    /// <param name="pluginId">The plugin id; by default the type name.</param>
    /// <returns>This builder.</returns>
    public CrmEngineBuilder AddPlugin<TPlugin>(string? pluginId = null)
        where TPlugin : ICrmPlugin, new() => AddPlugin(new TPlugin(), pluginId ?? typeof(TPlugin).Name);

    /// <summary>Registers a plugin instance. It is configured at once.</summary>
    /// <param name="plugin">The plugin.</param>
    /// <param name="pluginId">The plugin id.</param>
    /// <returns>This builder.</returns>
    public CrmEngineBuilder AddPlugin(ICrmPlugin plugin, string pluginId)
    {
        ArgumentNullException.ThrowIfNull(plugin);
        ArgumentException.ThrowIfNullOrWhiteSpace(pluginId);
        Registry.AddPlugin(pluginId);
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
