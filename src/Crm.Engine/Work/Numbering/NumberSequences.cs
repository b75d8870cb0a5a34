using System.Data.Common;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Security;
using Crm.Engine.Abstractions.Work;
using Crm.Engine.Records;
using Crm.Engine.Storage;
using Dapper;

namespace Crm.Engine.Work.Numbering;

/// <summary>
/// The <c>number_sequences</c> table: a number is drawn in the writing transaction, so a write that rolls back gives
/// it back (no gaps), and writers are serialised by the store's write lock (no duplicates, also across processes).
/// </summary>
internal static class NumberSequenceStore
{
    public const int MaxNameLength = 200;

    private const string DrawSql =
        "INSERT INTO number_sequences (tenant_id, name, last_value, updated_at) VALUES (@tenant, @name, 1, @at) " +
        "ON CONFLICT (tenant_id, name) DO UPDATE SET last_value = number_sequences.last_value + 1, updated_at = excluded.updated_at " +
        "RETURNING last_value";

    private static readonly string[] DrawParameters = ["@tenant", "@name", "@at"];

    /// <summary>Draws the next number of a sequence with the transaction's prepared statement.</summary>
    public static async Task<long> DrawAsync(WriteBatch batch, string tenantId, string name, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var command = batch.Command("number-draw", DrawSql, DrawParameters);
        command.Parameters[0].Value = tenantId;
        command.Parameters[1].Value = name;
        command.Parameters[2].Value = batch.Time(now);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static Task<long?> LastAsync(DbConnection connection, DbTransaction? transaction, string tenantId, string name, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(
            "SELECT last_value FROM number_sequences WHERE tenant_id = @tenant AND name = @name",
            new { tenant = tenantId, name }, transaction, cancellationToken: cancellationToken));

    /// <summary>The error for a sequence name that cannot be used, or null.</summary>
    public static CrmValidationError? CheckName(string? name) =>
        string.IsNullOrWhiteSpace(name) || name.Length > MaxNameLength || name.Any(char.IsControl)
            ? new CrmValidationError("number_sequence", "name", name, "sequence_name", $"a sequence name must be 1–{MaxNameLength} characters without control characters; got '{name}'.")
            : null;

    /// <summary>The tenant's time zone (auto-number dates are local dates), read once per transaction.</summary>
    public static async Task<TimeZoneInfo> TimeZoneAsync(WriteBatch batch, string tenantId, CancellationToken cancellationToken)
    {
        if (batch.TenantTimeZone is { } known)
        {
            return known;
        }

        var id = await Tenancy.TenantAdministration.TimeZoneIdAsync(batch.Connection, batch.Transaction, tenantId, cancellationToken).ConfigureAwait(false);
        // The tenant's settings were checked when saved; a zone the machine lacks falls back to UTC rather than refusing records.
        var zone = id is not null && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var found) ? found : TimeZoneInfo.Utc;
        batch.TenantTimeZone = zone;
        return zone;
    }
}

/// <summary>Gives auto-number fields their values on create (see <see cref="FieldDefinition.AutoNumber"/>).</summary>
internal static class AutoNumbers
{
    /// <summary>
    /// Fills every auto-number field the values leave empty with the next number of its sequence
    /// (<c>{entity}.{field}</c>, plus <c>@</c> and the date part for formats with date tokens).
    /// </summary>
    public static async Task AssignAsync(WriteBatch batch, string tenantId, TenantEntity entity, AutoNumberField[] fields, Dictionary<string, object?> target, DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var (field, format) in fields)
        {
            if (target.TryGetValue(field.ApiName, out var given) && given is not null && !(given is string s && s.Length == 0))
            {
                continue;
            }

            var local = format.HasDate ? TimeZoneInfo.ConvertTime(now, await NumberSequenceStore.TimeZoneAsync(batch, tenantId, cancellationToken).ConfigureAwait(false)).DateTime : default;
            var name = SequenceName(entity.ApiName, field.ApiName, format.HasDate ? format.Period(local) : string.Empty);
            var number = await NumberSequenceStore.DrawAsync(batch, tenantId, name, now, cancellationToken).ConfigureAwait(false);
            target[field.ApiName] = format.Render(number, local);
        }
    }

    public static string SequenceName(string entityType, string field, string period) =>
        period.Length == 0 ? $"{entityType}.{field}" : $"{entityType}.{field}@{period}";
}

