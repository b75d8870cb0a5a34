using System.Data.Common;
using Crm.Engine.Storage;
using Microsoft.Data.Sqlite;

namespace Crm.Engine.Data.Sqlite;

/// <summary>
/// Embedded SQLite: every connection enables foreign keys, a busy time-out and <c>secure_delete</c> (deleted and
/// overwritten content is zeroed in the file, so an erased personal value does not linger in free space); the
/// database runs in WAL mode (readers never block the one writer). Write transactions are IMMEDIATE, so two writers
/// queue on the busy time-out instead of dead-locking when both try to upgrade a read lock.
/// </summary>
internal sealed class SqliteStorageProvider : IStorageProvider
{
    private readonly string _connectionString;
    private int _walEnabled;

    public SqliteStorageProvider(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (builder.DefaultTimeout < 30)
        {
            builder.DefaultTimeout = 30;
        }

        builder.ForeignKeys = true;
        builder.Pooling = true;
        _connectionString = builder.ToString();
        DataSource = builder.DataSource;
    }

    public string Name => Abstractions.Storage.StorageProviders.Sqlite;

    public string DataSource { get; }

    public ISqlDialect Dialect { get; } = new SqliteDialect();

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.CommandText = Interlocked.Exchange(ref _walEnabled, 1) == 0
                ? "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 30000; PRAGMA secure_delete = ON;"
                : "PRAGMA busy_timeout = 30000; PRAGMA secure_delete = ON;";
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return await ((SqliteConnection)connection).BeginTransactionAsync(System.Data.IsolationLevel.Serializable, cancellationToken).ConfigureAwait(false);
    }

    public bool IsUniqueViolation(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: 19, SqliteExtendedErrorCode: 1555 or 2067 };

    // SQLITE_CONSTRAINT_FOREIGNKEY: the statement failed and was undone; the transaction goes on.
    public bool IsForeignKeyViolation(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: 19, SqliteExtendedErrorCode: 787 };

    /// <summary>
    /// Copies the write-ahead log into the database file and truncates it to zero bytes, so the old page images it
    /// held (with values since erased) are gone from disk; freed space in the database file itself is already zeroed
    /// by <c>secure_delete</c>. Waits for readers on the busy time-out; a reader still holding an old snapshot after
    /// that leaves the log in place until a later checkpoint.
    /// </summary>
    public async Task CompactAfterErasureAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            // One row: busy flag, log frames, frames checkpointed; nothing to act on (see the summary).
        }
    }
}

/// <summary>SQLite's JSON1 functions and text forms of ids and instants.</summary>
internal sealed class SqliteDialect : ISqlDialect
{
    public string JsonValue(string column, string field) => $"json_extract({column}, '$.{field}')";

    public string JsonArrayContains(string column, string field, string parameter) =>
        $"EXISTS (SELECT 1 FROM json_each({column}, '$.{field}') WHERE json_each.value = {parameter})";

    public string LikeInsensitive(string expression, string parameter) => $"{expression} LIKE {parameter} ESCAPE '\\'";

    // SQLite's built-in lower() folds ASCII letters only, as its LIKE does.
    public string CaseFold(string expression) => $"lower({expression})";

    public bool FoldsAsciiOnly => true;

    // The id ends the key: every query orders by it last, so an equality filter on the field reads rows in page order
    // from this index instead of SQLite preferring ix_records_type to avoid the sort.
    public string CreateJsonFieldIndex(string indexName, string field) =>
        $"CREATE INDEX IF NOT EXISTS {indexName} ON records (tenant_id, entity_type, json_extract(fields, '$.{field}'), id)";

    public object IdParameter(Guid id) => id.ToString("D");

    public object TimeParameter(DateTimeOffset instant) => DbValues.FormatTime(instant);

    public object JsonParameter(string json) => json;
}
