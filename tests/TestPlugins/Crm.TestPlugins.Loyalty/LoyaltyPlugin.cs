using System.Runtime.Loader;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Pipeline;
using Crm.Engine.Abstractions.Plugins;
using Crm.Engine.Abstractions.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.TestPlugins.Loyalty;

/// <summary>The tiers of a points balance; a contract other plugins use (Test.Rewards).</summary>
public interface ILoyaltyTiers
{
    /// <summary>The tier for a balance.</summary>
    /// <param name="points">The balance.</param>
    /// <returns>gold, silver or bronze.</returns>
    string TierFor(decimal points);
}

/// <summary>Test.Loyalty: loyalty cards.</summary>
public sealed class LoyaltyPlugin : ICrmPlugin
{
    /// <summary>The plugin id.</summary>
    public const string Id = "Test.Loyalty";

    /// <inheritdoc />
    public void Configure(ICrmPluginBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<ILoyaltyTiers, LoyaltyTiers>();
        builder.AddEntity(new EntityDefinition
        {
            ApiName = "loyaltyCard",
            DisplayName = "Loyalty card",
            Fields =
            [
                new() { ApiName = "name", Type = FieldType.Text, Required = true, MaxLength = 100 },
                new() { ApiName = "points", Type = FieldType.Number },
                new() { ApiName = "tier", Type = FieldType.Text, MaxLength = 20 },
                new() { ApiName = "handledIn", Type = FieldType.Text, MaxLength = 200 },
#if LOYALTY_V2
                new() { ApiName = "expiresOn", Type = FieldType.Date },
#endif
            ],
        });
        builder.ExtendEntity(CoreEntities.Account, new FieldDefinition { ApiName = "loyaltyPoints", Type = FieldType.Number });
        builder.AddPipelineHandler<TierHandler>(PipelineMessages.Create, "loyaltyCard", PipelineStage.PreOperation);
        builder.AddMigrations(new EmbeddedMigrationSource(builder.PluginId, typeof(LoyaltyPlugin).Assembly, "Crm.TestPlugins.Loyalty.Migrations"));
    }
}

internal sealed class LoyaltyTiers : ILoyaltyTiers
{
    public string TierFor(decimal points) => points switch { >= 1000 => "gold", >= 100 => "silver", _ => "bronze" };
}

/// <summary>Sets a card's tier from its points, and records which load context ran it.</summary>
internal sealed class TierHandler(ILoyaltyTiers tiers) : IPipelineHandler
{
    public Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
    {
        var points = context.Target.TryGetValue("points", out var value) && value is not null ? Convert.ToDecimal(value, System.Globalization.CultureInfo.InvariantCulture) : 0m;
        context.Target["tier"] = tiers.TierFor(points);
        context.Target["handledIn"] = AssemblyLoadContext.GetLoadContext(typeof(TierHandler).Assembly)?.Name ?? "?";
        return Task.CompletedTask;
    }
}
