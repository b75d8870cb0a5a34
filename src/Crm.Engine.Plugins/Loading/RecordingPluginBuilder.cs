using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Pipeline;
using Crm.Engine.Abstractions.Plugins;
using Crm.Engine.Abstractions.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Engine.Plugins.Loading;

/// <summary>
/// Records what a plugin registers without touching the engine, so a plugin that throws half-way through
/// <see cref="ICrmPlugin.Configure"/> leaves nothing behind. <see cref="Replay"/> applies the recording.
/// The plugin sees a copy of the host's services, so <c>TryAdd</c> and <c>Replace</c> behave as they would in place.
/// </summary>
internal sealed class RecordingPluginBuilder : ICrmPluginBuilder
{
    private readonly List<Action<ICrmPluginBuilder>> _steps = [];
    private readonly List<ServiceDescriptor> _before;

    public RecordingPluginBuilder(string pluginId, IServiceCollection hostServices)
    {
        PluginId = pluginId;
        _before = [.. hostServices];
        Services = new ServiceCollection();
        foreach (var descriptor in _before)
        {
            Services.Add(descriptor);
        }
    }

    public string PluginId { get; }

    public IServiceCollection Services { get; }

    public ICrmPluginBuilder AddEntity(EntityDefinition entity)
    {
        ArgumentNullException.ThrowIfNull(entity);
        _steps.Add(b => b.AddEntity(entity));
        return this;
    }

    public ICrmPluginBuilder ExtendEntity(string entityType, params IReadOnlyList<FieldDefinition> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        IReadOnlyList<FieldDefinition> copy = [.. fields];
        _steps.Add(b => b.ExtendEntity(entityType, copy));
        return this;
    }

    public ICrmPluginBuilder AddPipelineStep(PipelineStep registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        _steps.Add(b => b.AddPipelineStep(registration));
        return this;
    }

    public ICrmPluginBuilder AddMigrations(IMigrationSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        _steps.Add(b => b.AddMigrations(source));
        return this;
    }

    /// <summary>Applies the recorded registrations, then the service changes, to a real builder.</summary>
    public void Replay(ICrmPluginBuilder target)
    {
        foreach (var step in _steps)
        {
            step(target);
        }

        var before = new HashSet<ServiceDescriptor>(_before, ReferenceEqualityComparer.Instance);
        var after = new HashSet<ServiceDescriptor>(Services, ReferenceEqualityComparer.Instance);
        foreach (var removed in _before.Where(d => !after.Contains(d)))
        {
            target.Services.Remove(removed);
        }

        foreach (var added in Services.Where(d => !before.Contains(d)))
        {
            target.Services.Add(added);
        }
    }

    /// <summary>A plugin whose <see cref="Configure"/> replays a recording.</summary>
    public sealed class Replaying(RecordingPluginBuilder recording) : ICrmPlugin
    {
        public void Configure(ICrmPluginBuilder builder) => recording.Replay(builder);
    }
}
