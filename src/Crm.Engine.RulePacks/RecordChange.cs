using Crm.Engine.Abstractions.Records;

namespace Crm.Engine.RulePacks;

/// <summary>
/// A record together with the change that brings it into an evaluation: it was just created, or it was updated (with
/// its values before and the fields that changed). Give it to an evaluation instead of the bare record (as a fact to
/// <see cref="RuleBases.IRuleBaseService.EvaluateAsync"/> or <see cref="RuleBases.IRuleBaseSession.Insert"/>): the record
/// is the fact rules match, and the pack functions <c>isNew</c>, <c>isUpdated</c>, <c>changed</c> and
/// <c>previous</c> read the change. The engine does this itself when a record is created or changed.
/// </summary>
/// <param name="Record">The record as it is now (the fact).</param>
/// <param name="Before">The record before the change; <see langword="null"/> when it was created.</param>
/// <param name="ChangedFields">The API names of the fields the change set (for an update: those whose value changed).</param>
public sealed record RecordChange(CrmRecord Record, CrmRecord? Before, IReadOnlyCollection<string> ChangedFields)
{
    /// <summary>Whether the record was created (not updated).</summary>
    public bool IsCreated => Before is null;

    /// <summary>A record that was just created.</summary>
    /// <param name="record">The record.</param>
    /// <returns>The change.</returns>
    public static RecordChange Created(CrmRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new RecordChange(record, null, [.. record.Values.Where(v => v.Value is not null).Select(v => v.Key)]);
    }

    /// <summary>A record that was just updated.</summary>
    /// <param name="before">The record before the change.</param>
    /// <param name="after">The record after the change.</param>
    /// <param name="changedFields">The fields whose value changed.</param>
    /// <returns>The change.</returns>
    public static RecordChange Updated(CrmRecord before, CrmRecord after, IReadOnlyCollection<string> changedFields)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        ArgumentNullException.ThrowIfNull(changedFields);
        return new RecordChange(after, before, changedFields);
    }
}
