using System.Data.Common;
using System.Text.Json;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Security;
using Crm.Engine.Abstractions.Work;
using Crm.Engine.Pipeline;
using Crm.Engine.Security;
using Crm.Engine.Storage;
using Dapper;

namespace Crm.Engine.Work.Queues;

/// <summary>
/// Queues, members and items. Every assignment runs in one write transaction that reads the members' rotation
/// positions (<c>last_assigned_seq</c>) and loads (<c>open_items</c>), picks, and bumps the queue's cursor and the
/// member's counters; the store serialises writers, so parallel assignments see each other's effects and stay fair.
/// Membership gives read and write access to the records queued (see <see cref="AccessProfile"/>), so for a caller with
/// a user: creating a queue needs <see cref="TenantPrivilege.Customize"/>, adding members
/// <see cref="TenantPrivilege.ManageSecurity"/>, queuing a record write access to it, and working or listing a queue's
/// items membership of the queue (or ManageSecurity); a user picks items for themselves only.
/// </summary>
internal sealed class WorkQueueService(WorkContext context) : IWorkQueueService
{
    private const string ItemColumns = "id AS Id, queue_id AS QueueId, record_id AS RecordId, skill AS Skill, language AS Language, status AS Status, assigned_to AS AssignedTo";

    private string Tenant => context.TenantId;

    public Task<QueueDefinition> CreateQueueAsync(string name, AssignmentStrategy strategy, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new CrmValidationException(new CrmValidationError("queue", "name", name, "required", "a queue needs a name."));
        }

