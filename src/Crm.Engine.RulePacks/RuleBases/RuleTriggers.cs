using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Events;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Tenancy;
using Crm.Engine.Abstractions.Work;
using Microsoft.Extensions.Logging;

namespace Crm.Engine.RulePacks.RuleBases;

/// <summary>
/// Runs each tenant's rule base when something happens: a record is created or changed (facts: the record and the
/// records its look-ups point to) or a durable timer fires (facts: the <see cref="DeadlineReached"/> event and its
/// record). Actions are performed. Changes made by rule actions trigger the rules again, up to a small depth, so
/// rules can chain without a rule that re-triggers itself looping forever.
/// </summary>
internal sealed partial class RuleTriggers(RuleBaseRegistry ruleBases, ICrmEngine engine, ILogger<RuleTriggers> logger) :
    IDomainEventConsumer<RecordCreated>, IDomainEventConsumer<RecordUpdated>, IDomainEventConsumer<DeadlineReached>
{
    /// <summary>The payload key startTimer stores the record's entity type under, so the deadline can load the record.</summary>
    public const string EntityTypeKey = "entityType";

    private const int MaxDepth = 2;
    private static readonly AsyncLocal<int> Depth = new();

    public Task HandleAsync(RecordCreated domainEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domainEvent);
        return RunAsync(domainEvent.TenantId, domainEvent.Record, RecordChange.Created(domainEvent.Record), cancellationToken);
    }

    public Task HandleAsync(RecordUpdated domainEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domainEvent);
        return domainEvent.ChangedFields.Count == 0
            ? Task.CompletedTask
            : RunAsync(domainEvent.TenantId, domainEvent.After, RecordChange.Updated(domainEvent.Before, domainEvent.After, domainEvent.ChangedFields), cancellationToken);
    }

    public async Task HandleAsync(DeadlineReached domainEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domainEvent);
        if (await ruleBases.RunnableAsync(domainEvent.TenantId, cancellationToken).ConfigureAwait(false) is not { } ruleBase)
        {
            return; // no rules: the timer's record is not even read
        }

        CrmRecord? record = null;
        if (domainEvent.RecordId is { } id && domainEvent.Payload.TryGetValue(EntityTypeKey, out var entityType) && entityType is not null)
        {
            record = await Tenant(domainEvent.TenantId).Records.GetAsync(entityType, id, cancellationToken).ConfigureAwait(false);
        }

        await RunAsync(domainEvent.TenantId, record, domainEvent, cancellationToken, ruleBase).ConfigureAwait(false);
    }

    // Facts: the deadline event (if any), the record — as its change when it was created or updated, so isNew, changed
    // and previous know it — and the records its look-ups point to. A caller that already holds the current base
    // (the timer handler, which checks before reading its record) passes it, so its version is queried once.
    private async Task RunAsync(string tenantId, CrmRecord? record, object? trigger, CancellationToken cancellationToken, Compilation.RuleBase? current = null)
    {
        if (Depth.Value >= MaxDepth)
        {
            LogDepth(tenantId, record?.ToString() ?? trigger?.ToString() ?? string.Empty, MaxDepth);
            return;
        }

        // A tenant without rules: nothing can fire, so no facts are loaded and no session is made.
        if ((current ?? await ruleBases.RunnableAsync(tenantId, cancellationToken).ConfigureAwait(false)) is not { } ruleBase)
        {
            return;
        }

        var facts = new List<object>();
        if (trigger is not null)
        {
            facts.Add(trigger);
        }

        if (record is not null)
        {
            if (trigger is not RecordChange)
            {
                facts.Add(record);
            }

            facts.AddRange(await RelatedAsync(tenantId, record, cancellationToken).ConfigureAwait(false));
        }

        Depth.Value++;
        try
        {
            await new TenantRuleBase(ruleBases, tenantId, "rules").EvaluateAsync(ruleBase, facts, dryRun: false, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Depth.Value--;
        }
    }

    // The records a record's look-ups point to (one level), so rules can join a case with its account.
    private async Task<List<CrmRecord>> RelatedAsync(string tenantId, CrmRecord record, CancellationToken cancellationToken)
    {
        var tenant = Tenant(tenantId);
        var entity = await tenant.Metadata.GetEntityAsync(record.EntityType, cancellationToken).ConfigureAwait(false);
        var related = new List<CrmRecord>();
        foreach (var field in entity.Fields.Where(f => f.Type == FieldType.Lookup))
        {
            RecordRef? target = record[field.ApiName] switch
            {
                RecordRef r => r,
                Guid g when field.Definition.LookupTarget is { } t && t != "*" => new RecordRef(t, g),
                _ => null,
            };
            if (target is not null && target.Id != record.Id && related.All(r => r.Id != target.Id)
                && await tenant.Records.GetAsync(target.EntityType, target.Id, cancellationToken).ConfigureAwait(false) is { } found)
            {
                related.Add(found);
            }
        }

        return related;
    }

    private ICrmTenant Tenant(string tenantId) => engine.ForTenant(new CallerContext(tenantId, null, OperationSource.Rule, "rules"));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rules of tenant {Tenant} not run again for {Subject}: changes made by rule actions already triggered the rules {MaxDepth} levels deep")]
    private partial void LogDepth(string tenant, string subject, int maxDepth);
}
