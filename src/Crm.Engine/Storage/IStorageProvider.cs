using System.Data.Common;

namespace Crm.Engine.Storage;

/// <summary>
/// A storage provider (SQLite, PostgreSQL): opens connections and knows the SQL dialect. The core writes its SQL
/// once, against <see cref="ISqlDialect"/>; a provider supplies connections, the dialect and its migration scripts.
/// </summary>
public interface IStorageProvider
{
    /// <summary>The provider name, e.g. <c>sqlite</c>; selects migration scripts.</summary>
    string Name { get; }

    /// <summary>The SQL dialect.</summary>
    ISqlDialect Dialect { get; }

    /// <summary>Opens a connection, configured for the engine (pragmas, time-outs).</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>An open connection; the caller disposes it.</returns>
    Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Begins a transaction that will write (SQLite takes the write lock up front to avoid upgrade dead-locks).</summary>
    /// <param name="connection">An open connection from <see cref="OpenAsync"/>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The transaction.</returns>
    Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>Whether an exception is a unique-constraint violation.</summary>
    /// <param name="exception">The exception.</param>
    /// <returns><see langword="true"/> when it is.</returns>
    bool IsUniqueViolation(Exception exception);

    /// <summary>
    /// Whether an exception is a foreign-key violation: a write that refers to a row that is not there (a look-up to
    /// a record deleted in the same transaction). The engine then validates the values again, so the caller gets a
    /// validation error naming the field rather than the provider's exception.
    /// </summary>
    /// <param name="exception">The exception.</param>
    /// <returns><see langword="true"/> when it is.</returns>
    bool IsForeignKeyViolation(Exception exception);

    /// <summary>
    /// Called after a personal-data erasure has committed, so that no erased value survives in the store's files:
    /// a provider that keeps old row images outside the live tables (a write-ahead log, freed pages) overwrites or
    /// truncates them here. The SQLite provider zeroes freed content on every connection (<c>PRAGMA secure_delete</c>)
    /// and here checkpoints the write-ahead log into the database file and truncates it
    /// (<c>PRAGMA wal_checkpoint(TRUNCATE)</c>). Best effort: a reader holding an old snapshot may keep the log from
    /// being truncated until it finishes; the next checkpoint then completes the job. The default does nothing.
    /// </summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the files hold no freed content the provider can reach.</returns>
    Task CompactAfterErasureAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>The SQL that differs between providers. Everything else is written once in the core.</summary>
public interface ISqlDialect
{
    /// <summary>An expression reading a field from a JSON column as a scalar SQL value.</summary>
    /// <param name="column">The JSON column.</param>
    /// <param name="field">The field's API name (an identifier, validated by metadata).</param>
    /// <returns>The SQL expression.</returns>
    string JsonValue(string column, string field);

    /// <summary>A predicate that is true when the JSON array field contains the parameter's value.</summary>
    /// <param name="column">The JSON column.</param>
    /// <param name="field">The field's API name.</param>
    /// <param name="parameter">The parameter name, with its prefix.</param>
    /// <returns>The SQL predicate.</returns>
    string JsonArrayContains(string column, string field, string parameter);

    /// <summary>A case-insensitive LIKE predicate (the pattern escapes <c>%</c>, <c>_</c> and <c>\</c> with <c>\</c>).</summary>
    /// <param name="expression">The left operand.</param>
    /// <param name="parameter">The parameter holding the pattern.</param>
    /// <returns>The SQL predicate.</returns>
    string LikeInsensitive(string expression, string parameter);

    /// <summary>
    /// An expression folding the case of a text the way <see cref="LikeInsensitive"/> compares it, so that
    /// <c>Fold(a) = Fold(b)</c> matches what LIKE would (SQLite: <c>lower()</c>, ASCII letters only). Code that indexes
    /// results by folded text in memory must fold the same way (<see cref="FoldsAsciiOnly"/>).
    /// </summary>
    /// <param name="expression">The text expression or parameter.</param>
    /// <returns>The SQL expression.</returns>
    string CaseFold(string expression);

    /// <summary>Whether <see cref="CaseFold"/> folds ASCII letters only (SQLite) rather than all letters.</summary>
    bool FoldsAsciiOnly { get; }

    /// <summary>The statement that creates an index on a JSON field of the records table, if it does not exist.</summary>
    /// <param name="indexName">The index name (an identifier built from validated API names).</param>
    /// <param name="field">The field's API name.</param>
    /// <returns>The SQL statement.</returns>
    string CreateJsonFieldIndex(string indexName, string field);

    /// <summary>How an id is passed as a parameter.</summary>
    /// <param name="id">The id.</param>
    /// <returns>The parameter value.</returns>
    object IdParameter(Guid id);

    /// <summary>How an instant is passed as a parameter.</summary>
    /// <param name="instant">The instant.</param>
    /// <returns>The parameter value.</returns>
    object TimeParameter(DateTimeOffset instant);

    /// <summary>How a JSON document is passed as a parameter.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The parameter value.</returns>
    object JsonParameter(string json);
}
