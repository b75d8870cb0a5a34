using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Pipeline;
using Crm.Engine.Abstractions.Plugins;
using Crm.TestPlugins.Loyalty;

namespace Crm.TestPlugins.Rewards;

/// <summary>Test.Rewards: rewards whose tier comes from Test.Loyalty's <see cref="ILoyaltyTiers"/>.</summary>
public sealed class RewardsPlugin : ICrmPlugin
{
    /// <inheritdoc />
    public void Configure(ICrmPluginBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddEntity(new EntityDefinition
        {
            ApiName = "reward",
            DisplayName = "Reward",
            Fields =
            [
                new() { ApiName = "name", Type = FieldType.Text, Required = true, MaxLength = 100 },
                new() { ApiName = "points", Type = FieldType.Number },
                new() { ApiName = "tier", Type = FieldType.Text, MaxLength = 20 },
            ],
        });
        builder.AddPipelineHandler<RewardTierHandler>(PipelineMessages.Create, "reward", PipelineStage.PreOperation);
    }
}

/// <summary>Resolves Test.Loyalty's service: works only if both plugins see the same ILoyaltyTiers type.</summary>
internal sealed class RewardTierHandler(ILoyaltyTiers tiers) : IPipelineHandler
{
    public Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
    {
        var points = context.Target.TryGetValue("points", out var value) && value is not null ? Convert.ToDecimal(value, System.Globalization.CultureInfo.InvariantCulture) : 0m;
        context.Target["tier"] = "reward-" + tiers.TierFor(points);
        return Task.CompletedTask;
    }
}
