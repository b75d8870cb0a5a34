using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.TestPlugins.Throwing;

/// <summary>A plugin that fails half-way through its registration.</summary>
public sealed class ThrowingPlugin : ICrmPlugin
{
    /// <inheritdoc />
    public void Configure(ICrmPluginBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton(new ThrowingMarker());
        builder.AddEntity(new EntityDefinition { ApiName = "halfDone", DisplayName = "Half done", Fields = [new() { ApiName = "name", Type = FieldType.Text }] });
        throw new InvalidOperationException("the licence file is missing");
    }
}

/// <summary>A service the plugin registers before it throws.</summary>
public sealed class ThrowingMarker;
