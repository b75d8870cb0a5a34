using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Pipeline;
using Crm.Engine.Abstractions.Records;

namespace Crm.Plugins.Sales;

/// <summary>
/// Opportunity rules on every create and update: the stage must be one of the tenant's; a new stage sets probability
/// and forecast category (unless given), the stage stamp, and the status; won and lost need a reason; the amount of an
/// opportunity with lines is the sum of its lines.
/// </summary>
internal sealed class OpportunityStageHandler(TimeProvider clock, SalesSettingsStore settings) : IPipelineHandler
{
    internal const string StageChangedKey = "sales.stageChanged";

    /// <summary>Set while the module itself writes the sum of the lines.</summary>
    internal static readonly AsyncLocal<bool> WritingLineTotal = new();

    public async Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
    {
        var target = context.Target;
        var pre = context.PreImage;
        IReadOnlyList<SalesStage>? stages = null;
        string? stageName = null;
        if (pre is null)
        {
            stages = await settings.StagesAsync(context.Caller.TenantId, cancellationToken).ConfigureAwait(false);
            stageName = target.TryGetValue(OpportunityFields.Stage, out var given) && given is string s && s.Length > 0
                ? s
                : stages.First(st => st.Outcome == StageOutcome.Open).Name;
            target[OpportunityFields.Stage] = stageName;
        }
        else if (target.TryGetValue(OpportunityFields.Stage, out var changed) && !string.Equals(changed as string, pre.Text(OpportunityFields.Stage), StringComparison.Ordinal))
        {
            stageName = changed as string ?? throw new CrmValidationException(new CrmValidationError(
                SalesEntities.Opportunity, OpportunityFields.Stage, null, "required", "an opportunity's stage cannot be cleared."));
        }

        if (stageName is not null)
        {
            stages ??= await settings.StagesAsync(context.Caller.TenantId, cancellationToken).ConfigureAwait(false);
            var stage = SalesSettingsStore.FindStage(stages, SalesEntities.Opportunity, OpportunityFields.Stage, stageName);
            if (!target.ContainsKey(OpportunityFields.Probability))
            {
                target[OpportunityFields.Probability] = stage.Probability;
            }

            if (!target.ContainsKey(OpportunityFields.ForecastCategory))
            {
                target[OpportunityFields.ForecastCategory] = stage.ForecastCategory;
            }

            var now = clock.GetUtcNow();
            target[OpportunityFields.StageChangedAt] = now;
            var status = stage.Outcome switch
            {
                StageOutcome.Won => OpportunityStatus.Won,
                StageOutcome.Lost => OpportunityStatus.Lost,
                _ => OpportunityStatus.Open,
            };
            if (status != OpportunityStatus.Open)
            {
                var reason = target.TryGetValue(OpportunityFields.CloseReason, out var r) ? r as string : pre?.Text(OpportunityFields.CloseReason);
                if (string.IsNullOrWhiteSpace(reason))
                {
                    throw new CrmValidationException(new CrmValidationError(SalesEntities.Opportunity, OpportunityFields.CloseReason, null, "required",
                        $"a reason is required to close an opportunity as {status} (stage '{stage.Name}')."));
                }

                target[OpportunityFields.ClosedAt] = now;
                if (!target.ContainsKey(OpportunityFields.CloseDate) && pre?[OpportunityFields.CloseDate] is null)
                {
                    target[OpportunityFields.CloseDate] = DateOnly.FromDateTime(now.UtcDateTime);
                }
            }
            else if (pre?.Text(OpportunityFields.Status) is OpportunityStatus.Won or OpportunityStatus.Lost)
            {
                target[OpportunityFields.ClosedAt] = null;
            }

            target[OpportunityFields.Status] = status;
            context.SharedVariables[StageChangedKey] = pre?.Text(OpportunityFields.Stage) ?? string.Empty;
        }

        if (pre is not null && target.ContainsKey(OpportunityFields.Amount) && !WritingLineTotal.Value)
        {
            // Every line counts, also those the caller may not read.
            var lines = await context.SystemRecords.CountAsync(
                RecordQuery.For(SalesEntities.OpportunityLine).Where(OpportunityLineFields.OpportunityId, context.RecordId), cancellationToken).ConfigureAwait(false);
            if (lines > 0)
            {
                throw new CrmValidationException(new CrmValidationError(SalesEntities.Opportunity, OpportunityFields.Amount, target[OpportunityFields.Amount], "computed",
                    $"the amount of an opportunity with lines is the sum of its {lines} line(s); change the lines instead."));
            }
        }
    }
}