        return context.WriteAsync(async scope =>
        {
            context.AccessOf(scope).Require(TenantPrivilege.Customize, "creating a work queue");
            var queue = new QueueDefinition(Guid.CreateVersion7(), name.Trim(), strategy);
            try
            {
                await scope.Connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO work_queues (tenant_id, id, name, strategy, assignment_seq, created_at) VALUES (@tenant, @id, @name, @strategy, 0, @at)",
                    new { tenant = Tenant, id = context.Id(queue.Id), name = queue.Name, strategy = strategy.ToString(), at = WorkContext.Time(context.Now) }, scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            }
            catch (Exception ex) when (context.Runtime.Storage.IsUniqueViolation(ex))
            {
                throw new CrmValidationException(new CrmValidationError("queue", "name", name, "duplicate", $"a queue named '{name}' already exists in this tenant."));
            }

            return queue;
        }, cancellationToken);
    }

    public Task<QueueDefinition?> FindQueueAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return context.ReadAsync((c, tx) => FindByNameAsync(c, tx, name, cancellationToken), cancellationToken);
    }

    internal async Task<QueueDefinition?> FindByNameAsync(DbConnection c, DbTransaction? tx, string name, CancellationToken cancellationToken)
    {
        var row = await c.QuerySingleOrDefaultAsync<(object Id, string Name, string Strategy)>(new CommandDefinition(
            "SELECT id, name, strategy FROM work_queues WHERE tenant_id = @tenant AND name = @name COLLATE NOCASE", new { tenant = Tenant, name }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row.Id is null ? null : new QueueDefinition(DbValues.ToGuid(row.Id), row.Name, Enum.Parse<AssignmentStrategy>(row.Strategy));
    }

    public Task AddMemberAsync(Guid queueId, Guid userId, IReadOnlyList<string>? skills = null, IReadOnlyList<string>? languages = null, CancellationToken cancellationToken = default) =>
        context.WriteAsync(async scope =>
        {
            context.AccessOf(scope).Require(TenantPrivilege.ManageSecurity, "adding a queue member (members read and change the records queued)");
            await GetQueueAsync(scope.Connection, scope.Transaction, queueId, cancellationToken).ConfigureAwait(false);
            var user = await scope.Connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT COUNT(*) FROM users WHERE tenant_id = @tenant AND id = @id", new { tenant = Tenant, id = context.Id(userId) }, scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (user == 0)
            {
                throw new CrmValidationException(new CrmValidationError("user", "id", userId, "not_found", $"no user with id {userId} exists in this tenant."));
            }

            return await scope.Connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO work_queue_members (tenant_id, queue_id, user_id, skills, languages, open_items, last_assigned_seq) VALUES (@tenant, @queue, @user, @skills, @languages, 0, 0) " +
                "ON CONFLICT (tenant_id, queue_id, user_id) DO UPDATE SET skills = excluded.skills, languages = excluded.languages",
                new { tenant = Tenant, queue = context.Id(queueId), user = context.Id(userId), skills = Json(skills), languages = Json(languages) }, scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }, cancellationToken);

    public Task<IReadOnlyList<QueueMember>> ListMembersAsync(Guid queueId, CancellationToken cancellationToken = default) =>
        context.ReadAsync<IReadOnlyList<QueueMember>>(async (c, tx) =>
        {
            await GetQueueAsync(c, tx, queueId, cancellationToken).ConfigureAwait(false);
            return [.. (await Members(c, tx, queueId, cancellationToken).ConfigureAwait(false)).Select(m => new QueueMember(m.UserId, m.Skills, m.Languages, m.OpenItems))];
        }, cancellationToken);

    public Task<IReadOnlyList<QueueItem>> ListItemsAsync(Guid queueId, QueueItemStatus? status = null, Guid? assignedTo = null, CancellationToken cancellationToken = default) =>
        context.ReadAsync<IReadOnlyList<QueueItem>>(async (c, tx) =>
        {
            await GetQueueAsync(c, tx, queueId, cancellationToken).ConfigureAwait(false);
            var access = await context.AccessAsync(c, tx, cancellationToken).ConfigureAwait(false);
            await RequireMemberAsync(c, tx, access, queueId, "listing its items", cancellationToken).ConfigureAwait(false);
            var rows = await c.QueryAsync<ItemRow>(new CommandDefinition(
                $"SELECT {ItemColumns} FROM work_queue_items WHERE tenant_id = @tenant AND queue_id = @queue " +
                "AND (@status IS NULL OR status = @status) AND (@user IS NULL OR assigned_to = @user) ORDER BY created_at, id",
                new { tenant = Tenant, queue = context.Id(queueId), status = status?.ToString().ToLowerInvariant(), user = assignedTo is { } u ? context.Id(u) : null },
                tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return [.. rows.Select(ToItem)];
        }, cancellationToken);

    public Task<QueueItem> AddItemAsync(Guid queueId, Guid recordId, string? skill = null, string? language = null, CancellationToken cancellationToken = default) =>
        context.WriteAsync(scope => AddItemInScopeAsync(scope, queueId, recordId, skill, language, cancellationToken), cancellationToken);

    public Task<QueueItem> RouteAsync(Guid queueId, Guid recordId, string? skill = null, string? language = null, CancellationToken cancellationToken = default) =>
        context.WriteAsync(scope => RouteInScopeAsync(scope, queueId, recordId, skill, language, cancellationToken), cancellationToken);

    internal async Task<QueueItem> RouteInScopeAsync(OperationScope scope, Guid queueId, Guid recordId, string? skill, string? language, CancellationToken cancellationToken)
    {
        var item = await AddItemInScopeAsync(scope, queueId, recordId, skill, language, cancellationToken).ConfigureAwait(false);
        return await AssignInScopeAsync(scope, item.Id, byMember: false, cancellationToken).ConfigureAwait(false);
    }

    public Task<QueueItem> AssignAsync(Guid itemId, CancellationToken cancellationToken = default) =>
        context.WriteAsync(scope => AssignInScopeAsync(scope, itemId, byMember: true, cancellationToken), cancellationToken);

    public Task<QueueItem> PickAsync(Guid itemId, Guid userId, CancellationToken cancellationToken = default) =>
        context.WriteAsync(async scope =>
        {
            var item = await GetItemAsync(scope, itemId, cancellationToken).ConfigureAwait(false);
            if (!context.AccessOf(scope).IsSystem && context.AccessOf(scope).UserId != userId)
            {
                context.AccessOf(scope).Require(TenantPrivilege.ManageSecurity, "picking a queue item for another user");
            }

            RequireStatus(item, QueueItemStatus.Waiting, "picked");
            var members = await Members(scope.Connection, scope.Transaction, item.QueueId, cancellationToken).ConfigureAwait(false);
            if (members.All(m => m.UserId != userId))
            {
                throw new CrmValidationException(new CrmValidationError("queueItem", "userId", userId, "not_member", $"user {userId} is not a member of the item's queue."));
            }

            return await GiveAsync(scope, item, userId, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    public Task<QueueItem> ReleaseAsync(Guid itemId, CancellationToken cancellationToken = default) =>
        context.WriteAsync(async scope =>
        {
            var item = await GetItemAsync(scope, itemId, cancellationToken).ConfigureAwait(false);
            await RequireMemberAsync(scope.Connection, scope.Transaction, context.AccessOf(scope), item.QueueId, "releasing its items", cancellationToken).ConfigureAwait(false);
            RequireStatus(item, QueueItemStatus.Assigned, "released");
            await DecrementAsync(scope, item, cancellationToken).ConfigureAwait(false);
            await SetItemAsync(scope, item.Id, "waiting", null, null, cancellationToken).ConfigureAwait(false);
            return item with { Status = QueueItemStatus.Waiting, AssignedTo = null };
        }, cancellationToken);

    public Task<QueueItem> CompleteAsync(Guid itemId, CancellationToken cancellationToken = default) =>
        context.WriteAsync(async scope =>
        {
            var item = await GetItemAsync(scope, itemId, cancellationToken).ConfigureAwait(false);
            await RequireMemberAsync(scope.Connection, scope.Transaction, context.AccessOf(scope), item.QueueId, "completing its items", cancellationToken).ConfigureAwait(false);
            if (item.Status == QueueItemStatus.Completed)
            {
                return item;
            }

            if (item.Status == QueueItemStatus.Assigned)
            {
                await DecrementAsync(scope, item, cancellationToken).ConfigureAwait(false);
            }

            await SetItemAsync(scope, item.Id, "completed", item.AssignedTo, null, cancellationToken).ConfigureAwait(false);
            return item with { Status = QueueItemStatus.Completed };
        }, cancellationToken);

    private async Task<QueueItem> AddItemInScopeAsync(OperationScope scope, Guid queueId, Guid recordId, string? skill, string? language, CancellationToken cancellationToken)
    {
        await GetQueueAsync(scope.Connection, scope.Transaction, queueId, cancellationToken).ConfigureAwait(false);
        // Queuing hands the record to the queue's members: a user may hand on only a record they may change. The
        // system context (rules, module code) may also queue work items that are not records (an inbound call).
        await context.EnsureRecordAsync(scope.Connection, scope.Transaction, context.AccessOf(scope), recordId, RecordPrivilege.Write, cancellationToken).ConfigureAwait(false);

        var item = new QueueItem(Guid.CreateVersion7(), queueId, recordId, skill, language, QueueItemStatus.Waiting, null);
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO work_queue_items (tenant_id, id, queue_id, record_id, skill, language, status, created_at) VALUES (@tenant, @id, @queue, @record, @skill, @language, 'waiting', @at)",
            new { tenant = Tenant, id = context.Id(item.Id), queue = context.Id(queueId), record = context.Id(recordId), skill, language, at = WorkContext.Time(context.Now) }, scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return item;
    }

    // byMember: assigning a waiting item on its own is queue work (members); routing assigns what the caller just queued.
    private async Task<QueueItem> AssignInScopeAsync(OperationScope scope, Guid itemId, bool byMember, CancellationToken cancellationToken)
    {
        var item = await GetItemAsync(scope, itemId, cancellationToken).ConfigureAwait(false);
        if (byMember)
        {
            await RequireMemberAsync(scope.Connection, scope.Transaction, context.AccessOf(scope), item.QueueId, "assigning its items", cancellationToken).ConfigureAwait(false);
        }

        RequireStatus(item, QueueItemStatus.Waiting, "assigned");
        var queue = await GetQueueAsync(scope.Connection, scope.Transaction, item.QueueId, cancellationToken).ConfigureAwait(false);
        var eligible = (await Members(scope.Connection, scope.Transaction, item.QueueId, cancellationToken).ConfigureAwait(false))
            .Where(m => item.Skill is null || m.Skills.Contains(item.Skill, StringComparer.OrdinalIgnoreCase))
            .Where(m => item.Language is null || m.Languages.Contains(item.Language, StringComparer.OrdinalIgnoreCase));
        var chosen = (queue.Strategy == AssignmentStrategy.LeastLoaded
                ? eligible.OrderBy(m => m.OpenItems).ThenBy(m => m.LastAssignedSeq)
                : eligible.OrderBy(m => m.LastAssignedSeq))
            .ThenBy(m => m.UserId)
            .FirstOrDefault();
        return chosen is null ? item : await GiveAsync(scope, item, chosen.UserId, cancellationToken).ConfigureAwait(false);
    }

    private async Task<QueueItem> GiveAsync(OperationScope scope, QueueItem item, Guid userId, CancellationToken cancellationToken)
    {
        // The cursor and the counters move in the same transaction as the assignment.
        var seq = await scope.Connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "UPDATE work_queues SET assignment_seq = assignment_seq + 1 WHERE tenant_id = @tenant AND id = @id RETURNING assignment_seq",
            new { tenant = Tenant, id = context.Id(item.QueueId) }, scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE work_queue_members SET open_items = open_items + 1, last_assigned_seq = @seq WHERE tenant_id = @tenant AND queue_id = @queue AND user_id = @user",
            new { seq, tenant = Tenant, queue = context.Id(item.QueueId), user = context.Id(userId) }, scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await SetItemAsync(scope, item.Id, "assigned", userId, seq, cancellationToken).ConfigureAwait(false);
        return item with { Status = QueueItemStatus.Assigned, AssignedTo = userId };
    }

    /// <summary>A user must be a member of the queue, or hold ManageSecurity (the system context may do anything).</summary>
    private async Task RequireMemberAsync(DbConnection c, DbTransaction? tx, AccessProfile access, Guid queueId, string what, CancellationToken cancellationToken)
    {
        if (access.IsSystem || access.Has(TenantPrivilege.ManageSecurity))
        {
            return;
        }

        var member = await c.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM work_queue_members WHERE tenant_id = @tenant AND queue_id = @queue AND user_id = @user",
            new { tenant = Tenant, queue = context.Id(queueId), user = context.Id(access.UserId!.Value) }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (member == 0)
        {
            throw new CrmAccessDeniedException($"working queue {queueId} ({what}) needs membership of the queue or the tenant privilege ManageSecurity.");
        }
    }

    private Task<int> DecrementAsync(OperationScope scope, QueueItem item, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE work_queue_members SET open_items = MAX(open_items - 1, 0) WHERE tenant_id = @tenant AND queue_id = @queue AND user_id = @user",
            new { tenant = Tenant, queue = context.Id(item.QueueId), user = item.AssignedTo is { } u ? context.Id(u) : null }, scope.Transaction, cancellationToken: cancellationToken));

    private Task<int> SetItemAsync(OperationScope scope, Guid itemId, string status, Guid? assignedTo, long? seq, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE work_queue_items SET status = @status, assigned_to = @assignedTo, assignment_seq = COALESCE(@seq, assignment_seq), assigned_at = CASE WHEN @seq IS NULL THEN assigned_at ELSE @at END WHERE tenant_id = @tenant AND id = @id",
            new { status, assignedTo = assignedTo is { } a ? context.Id(a) : null, seq, at = WorkContext.Time(context.Now), tenant = Tenant, id = context.Id(itemId) }, scope.Transaction, cancellationToken: cancellationToken));

    private static void RequireStatus(QueueItem item, QueueItemStatus expected, string verb)
    {
        if (item.Status != expected)
        {
            throw new CrmValidationException(new CrmValidationError("queueItem", "status", item.Status.ToString(), "state",
                $"queue item {item.Id} is {item.Status.ToString().ToLowerInvariant()}, so it cannot be {verb}."));
        }
    }

    private async Task<QueueDefinition> GetQueueAsync(DbConnection c, DbTransaction? tx, Guid queueId, CancellationToken cancellationToken)
    {
        var row = await c.QuerySingleOrDefaultAsync<(object Id, string Name, string Strategy)>(new CommandDefinition(
            "SELECT id, name, strategy FROM work_queues WHERE tenant_id = @tenant AND id = @id", new { tenant = Tenant, id = context.Id(queueId) }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row.Id is null
            ? throw new CrmValidationException(new CrmValidationError("queue", "id", queueId, "not_found", $"no queue with id {queueId} exists in this tenant."))
            : new QueueDefinition(DbValues.ToGuid(row.Id), row.Name, Enum.Parse<AssignmentStrategy>(row.Strategy));
    }

    private async Task<QueueItem> GetItemAsync(OperationScope scope, Guid itemId, CancellationToken cancellationToken)
    {
        var row = await scope.Connection.QuerySingleOrDefaultAsync<ItemRow>(new CommandDefinition(
            $"SELECT {ItemColumns} FROM work_queue_items WHERE tenant_id = @tenant AND id = @id", new { tenant = Tenant, id = context.Id(itemId) }, scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false)
            ?? throw new CrmValidationException(new CrmValidationError("queueItem", "id", itemId, "not_found", $"no queue item with id {itemId} exists in this tenant."));
        return ToItem(row);
    }

    private static QueueItem ToItem(ItemRow row) =>
        new(DbValues.ToGuid(row.Id), DbValues.ToGuid(row.QueueId), DbValues.ToGuid(row.RecordId), row.Skill, row.Language,
            Enum.Parse<QueueItemStatus>(row.Status, ignoreCase: true), DbValues.ToNullableGuid(row.AssignedTo));

    private async Task<List<MemberRow>> Members(DbConnection c, DbTransaction? tx, Guid queueId, CancellationToken cancellationToken) =>
        [.. (await c.QueryAsync<(object UserId, string Skills, string Languages, long OpenItems, long LastAssignedSeq)>(new CommandDefinition(
            "SELECT user_id, skills, languages, open_items, last_assigned_seq FROM work_queue_members WHERE tenant_id = @tenant AND queue_id = @queue",
            new { tenant = Tenant, queue = context.Id(queueId) }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false))
            .Select(r => new MemberRow(DbValues.ToGuid(r.UserId), JsonSerializer.Deserialize<List<string>>(r.Skills) ?? [], JsonSerializer.Deserialize<List<string>>(r.Languages) ?? [], (int)r.OpenItems, r.LastAssignedSeq))];

    private object Json(IReadOnlyList<string>? values) => context.Dialect.JsonParameter(JsonSerializer.Serialize(values ?? []));

    private sealed record MemberRow(Guid UserId, List<string> Skills, List<string> Languages, int OpenItems, long LastAssignedSeq);

    private sealed class ItemRow
    {
        public object Id { get; set; } = string.Empty;

        public object QueueId { get; set; } = string.Empty;

        public object RecordId { get; set; } = string.Empty;

        public string? Skill { get; set; }

        public string? Language { get; set; }

        public string Status { get; set; } = string.Empty;

        public object? AssignedTo { get; set; }
    }
}
