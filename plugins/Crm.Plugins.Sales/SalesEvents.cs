using Crm.Engine.Abstractions.Events;
using Crm.Engine.Abstractions.Records;

namespace Crm.Plugins.Sales;

/// <summary>A lead was created (by capture, import or the record API); published after commit.</summary>
/// <param name="TenantId">The tenant.</param>
/// <param name="OccurredAt">When.</param>
/// <param name="Lead">The lead as stored.</param>
public sealed record LeadCaptured(string TenantId, DateTimeOffset OccurredAt, CrmRecord Lead) : IDomainEvent;

/// <summary>A lead was converted; published after commit.</summary>
/// <param name="TenantId">The tenant.</param>
/// <param name="OccurredAt">When.</param>
/// <param name="LeadId">The lead.</param>
/// <param name="AccountId">The account it became.</param>
/// <param name="ContactId">The contact it became.</param>
/// <param name="OpportunityId">The opportunity, if one was created.</param>
public sealed record LeadConverted(string TenantId, DateTimeOffset OccurredAt, Guid LeadId, Guid AccountId, Guid ContactId, Guid? OpportunityId) : IDomainEvent;

/// <summary>An opportunity got a stage (on create too, with no previous stage); published after commit.</summary>
/// <param name="TenantId">The tenant.</param>
/// <param name="OccurredAt">When.</param>
/// <param name="OpportunityId">The opportunity.</param>
/// <param name="PreviousStage">The stage before, or <see langword="null"/> on create.</param>
/// <param name="Stage">The new stage.</param>
/// <param name="Probability">The probability it has now.</param>
public sealed record OpportunityStageChanged(string TenantId, DateTimeOffset OccurredAt, Guid OpportunityId, string? PreviousStage, string Stage, decimal? Probability) : IDomainEvent;

/// <summary>An opportunity was won; published after commit.</summary>
/// <param name="TenantId">The tenant.</param>
/// <param name="OccurredAt">When.</param>
/// <param name="Opportunity">The opportunity as stored.</param>
/// <param name="Reason">Why.</param>
public sealed record OpportunityWon(string TenantId, DateTimeOffset OccurredAt, CrmRecord Opportunity, string? Reason) : IDomainEvent;

/// <summary>An opportunity was lost; published after commit.</summary>
/// <param name="TenantId">The tenant.</param>
/// <param name="OccurredAt">When.</param>
/// <param name="Opportunity">The opportunity as stored.</param>
/// <param name="Reason">Why.</param>
public sealed record OpportunityLost(string TenantId, DateTimeOffset OccurredAt, CrmRecord Opportunity, string? Reason) : IDomainEvent;

/// <summary>Helpers for the module's records.</summary>
internal static class RecordValues
{
    public static string? Text(this CrmRecord record, string field) => record[field] switch
    {
        null => null,
        string s => s,
        var other => Convert.ToString(other, System.Globalization.CultureInfo.InvariantCulture),
    };

    public static decimal? Number(this CrmRecord record, string field) => record[field] switch
    {
        decimal d => d,
        long l => l,
        int i => i,
        double d => (decimal)d,
        _ => null,
    };

    public static Guid? Id(this CrmRecord record, string field) => record[field] switch
    {
        Guid g => g,
        RecordRef r => r.Id,
        string s when Guid.TryParse(s, out var g) => g,
        _ => null,
    };
}