/// <summary>After an opportunity is written: publishes stage changes and won/lost events.</summary>
internal sealed class OpportunityEventsHandler(TimeProvider clock) : IPipelineHandler
{
    public Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
    {
        if (context.PostImage is not { } opportunity || !context.SharedVariables.TryGetValue(OpportunityStageHandler.StageChangedKey, out var previous))
        {
            return Task.CompletedTask;
        }

        var now = clock.GetUtcNow();
        var tenant = context.Caller.TenantId;
        var stage = opportunity.Text(OpportunityFields.Stage) ?? string.Empty;
        context.QueueEvent(new OpportunityStageChanged(tenant, now, opportunity.Id, previous is string { Length: > 0 } p ? p : null, stage, opportunity.Number(OpportunityFields.Probability)));
        var before = context.PreImage?.Text(OpportunityFields.Status);
        var status = opportunity.Text(OpportunityFields.Status);
        if (status != before)
        {
            if (status == OpportunityStatus.Won)
            {
                context.QueueEvent(new OpportunityWon(tenant, now, opportunity, opportunity.Text(OpportunityFields.CloseReason)));
            }
            else if (status == OpportunityStatus.Lost)
            {
                context.QueueEvent(new OpportunityLost(tenant, now, opportunity, opportunity.Text(OpportunityFields.CloseReason)));
            }
        }

        return Task.CompletedTask;
    }
}

/// <summary>An opportunity line's amount: quantity x unit price x (1 - discount / 100); the opportunity may not change.</summary>
internal sealed class OpportunityLineHandler : IPipelineHandler
{
    public Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
    {
        var target = context.Target;
        var pre = context.PreImage;
        if (pre is not null && target.TryGetValue(OpportunityLineFields.OpportunityId, out var moved) && !Equals(moved, pre[OpportunityLineFields.OpportunityId]))
        {
            throw new CrmValidationException(new CrmValidationError(SalesEntities.OpportunityLine, OpportunityLineFields.OpportunityId, moved, "immutable",
                "a line cannot move to another opportunity; delete it and add it there."));
        }

        if (pre is null && (!target.TryGetValue(OpportunityLineFields.Quantity, out var q) || q is null))
        {
            target[OpportunityLineFields.Quantity] = 1m;
        }

        decimal Get(string field) => (target.TryGetValue(field, out var v) ? v : pre?[field]) switch
        {
            decimal d => d,
            int i => i,
            long l => l,
            double d => (decimal)d,
            string s when decimal.TryParse(s, System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out var d) => d,
            _ => 0m,
        };

        var amount = Get(OpportunityLineFields.Quantity) * Get(OpportunityLineFields.UnitPrice) * (1 - (Get(OpportunityLineFields.Discount) / 100m));
        target[OpportunityLineFields.Amount] = Math.Round(amount, 2, MidpointRounding.AwayFromZero);
        return Task.CompletedTask;
    }
}

/// <summary>After a line is written or deleted: the opportunity's amount becomes the sum of its lines (0 when the last one goes).</summary>
internal sealed class OpportunityLineTotalHandler : IPipelineHandler
{
    public async Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
    {
        var line = context.PostImage ?? context.PreImage;
        if (line?.Id(OpportunityLineFields.OpportunityId) is not { } opportunityId)
        {
            return;
        }

        // The total of all the opportunity's lines, also those the caller may not read (another rep's line).
        var lines = await context.SystemRecords.ReadAllAsync(RecordQuery.For(SalesEntities.OpportunityLine).Where(OpportunityLineFields.OpportunityId, opportunityId), cancellationToken).ConfigureAwait(false);
        var total = lines.Sum(r => r.Number(OpportunityLineFields.Amount) ?? 0m);

        OpportunityStageHandler.WritingLineTotal.Value = true;
        try
        {
            await context.Records.UpdateAsync(SalesEntities.Opportunity, opportunityId, null, new Dictionary<string, object?> { [OpportunityFields.Amount] = total }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            OpportunityStageHandler.WritingLineTotal.Value = false;
        }
    }
}
