using System.Data.Common;
using System.Text.Json;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Security;
using Crm.Engine.Abstractions.Work;
using Crm.Engine.Pipeline;
using Crm.Engine.Storage;
using Crm.Engine.Work.Templates;
using Dapper;

namespace Crm.Engine.Work.Notifications;

/// <summary>
/// Writes notifications into <c>work_notifications</c> in the caller's transaction. Recipient, channel, consent and
/// template are resolved here, so what the dispatcher later sends is exactly what was decided when the change committed.
/// </summary>
internal sealed class NotificationOutbox(WorkContext context, ChannelRegistry channels, TemplateService templates, WorkOptions options) : INotificationOutbox
{
    private const string Columns = "id AS Id, idempotency_key AS IdempotencyKey, channel AS Channel, address AS Address, subject AS Subject, body AS Body, status AS Status, attempts AS Attempts, last_error AS LastError, next_attempt_at AS NextAttemptAt, sent_at AS SentAt";

    public Task<NotificationState> EnqueueAsync(Notification notification, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(notification);
        Check(notification);
        return context.WriteAsync(scope => EnqueueInScopeAsync(scope, notification, cancellationToken), cancellationToken);
    }

    public Task<NotificationState?> GetAsync(string idempotencyKey, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(idempotencyKey);
        return context.ReadAsync(async (c, tx) =>
        {
            var own = await OwnOnlyAsync(c, tx, cancellationToken).ConfigureAwait(false);
            return await FindAsync(c, tx, idempotencyKey, own, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    public Task<IReadOnlyList<NotificationState>> ListAsync(NotificationStatus? status = null, CancellationToken cancellationToken = default) =>
        context.ReadAsync<IReadOnlyList<NotificationState>>(async (c, tx) =>
        {
            var own = await OwnOnlyAsync(c, tx, cancellationToken).ConfigureAwait(false);
            return [.. (await c.QueryAsync<NotificationRow>(new CommandDefinition(
                $"SELECT {Columns} FROM work_notifications WHERE tenant_id = @tenant AND (@status IS NULL OR status = @status) {OwnFilter} ORDER BY created_at, id",
                new { tenant = context.TenantId, status = status?.ToString().ToLowerInvariant(), me = own is { } u ? context.Id(u) : null }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false)).Select(r => r.ToState())];
        }, cancellationToken);

    // A user reads only the notifications addressed to them (their bodies carry other people's data), unless they hold ManageSecurity.
    private const string OwnFilter = "AND (@me IS NULL OR (recipient_kind = 'user' AND recipient_id = @me))";

    /// <summary>The user whose notifications alone the caller may read, or null for all.</summary>
    private async Task<Guid?> OwnOnlyAsync(DbConnection c, DbTransaction? tx, CancellationToken cancellationToken)
    {
        var access = await context.AccessAsync(c, tx, cancellationToken).ConfigureAwait(false);
        return access.IsSystem || access.Has(TenantPrivilege.ManageSecurity) ? null : access.UserId;
    }

    public Task SetUserPreferencesAsync(Guid userId, ChannelPreferences preferences, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(preferences);
        if (preferences.PreferredChannel is { } preferred && !string.Equals(preferred, Notification.PreferredChannel, StringComparison.OrdinalIgnoreCase))
        {
            channels.Get(preferred);
        }

        return context.WriteAsync(async scope =>
        {
            if (!context.AccessOf(scope).IsSystem && context.AccessOf(scope).UserId != userId)
            {
                context.AccessOf(scope).Require(TenantPrivilege.ManageSecurity, "setting another user's channel preferences");
            }

            await EnsureUserAsync(scope.Connection, scope.Transaction, userId, cancellationToken).ConfigureAwait(false);
            return await scope.Connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO work_user_preferences (tenant_id, user_id, do_not_email, do_not_call, preferred_channel) VALUES (@tenant, @user, @doNotEmail, @doNotCall, @preferred) " +
                "ON CONFLICT (tenant_id, user_id) DO UPDATE SET do_not_email = excluded.do_not_email, do_not_call = excluded.do_not_call, preferred_channel = excluded.preferred_channel",
                new { tenant = context.TenantId, user = context.Id(userId), doNotEmail = preferences.DoNotEmail, doNotCall = preferences.DoNotCall, preferred = preferences.PreferredChannel },
                scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }, cancellationToken);
    }

    internal async Task<NotificationState> EnqueueInScopeAsync(OperationScope scope, Notification notification, CancellationToken cancellationToken)
    {
        Check(notification);
        var c = scope.Connection;
        var tx = scope.Transaction;
        var access = context.AccessOf(scope);
        var own = access.IsSystem || access.Has(TenantPrivilege.ManageSecurity) ? null : access.UserId;
        var existing = await FindAsync(c, tx, notification.IdempotencyKey, null, cancellationToken).ConfigureAwait(false);
        if (existing is not null)
        {
            // Enqueuing again is a no-op that returns the stored notification (a retry); a user who is not its recipient
            // gets it without address, subject and body (keys are often predictable, e.g. "complaint:{id}:received").
            return own is null || await FindAsync(c, tx, notification.IdempotencyKey, own, cancellationToken).ConfigureAwait(false) is not null
                ? existing
                : existing with { Address = null, Subject = null, Body = string.Empty };
        }

        if (!access.IsSystem && notification.Recipient.Kind == NotificationRecipientKind.Contact)
        {
            // A user notifies only contacts they may read (the resolved address would show what they may not see).
            await context.EnsureRecordAsync(c, tx, access, notification.Recipient.Id!.Value, RecordPrivilege.Read, cancellationToken).ConfigureAwait(false);
        }

        var recipient = await ResolveRecipientAsync(c, tx, notification.Recipient, cancellationToken).ConfigureAwait(false);
        var channelName = string.Equals(notification.Channel, Notification.PreferredChannel, StringComparison.OrdinalIgnoreCase)
            ? recipient.PreferredChannel ?? options.DefaultChannel
            : notification.Channel;
        var channel = channels.Get(channelName);

        string? subject;
        string body;
        if (notification.TemplateKey is { } templateKey)
        {
            var rendered = await templates.RenderAsync(c, tx, templateKey, notification.Data, cancellationToken).ConfigureAwait(false);
            (subject, body) = (rendered.Subject, rendered.Body);
        }
        else
        {
            (subject, body) = (notification.Subject, notification.Body!);
        }

        var (status, error, address) = channel.AddressKind switch
        {
            NotificationAddressKind.Email when recipient.DoNotEmail => (NotificationStatus.Suppressed, $"{recipient.Describe} opted out of e-mail (do-not-email); channel '{channel.Name}' not used.", recipient.Email),
            NotificationAddressKind.Phone when recipient.DoNotCall => (NotificationStatus.Suppressed, $"{recipient.Describe} opted out of calls and text messages (do-not-call); channel '{channel.Name}' not used.", recipient.Phone),
            NotificationAddressKind.Email => recipient.Email is null ? (NotificationStatus.Failed, $"{recipient.Describe} has no e-mail address for channel '{channel.Name}'.", null) : (NotificationStatus.Pending, null, recipient.Email),
            NotificationAddressKind.Phone => recipient.Phone is null ? (NotificationStatus.Failed, $"{recipient.Describe} has no phone number for channel '{channel.Name}'.", null) : (NotificationStatus.Pending, null, recipient.Phone),
            _ => (NotificationStatus.Pending, (string?)null, recipient.Id),
        };

        var now = context.Now;
        var id = Guid.CreateVersion7();
        await c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO work_notifications (tenant_id, id, idempotency_key, recipient_kind, recipient_id, channel, address, subject, body, record_id, status, attempts, last_error, next_attempt_at, created_at) " +
            "VALUES (@tenant, @id, @key, @kind, @recipientId, @channel, @address, @subject, @body, @recordId, @status, 0, @error, @next, @at)",
            new
            {
                tenant = context.TenantId,
                id = context.Id(id),
                key = notification.IdempotencyKey,
                kind = notification.Recipient.Kind.ToString().ToLowerInvariant(),
                recipientId = notification.Recipient.Id is { } r ? context.Id(r) : null,
                channel = channel.Name,
                address,
                subject,
                body,
                recordId = notification.RecordId is { } rec ? context.Id(rec) : null,
                status = status.ToString().ToLowerInvariant(),
                error,
                next = status == NotificationStatus.Pending ? WorkContext.Time(now) : null,
                at = WorkContext.Time(now),
            }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new NotificationState(id, notification.IdempotencyKey, channel.Name, address, subject, body, status, 0, error, status == NotificationStatus.Pending ? now : null, null);
    }

    private static void Check(Notification notification)
    {
        var errors = new List<CrmValidationError>();
        if (string.IsNullOrWhiteSpace(notification.IdempotencyKey))
        {
            errors.Add(new CrmValidationError("notification", "idempotencyKey", null, "required", "a notification needs an idempotency key (e.g. 'case:{id}:created:{userId}')."));
        }

        if (string.IsNullOrWhiteSpace(notification.Channel))
        {
            errors.Add(new CrmValidationError("notification", "channel", null, "required", "a notification needs a channel name or 'preferred'."));
        }

        if (notification.TemplateKey is null && notification.Body is null)
        {
            errors.Add(new CrmValidationError("notification", "body", null, "required", "a notification needs a template key or a body."));
        }

        if (notification.Recipient.Kind == NotificationRecipientKind.Address ? string.IsNullOrWhiteSpace(notification.Recipient.Address) : notification.Recipient.Id is null)
        {
            errors.Add(new CrmValidationError("notification", "recipient", null, "required", "a notification recipient needs a user or contact id, or an address."));
        }

        if (errors.Count > 0)
        {
            throw new CrmValidationException(errors);
        }
    }

    private async Task<NotificationState?> FindAsync(DbConnection c, DbTransaction? tx, string key, Guid? ownOnly, CancellationToken cancellationToken) =>
        (await c.QuerySingleOrDefaultAsync<NotificationRow>(new CommandDefinition(
            $"SELECT {Columns} FROM work_notifications WHERE tenant_id = @tenant AND idempotency_key = @key {OwnFilter}",
            new { tenant = context.TenantId, key, me = ownOnly is { } u ? context.Id(u) : null }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false))?.ToState();

    private async Task EnsureUserAsync(DbConnection c, DbTransaction? tx, Guid userId, CancellationToken cancellationToken)
    {
        var found = await c.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM users WHERE tenant_id = @tenant AND id = @id", new { tenant = context.TenantId, id = context.Id(userId) }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (found == 0)
        {
            throw new CrmValidationException(new CrmValidationError("user", "id", userId, "not_found", $"no user with id {userId} exists in this tenant."));
        }
    }

    private async Task<ResolvedRecipient> ResolveRecipientAsync(DbConnection c, DbTransaction? tx, NotificationRecipient recipient, CancellationToken cancellationToken)
    {
        switch (recipient.Kind)
        {
            case NotificationRecipientKind.User:
            {
                var id = recipient.Id!.Value;
                var user = await c.QuerySingleOrDefaultAsync<(string UserName, string? Email, string? Phone, long? DoNotEmail, long? DoNotCall, string? Preferred)>(new CommandDefinition(
                    "SELECT u.user_name, u.email, u.phone, p.do_not_email, p.do_not_call, p.preferred_channel FROM users u " +
                    "LEFT JOIN work_user_preferences p ON p.tenant_id = u.tenant_id AND p.user_id = u.id WHERE u.tenant_id = @tenant AND u.id = @id",
                    new { tenant = context.TenantId, id = context.Id(id) }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
                if (user.UserName is null)
                {
                    throw new CrmValidationException(new CrmValidationError("user", "id", id, "not_found", $"no user with id {id} exists in this tenant."));
                }

                return new ResolvedRecipient($"user '{user.UserName}'", id.ToString(), user.Email, user.Phone, user.DoNotEmail is 1, user.DoNotCall is 1, user.Preferred);
            }

            case NotificationRecipientKind.Contact:
            {
                var id = recipient.Id!.Value;
                var json = await c.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
                    "SELECT fields FROM records WHERE tenant_id = @tenant AND id = @id AND entity_type = @type",
                    new { tenant = context.TenantId, id = context.Id(id), type = CoreEntities.Contact }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false)
                    ?? throw new CrmNotFoundException(CoreEntities.Contact, id);
                using var doc = JsonDocument.Parse(json);
                var f = doc.RootElement;
                return new ResolvedRecipient(
                    $"contact {id}", id.ToString(), Text(f, ContactFields.Email), Text(f, ContactFields.MobilePhone) ?? Text(f, ContactFields.Phone),
                    Flag(f, ContactFields.DoNotEmail), Flag(f, ContactFields.DoNotCall), Text(f, ContactFields.PreferredChannel));
            }

            default:
                var address = recipient.Address!.Trim();
                return new ResolvedRecipient($"address '{address}'", address, address, address, false, false, null);
        }
    }

    private static string? Text(JsonElement fields, string name) =>
        fields.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : null;

    private static bool Flag(JsonElement fields, string name) =>
        fields.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    private sealed record ResolvedRecipient(string Describe, string Id, string? Email, string? Phone, bool DoNotEmail, bool DoNotCall, string? PreferredChannel);
}

/// <summary>A notification row as read by Dapper.</summary>
internal sealed class NotificationRow
{
    public object Id { get; set; } = string.Empty;

    public string IdempotencyKey { get; set; } = string.Empty;

    public string Channel { get; set; } = string.Empty;

    public string? Address { get; set; }

    public string? Subject { get; set; }

    public string Body { get; set; } = string.Empty;

    public string Status { get; set; } = string.Empty;

    public long Attempts { get; set; }

    public string? LastError { get; set; }

    public object? NextAttemptAt { get; set; }

    public object? SentAt { get; set; }

    /// <summary>The record the notification is about, when the query selects it (the dispatcher does).</summary>
    public object? RecordId { get; set; }

    public NotificationState ToState() => new(
        DbValues.ToGuid(Id), IdempotencyKey, Channel, Address, Subject, Body, Enum.Parse<NotificationStatus>(Status, ignoreCase: true), (int)Attempts, LastError,
        NextAttemptAt is null or DBNull ? null : DbValues.ToTime(NextAttemptAt), SentAt is null or DBNull ? null : DbValues.ToTime(SentAt));
}