/// <summary>An auto-number field of an entity and its parsed format.</summary>
/// <param name="Field">The field.</param>
/// <param name="Format">Its format.</param>
internal sealed record AutoNumberField(TenantField Field, AutoNumberFormat Format);

/// <summary>One tenant's named counters.</summary>
internal sealed class NumberSequences(WorkContext context) : INumberSequences
{
    public Task<long> NextAsync(string sequence, CancellationToken cancellationToken = default)
    {
        ThrowIfBadName(sequence);
        return context.WriteAsync(scope =>
        {
            // An auto-number field's sequence is drawn only by creating a record, so its numbers have no gaps.
            var (entityType, field) = FieldOf(sequence);
            if (scope.Metadata.FindField(entityType, field) is { Definition.AutoNumber: not null })
            {
                throw new CrmValidationException(new CrmValidationError("number_sequence", "name", sequence, "sequence_name",
                    $"'{sequence}' is the sequence of the auto-number field {entityType}.{field}: only creating a {entityType} draws from it, so its numbers have no gaps (SetNextAsync moves it)."));
            }

            return NumberSequenceStore.DrawAsync(scope.Batch, context.TenantId, sequence, context.Now, cancellationToken);
        }, cancellationToken);
    }

    // "case.number@2026" -> ("case", "number"); a name that is no field's sequence gives names no entity has.
    private static (string EntityType, string Field) FieldOf(string sequence)
    {
        var name = sequence.Split('@')[0];
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? (string.Empty, string.Empty) : (name[..dot], name[(dot + 1)..]);
    }

    public Task SetNextAsync(string sequence, long nextValue, CancellationToken cancellationToken = default)
    {
        ThrowIfBadName(sequence);
        return context.WriteAsync<bool>(async scope =>
        {
            context.AccessOf(scope).Require(TenantPrivilege.Customize, "setting a number sequence");
            var last = await NumberSequenceStore.LastAsync(scope.Connection, scope.Transaction, context.TenantId, sequence, cancellationToken).ConfigureAwait(false);
            if (nextValue < 1 || nextValue <= last)
            {
                throw new CrmValidationException(new CrmValidationError("number_sequence", "next", nextValue, "sequence_back",
                    nextValue < 1
                        ? $"sequence '{sequence}': the next number must be at least 1."
                        : $"sequence '{sequence}' already gave {last}; the next number must be above it, or numbers would be given twice."));
            }

            await scope.Connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO number_sequences (tenant_id, name, last_value, updated_at) VALUES (@tenant, @name, @last, @at) " +
                "ON CONFLICT (tenant_id, name) DO UPDATE SET last_value = excluded.last_value, updated_at = excluded.updated_at",
                new { tenant = context.TenantId, name = sequence, last = nextValue - 1, at = WorkContext.Time(context.Now) }, scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<NumberSequence>> ListAsync(CancellationToken cancellationToken = default) =>
        context.ReadAsync<IReadOnlyList<NumberSequence>>(async (connection, transaction) =>
        {
            // The counters tell how many records of each type exist, readable or not.
            (await context.AccessAsync(connection, transaction, cancellationToken).ConfigureAwait(false)).Require(TenantPrivilege.Customize, "listing the number sequences");
            var rows = await connection.QueryAsync<(string Name, long LastValue, object UpdatedAt)>(new CommandDefinition(
                "SELECT name, last_value, updated_at FROM number_sequences WHERE tenant_id = @tenant ORDER BY name",
                new { tenant = context.TenantId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return [.. rows.Select(r => new NumberSequence(r.Name, r.LastValue, DbValues.ToTime(r.UpdatedAt)))];
        }, cancellationToken);

    private static void ThrowIfBadName(string sequence)
    {
        if (NumberSequenceStore.CheckName(sequence) is { } error)
        {
            throw new CrmValidationException(error);
        }
    }
}
