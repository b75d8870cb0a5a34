using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Rules;
using Crm.Engine.Abstractions.Tenancy;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Plugins.Commerce.Orders;

/// <summary>The rule actions the commerce module offers to rule packs.</summary>
internal static class CommerceRuleActions
{
    public static IEnumerable<RuleActionDefinition> All()
    {
        yield return new RuleActionDefinition
        {
            Name = "setOrderStatus",
            Description = "Moves an order (the matched order, or the order of a matched order line) to another status through the record pipeline; the status transition rules apply (e.g. a cancelled order cannot ship).",
            Parameters =
            [
                new("record", RuleParameterType.Record, true, "The alias of the matched order or order line."),
                new("status", RuleParameterType.Text, true, "The new status: pending, confirmed, shipped, delivered, cancelled or returned."),
            ],
            Handler = async ctx =>
            {
                var record = ctx.GetParameter<CrmRecord>("record")
                    ?? throw new CrmValidationException(new CrmValidationError("setOrderStatus", "record", null, "required", "setOrderStatus needs the matched order (parameter record)."));
                var orderId = record.EntityType switch
                {
                    CommerceEntities.Order => record.Id,
                    CommerceEntities.OrderLine => record.Get<Guid?>(OrderLineFields.OrderId),
                    _ => null,
                } ?? throw new CrmValidationException(new CrmValidationError("setOrderStatus", "record", record.EntityType, "entity_type",
                    $"setOrderStatus works on an order or an order line, not on a {record.EntityType}."));
                // As the rule that fired, so the audit trail names it (rule:<name>@v<version>).
                var caller = new CallerContext(ctx.TenantId, null, OperationSource.Rule, $"rule:{ctx.RuleName}@v{ctx.RuleBaseVersion}");
                var tenant = ctx.Services.GetRequiredService<ICrmEngine>().ForTenant(caller);
                await tenant.Records.UpdateAsync(CommerceEntities.Order, orderId, null,
                    new Dictionary<string, object?> { [OrderFields.Status] = ctx.GetParameter<string>("status") }, ctx.CancellationToken).ConfigureAwait(false);
            },
        };
    }
}
