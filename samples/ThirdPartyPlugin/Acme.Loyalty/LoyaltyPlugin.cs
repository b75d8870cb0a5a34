using System.Globalization;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Pipeline;
using Crm.Engine.Abstractions.Plugins;
using Crm.Engine.Abstractions.Storage;

namespace Acme.Loyalty;

/// <summary>Acme's loyalty programme: loyalty accounts with points and a tier derived from them.</summary>
public sealed class LoyaltyPlugin : ICrmPlugin
{
    /// <summary>The plugin id (as in plugin.json).</summary>
    public const string Id = "Acme.Loyalty";

    /// <summary>The loyalty account entity type.</summary>
    public const string LoyaltyAccount = "loyaltyAccount";

    /// <inheritdoc />
    public void Configure(ICrmPluginBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddEntity(new EntityDefinition
        {
            ApiName = LoyaltyAccount,
            DisplayName = "Loyalty account",
            PluralName = "Loyalty accounts",
            Fields =
            [
                new() { ApiName = "name", Type = FieldType.Text, Required = true, MaxLength = 200 },
                new() { ApiName = "accountId", Type = FieldType.Lookup, LookupTarget = CoreEntities.Account, Indexed = true },
                new() { ApiName = "points", Type = FieldType.Number },
                new() { ApiName = "tier", Type = FieldType.Text, MaxLength = 20, ReadOnly = true },
            ],
        });
        builder.AddPipelineHandler<TierHandler>(PipelineMessages.Create, LoyaltyAccount, PipelineStage.PreOperation);
        builder.AddPipelineHandler<TierHandler>(PipelineMessages.Update, LoyaltyAccount, PipelineStage.PreOperation);
        builder.AddMigrations(new EmbeddedMigrationSource(builder.PluginId, typeof(LoyaltyPlugin).Assembly, "Acme.Loyalty.Migrations"));
    }
}

/// <summary>Refuses negative balances and keeps the tier in step with the points.</summary>
internal sealed class TierHandler : IPipelineHandler
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
            throw new CrmOperationRejectedException("A loyalty account cannot have negative points.", "points");
        }

        context.Target["tier"] = points switch { >= 5000 => "platinum", >= 1000 => "gold", >= 100 => "silver", _ => "member" };
        return Task.CompletedTask;
    }
}
