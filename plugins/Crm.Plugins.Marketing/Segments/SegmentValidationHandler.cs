using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Pipeline;

namespace Crm.Plugins.Marketing.Segments;

/// <summary>
/// Checks a segment's filters against the tenant's metadata when it is saved, so a target list never runs on a typo:
/// an error names the filter (1-based) and the field.
/// </summary>
internal sealed class SegmentValidationHandler(ICrmEngine engine) : IPipelineHandler
{
    public async Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!context.Target.ContainsKey(SegmentFields.EntityType) && !context.Target.ContainsKey(SegmentFields.Filters))
        {
            return;
        }

        var entityType = context.Target.TryGetValue(SegmentFields.EntityType, out var e) ? e as string : context.PreImage?.Text(SegmentFields.EntityType);
        var filters = context.Target.TryGetValue(SegmentFields.Filters, out var f) ? f as string : context.PreImage?.Text(SegmentFields.Filters);
        if (entityType is null)
        {
            return; // the required check reports the missing entity type
        }

        SegmentFilters.CheckEntityType(MarketingEntities.Segment, entityType);
        var entity = await engine.ForTenant(context.Caller).Metadata.GetEntityAsync(entityType, cancellationToken).ConfigureAwait(false);
        _ = SegmentFilters.Parse(MarketingEntities.Segment, entity, filters);
    }
}
