using System.Globalization;
using System.Text;
using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Pipeline;
using Crm.Engine.Abstractions.Records;
using Crm.Plugins.Marketing.Campaigns;

namespace Crm.Plugins.Marketing.Scoring;

/// <summary>
/// Lead scoring: each scoring is a <see cref="MarketingEntities.LeadScoreEntry"/> record (points, reason, key); the lead's
/// <c>leadScore</c> is their sum and <c>scoreReasons</c> lists them. A key scores a lead at most once.
/// </summary>
internal static class LeadScoring
{
    public static async Task<LeadScoreResult> ScoreAsync(ICrmTenant tenant, Guid leadId, decimal points, string reason, string? key, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new CrmValidationException(new CrmValidationError(MarketingEntities.LeadScoreEntry, LeadScoreEntryFields.Reason, reason, "required",
                "a score needs a reason (what the lead did or is), so the lead's scoreReasons explain its score."));
        }

        var lead = await tenant.Records.GetAsync(MarketingEntities.Lead, leadId, cancellationToken).ConfigureAwait(false)
            ?? throw new CrmNotFoundException(MarketingEntities.Lead, leadId);
        if (key is not null && await FindAsync(tenant.Records, leadId, key, cancellationToken).ConfigureAwait(false) is not null)
        {
            return new LeadScoreResult(leadId, lead.Decimal(LeadMarketingFields.LeadScore) ?? 0, false);
        }

        await tenant.Records.CreateAsync(MarketingEntities.LeadScoreEntry, new Dictionary<string, object?>
        {
            [LeadScoreEntryFields.LeadId] = leadId,
            [LeadScoreEntryFields.Key] = key,
            [LeadScoreEntryFields.Points] = points,
            [LeadScoreEntryFields.Reason] = reason,
        }, cancellationToken: cancellationToken).ConfigureAwait(false);
        var scored = await tenant.Records.GetAsync(MarketingEntities.Lead, leadId, cancellationToken).ConfigureAwait(false);
        return new LeadScoreResult(leadId, scored?.Decimal(LeadMarketingFields.LeadScore) ?? 0, true);
    }

    public static async Task<CrmRecord?> FindAsync(IRecordService records, Guid leadId, string key, CancellationToken cancellationToken)
    {
        var page = await records.QueryAsync(RecordQuery.For(MarketingEntities.LeadScoreEntry)
            .Where(LeadScoreEntryFields.LeadId, leadId).Where(LeadScoreEntryFields.Key, key).Take(1), cancellationToken).ConfigureAwait(false);
        return page.Records.Count > 0 ? page.Records[0] : null;
    }
}

/// <summary>A new score entry: the date defaults to now, and a key scores a lead once.</summary>
internal sealed class ScoreEntryDefaultsHandler(TimeProvider clock) : IPipelineHandler
{
    public async Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!context.Target.ContainsKey(LeadScoreEntryFields.ScoredAt))
        {
            context.Target[LeadScoreEntryFields.ScoredAt] = clock.GetUtcNow();
        }

        if (TargetValues.Id(context, LeadScoreEntryFields.LeadId) is { } leadId
            && context.Target.TryGetValue(LeadScoreEntryFields.Key, out var key) && key is string { Length: > 0 } text
            // Over every entry of the lead, also those the caller may not read (a rule's, a colleague's).
            && await LeadScoring.FindAsync(context.SystemRecords, leadId, text, cancellationToken).ConfigureAwait(false) is not null)
        {
            throw new CrmValidationException(new CrmValidationError(MarketingEntities.LeadScoreEntry, LeadScoreEntryFields.Key, text, "duplicate",
                $"lead {leadId} was already scored for '{text}'; a key scores a lead once."));
        }
    }
}

/// <summary>
/// After a score entry is created or deleted: the lead's score and reasons are computed again in the same transaction;
/// a new entry publishes <see cref="LeadScored"/> after commit.
/// </summary>
internal sealed class ScoreEntryChangedHandler(TimeProvider clock) : IPipelineHandler
{
    private const int ReasonsMaxLength = 4000;

    public async Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var entry = context.PostImage ?? context.PreImage!;
        if (entry.Id(LeadScoreEntryFields.LeadId) is not { } leadId)
        {
            return;
        }

        // The score is the sum of all the lead's entries, also those the caller may not read.
        var entries = await context.SystemRecords.ReadAllAsync(RecordQuery.For(MarketingEntities.LeadScoreEntry)
            .Where(LeadScoreEntryFields.LeadId, leadId).OrderBy(LeadScoreEntryFields.ScoredAt), cancellationToken).ConfigureAwait(false);
        var score = entries.Sum(e => e.Decimal(LeadScoreEntryFields.Points) ?? 0);
        var reasons = new StringBuilder();
        foreach (var e in entries)
        {
            var points = e.Decimal(LeadScoreEntryFields.Points) ?? 0;
            var line = string.Create(CultureInfo.InvariantCulture, $"{(points >= 0 ? "+" : string.Empty)}{points:0.##} {e.Text(LeadScoreEntryFields.Reason)}{(e.Text(LeadScoreEntryFields.Key) is { } k ? $" ({k})" : string.Empty)}");
            if (reasons.Length + line.Length + 2 > ReasonsMaxLength)
            {
                reasons.Append('…');
                break;
            }

            reasons.Append(reasons.Length == 0 ? string.Empty : "\n").Append(line);
        }

        await context.Records.UpdateAsync(MarketingEntities.Lead, leadId, null, new Dictionary<string, object?>
        {
            [LeadMarketingFields.LeadScore] = score,
            [LeadMarketingFields.ScoreReasons] = reasons.ToString(),
        }, cancellationToken).ConfigureAwait(false);
        if (context.Message != PipelineMessages.Create)
        {
            return;
        }

        context.QueueEvent(new LeadScored(context.Caller.TenantId, clock.GetUtcNow(), leadId, entry.Decimal(LeadScoreEntryFields.Points) ?? 0,
            entry.Text(LeadScoreEntryFields.Reason) ?? string.Empty, entry.Text(LeadScoreEntryFields.Key), score));
    }
}
