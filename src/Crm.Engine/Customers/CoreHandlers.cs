using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Pipeline;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Pipeline;
using Crm.Engine.Storage;
using Dapper;

namespace Crm.Engine.Customers;

/// <summary>Keeps a contact's full name in step with its first and last names.</summary>
internal sealed class ContactNameHandler : IPipelineHandler
{
    public Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
    {
        var target = context.Target;
        if (!target.ContainsKey(ContactFields.FirstName) && !target.ContainsKey(ContactFields.LastName))
        {
            return Task.CompletedTask;
        }

        var first = Pick(target, context.PreImage, ContactFields.FirstName);
        var last = Pick(target, context.PreImage, ContactFields.LastName);
        var hasFirst = !string.IsNullOrWhiteSpace(first);
        var hasLast = !string.IsNullOrWhiteSpace(last);
        target[ContactFields.Name] = (hasFirst, hasLast) switch
        {
            (true, true) => string.Concat(first!.Trim(), " ", last!.Trim()),
            (true, false) => first!.Trim(),
            (false, true) => last!.Trim(),
            _ => null,
        };
        return Task.CompletedTask;
    }

    private static string? Pick(IDictionary<string, object?> target, CrmRecord? before, string field) =>
        target.TryGetValue(field, out var v) ? v as string : before?[field] as string;
}

/// <summary>
/// Rejects a parent account that would make the hierarchy a loop. The walk up reads the stored parent links, not
/// records through the caller's access: an ancestor the caller may not read still closes a loop.
/// </summary>
internal sealed class AccountHierarchyHandler(EngineRuntime runtime) : IPipelineHandler
{
    private const int MaxDepth = 100;

    public async Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
    {
        if (!context.Target.TryGetValue(AccountFields.ParentAccountId, out var value) || value is not Guid parent)
        {
            return;
        }

        var current = (Guid?)parent;
        for (var i = 0; current is { } id && i < MaxDepth; i++)
        {
            if (id == context.RecordId)
            {
                throw new CrmValidationException(new CrmValidationError(CoreEntities.Account, AccountFields.ParentAccountId, parent, "hierarchy",
                    "the parent account would make the account its own ancestor."));
            }

            current = await ParentOfAsync(context, id, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<Guid?> ParentOfAsync(IPipelineContext context, Guid id, CancellationToken cancellationToken)
    {
        if (context is not PipelineContext { Scope: var scope })
        {
            return (await context.Records.GetAsync(CoreEntities.Account, id, cancellationToken).ConfigureAwait(false))?.Get<Guid?>(AccountFields.ParentAccountId);
        }

        var parent = await scope.Connection.ExecuteScalarAsync<object?>(new CommandDefinition(
            "SELECT target_id FROM record_refs WHERE tenant_id = @tenant AND source_id = @id AND field = @field",
            new { tenant = context.Caller.TenantId, id = runtime.Storage.Dialect.IdParameter(id), field = AccountFields.ParentAccountId },
            scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return DbValues.ToNullableGuid(parent);
    }
}

/// <summary>Defaults an activity's date and status.</summary>
internal sealed class ActivityDefaultsHandler(TimeProvider time) : IPipelineHandler
{
    public Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
    {
        var target = context.Target;
        if (!target.TryGetValue(ActivityFields.OccurredAt, out var at) || at is null)
        {
            target[ActivityFields.OccurredAt] = time.GetUtcNow();
        }

        if (!target.TryGetValue(ActivityFields.Status, out var status) || status is null)
        {
            var type = target.TryGetValue(ActivityFields.ActivityType, out var t) ? t as string : null;
            target[ActivityFields.Status] = type is ActivityTypes.Task or ActivityTypes.Meeting ? ActivityStatuses.Open : ActivityStatuses.Completed;
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// Derives the customer (and contact) an activity belongs to from what it is about, so the timeline of an account
/// shows activities about the account, its contacts, and any record that carries an <c>accountId</c>.
/// </summary>
internal sealed class ActivityCustomerHandler : IPipelineHandler
{
    public async Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
    {
        if (!context.Target.TryGetValue(ActivityFields.Regarding, out var value))
        {
            return;
        }

        Guid? account = null;
        Guid? contact = null;
        if (value is RecordRef regarding)
        {
            switch (regarding.EntityType)
            {
                case CoreEntities.Account:
                    account = regarding.Id;
                    break;
                case CoreEntities.Contact:
                    contact = regarding.Id;
                    account = (await context.Records.GetAsync(CoreEntities.Contact, regarding.Id, cancellationToken).ConfigureAwait(false))?.Get<Guid?>(ContactFields.AccountId);
                    break;
                default:
                    var record = await context.Records.GetAsync(regarding.EntityType, regarding.Id, cancellationToken).ConfigureAwait(false);
                    account = record?[ActivityFields.AccountId] as Guid?;
                    contact = record?[ActivityFields.ContactId] as Guid?;
                    break;
            }
        }

        context.Target[ActivityFields.AccountId] = account;
        context.Target[ActivityFields.ContactId] = contact;
    }
}
