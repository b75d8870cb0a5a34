using Crm.Engine.Abstractions.Events;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Tenancy;

namespace Crm.Engine.Abstractions.Pipeline;

/// <summary>The stages of the entity pipeline, in the order they run. All run in one transaction.</summary>
public enum PipelineStage
{
    /// <summary>Before metadata validation: normalise or default values, reject early.</summary>
    PreValidation = 10,

    /// <summary>After validation, before the write: last changes to the target, checks against other records.</summary>
    PreOperation = 20,

    /// <summary>After the write, still in the transaction: write related records, raise events, queue notifications.</summary>
    PostOperation = 40,
}

/// <summary>The messages the engine sends through the pipeline. Plugins may define their own.</summary>
public static class PipelineMessages
{
    /// <summary>A record is created.</summary>
    public const string Create = "Create";

    /// <summary>A record's fields are changed.</summary>
    public const string Update = "Update";

    /// <summary>A record is deleted.</summary>
    public const string Delete = "Delete";

    /// <summary>A record is given to another owner.</summary>
    public const string Assign = "Assign";
}

/// <summary>
/// A step of the entity pipeline, registered by the core or a plugin for a message, an entity type and a stage.
/// Throwing rolls back the whole operation; throw <see cref="Errors.CrmOperationRejectedException"/> to reject with a message for the user.
/// </summary>
public interface IPipelineHandler
{
    /// <summary>Runs the step.</summary>
    /// <param name="context">The operation in progress.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the step is done.</returns>
    Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken);
}

/// <summary>The registration of a pipeline handler.</summary>
/// <param name="Message">The message, e.g. <see cref="PipelineMessages.Create"/>.</param>
/// <param name="EntityType">The entity type's API name, or <c>*</c> for every type.</param>
/// <param name="Stage">The stage.</param>
/// <param name="Order">The order within the stage; lower runs first.</param>
/// <param name="HandlerType">The handler type, resolved from the service provider (or created with its dependencies).</param>
public sealed record PipelineStep(string Message, string EntityType, PipelineStage Stage, int Order, Type HandlerType)
{
    /// <summary>The entity type that matches every type.</summary>
    public const string AnyEntity = "*";
}

/// <summary>An operation in progress, as a pipeline handler sees it.</summary>
public interface IPipelineContext
{
    /// <summary>Who called, for which tenant, through what.</summary>
    CallerContext Caller { get; }

    /// <summary>The message, e.g. <see cref="PipelineMessages.Update"/>.</summary>
    string Message { get; }

    /// <summary>The entity type's API name.</summary>
    string EntityType { get; }

    /// <summary>The record's id (already chosen on create).</summary>
    Guid RecordId { get; }

    /// <summary>The stage now running.</summary>
    PipelineStage Stage { get; }

    /// <summary>How deep this operation is nested: 1 for a caller's operation, 2 for one started by a handler of it, and so on.</summary>
    int Depth { get; }

    /// <summary>
    /// The values being written (all fields given on create, the changed fields on update; empty on delete).
    /// Handlers in <see cref="PipelineStage.PreValidation"/> and <see cref="PipelineStage.PreOperation"/> may change them.
    /// </summary>
    IDictionary<string, object?> Target { get; }

    /// <summary>The record before the operation (update, delete, assign), or <see langword="null"/> on create.</summary>
    CrmRecord? PreImage { get; }

    /// <summary>The record after the write (in <see cref="PipelineStage.PostOperation"/>; <see langword="null"/> before and on delete).</summary>
    CrmRecord? PostImage { get; }

    /// <summary>The owner the record is being given (on create and assign).</summary>
    Guid? NewOwnerId { get; }

    /// <summary>Values handlers pass to later handlers of the same operation.</summary>
    IDictionary<string, object?> SharedVariables { get; }

    /// <summary>The record API inside the same transaction; its operations run the pipeline one level deeper.</summary>
    IRecordService Records { get; }

    /// <summary>
    /// The record API inside the same transaction with the tenant's whole view, not the caller's: for module code that
    /// must count, sum or check uniqueness over every record (an opportunity's total of all its lines, a lead's score
    /// from all its entries), which the caller's view would get wrong. What it changes is still audited as the
    /// caller through this handler. Never hand what it reads back to the caller: the caller's own view is
    /// <see cref="Records"/>.
    /// </summary>
    IRecordService SystemRecords { get; }

    /// <summary>Queues a domain event, published to subscribers after the transaction commits (never if it rolls back).</summary>
    /// <param name="domainEvent">The event.</param>
    void QueueEvent(IDomainEvent domainEvent);
}
