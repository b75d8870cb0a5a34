namespace Crm.Engine.Abstractions.Work;

/// <summary>A named counter of a tenant (see <see cref="INumberSequences"/>).</summary>
/// <param name="Name">The sequence's name, e.g. <c>complaint-document</c>, or <c>case.number@2026</c> for an auto-number field.</param>
/// <param name="LastValue">The last value given; the next is one more (0 when numbering starts at 1).</param>
/// <param name="UpdatedAt">When the sequence last moved.</param>
public sealed record NumberSequence(string Name, long LastValue, DateTimeOffset UpdatedAt);

/// <summary>
/// The tenant's named counters: unique, increasing, gap-free numbers. Auto-number fields
/// (<see cref="Metadata.FieldDefinition.AutoNumber"/>) draw from them; modules draw their own (document numbers).
/// Reached through <see cref="ITenantWork.Numbers"/>; through <see cref="IWorkServices.ForContext"/> a number is drawn
/// in the running operation's transaction, so it is given back if that operation fails.
/// </summary>
public interface INumberSequences
{
    /// <summary>Draws the next number of a sequence (1 for a sequence never used).</summary>
    /// <param name="sequence">The sequence name: 1–200 characters, no control characters.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The number, unique within the sequence.</returns>
    /// <exception cref="Errors.CrmValidationException">The name is empty, too long or has control characters, or it is an
    /// auto-number field's sequence (only creating a record draws from those, so their numbers have no gaps).</exception>
    Task<long> NextAsync(string sequence, CancellationToken cancellationToken = default);

    /// <summary>
    /// Makes <paramref name="nextValue"/> the next number a sequence gives, e.g. to continue a legacy system's numbering.
    /// Needs the <see cref="Security.TenantPrivilege.Customize"/> privilege.
    /// </summary>
    /// <param name="sequence">The sequence name.</param>
    /// <param name="nextValue">The next number; at least 1 and above every number the sequence already gave.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the sequence is set.</returns>
    /// <exception cref="Errors.CrmValidationException">The number is not above the last one given (it would be given twice), or below 1.</exception>
    Task SetNextAsync(string sequence, long nextValue, CancellationToken cancellationToken = default);

    /// <summary>The tenant's sequences, by name.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>Every sequence that gave a number or was set.</returns>
    Task<IReadOnlyList<NumberSequence>> ListAsync(CancellationToken cancellationToken = default);
}
