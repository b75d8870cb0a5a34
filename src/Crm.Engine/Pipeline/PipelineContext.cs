using Crm.Engine.Abstractions.Events;
using Crm.Engine.Abstractions.Pipeline;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Tenancy;

namespace Crm.Engine.Pipeline;

internal sealed class PipelineContext(
    CallerContext caller,
    string message,
    string entityType,
    Guid recordId,
    int depth,
    IDictionary<string, object?> target,
    CrmRecord? preImage,
    Guid? newOwnerId,
    IRecordService records,
    IRecordService systemRecords,
    OperationScope scope) : IPipelineContext
{
    public CallerContext Caller { get; } = caller;

    public string Message { get; } = message;

    public string EntityType { get; } = entityType;

    private Dictionary<string, object?>? _sharedVariables;

    public Guid RecordId { get; } = recordId;

    public PipelineStage Stage { get; set; }

    public int Depth { get; } = depth;

    public IDictionary<string, object?> Target { get; } = target;

    public CrmRecord? PreImage { get; } = preImage;

    public CrmRecord? PostImage { get; set; }

    public Guid? NewOwnerId { get; } = newOwnerId;

    // Made on first use: most operations never share a variable.
    public IDictionary<string, object?> SharedVariables => _sharedVariables ??= new Dictionary<string, object?>(StringComparer.Ordinal);

    public IRecordService Records { get; } = records;

    public IRecordService SystemRecords { get; } = systemRecords;

    /// <summary>The handler running now (for audit attribution of the writes it makes).</summary>
    public Type? CurrentHandler { get; set; }

    /// <summary>The operation's transaction, for core services that write beside the record (outbox, timers).</summary>
    public OperationScope Scope => scope;

    public void QueueEvent(IDomainEvent domainEvent)
    {
        ArgumentNullException.ThrowIfNull(domainEvent);
        scope.Queue(domainEvent);
    }
}
