using System.Globalization;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Pipeline;
using Crm.Engine.Abstractions.Plugins;
using Crm.Engine.Abstractions.Storage;

namespace Company.CrmPlugin;

/// <summary>The plugin's entry point: everything it brings is registered here.</summary>
public sealed class Plugin : ICrmPlugin
{
    /// <summary>The plugin id (as in plugin.json).</summary>
    public const string Id = "Company.CrmPlugin";

    /// <summary>The entity type this plugin defines.</summary>
    public const string Entity = "sampleItem";

    /// <inheritdoc />
    public void Configure(ICrmPluginBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddEntity(new EntityDefinition
        {
            ApiName = Entity,
            DisplayName = "Sample Item",
            Fields =
            [
                new() { ApiName = "name", Type = FieldType.Text, Required = true, MaxLength = 200 },
                new() { ApiName = "points", Type = FieldType.Number },
                new() { ApiName = "level", Type = FieldType.Text, MaxLength = 20, ReadOnly = true },
            ],
        });
        builder.AddPipelineHandler<LevelHandler>(PipelineMessages.Create, Entity, PipelineStage.PreOperation);
        builder.AddPipelineHandler<LevelHandler>(PipelineMessages.Update, Entity, PipelineStage.PreOperation);
        builder.AddMigrations(new EmbeddedMigrationSource(builder.PluginId, typeof(Plugin).Assembly, "Company.CrmPlugin.Migrations"));
    }
}

/// <summary>Refuses negative points and keeps the level in step with the points, inside the write's transaction.</summary>
internal sealed class LevelHandler : IPipelineHandler
{
    public Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
    {
        if (!context.Target.TryGetValue("points", out var value))
        {
            return Task.CompletedTask;
        }

        var points = value is null ? 0m : Convert.ToDecimal(value, CultureInfo.InvariantCulture);
        if (points < 0)
        {
            throw new CrmOperationRejectedException("Points cannot be negative.", "points");
        }

        context.Target["level"] = points >= 1000 ? "gold" : points >= 100 ? "silver" : "bronze";
        return Task.CompletedTask;
    }
}
