using System.Text;

namespace Crm.Engine.Abstractions.Import;

/// <summary>Run-time settings of one import.</summary>
public sealed record ImportOptions
{
    /// <summary>The default number of rows written per transaction.</summary>
    public const int DefaultBatchSize = 1000;

    /// <summary>
    /// The name the audit trail records as the source of every change (e.g. the file name); <see langword="null"/> for <c>import</c>.
    /// </summary>
    public string? SourceName { get; init; }

    /// <summary>Validate every row as a real import would (including handlers and key look-ups), report, and write nothing.</summary>
    public bool DryRun { get; init; }

    /// <summary>Rows written per transaction (1 to 100,000). Default <see cref="DefaultBatchSize"/>.</summary>
    public int BatchSize { get; init; } = DefaultBatchSize;

    /// <summary>Stop after this many failed rows (rows already written stay); <see langword="null"/> for no limit. Default 1000.</summary>
    public int? MaxErrors { get; init; } = 1000;

    /// <summary>The encoding of a <see cref="Stream"/> input when it has no byte-order mark; default UTF-8. Bytes that are not valid in it stop the import.</summary>
    public Encoding? Encoding { get; init; }

    /// <summary>
    /// Where rejected rows are written as CSV: the original header and rows plus an <see cref="ImportMapping.ErrorColumn"/>
    /// column, so they can be fixed and imported again; <see langword="null"/> for none. Not closed by the import.
    /// </summary>
    public TextWriter? Rejects { get; init; }

    /// <summary>The most warnings kept in the report (the count goes on). Default 1000.</summary>
    public int MaxWarnings { get; init; } = 1000;
}

/// <summary>
/// Streaming CSV import into one entity type. Rows are read, converted by the mapping and the field metadata, and
/// written in batches through the record pipeline, so access control, validation, handlers and the audit trail apply as
/// to any write; the audit records <see cref="Tenancy.OperationSource.Import"/> with the options' source name.
/// </summary>
public interface IImportService
{
    /// <summary>Imports CSV from a stream (decoded by <see cref="ImportOptions.Encoding"/>, a byte-order mark wins).</summary>
    /// <param name="csv">The CSV bytes; read once, never loaded whole; not closed.</param>
    /// <param name="mapping">How columns become fields.</param>
    /// <param name="options">Run-time settings, or <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Cancels the import; batches already committed stay.</param>
    /// <returns>What happened to every row.</returns>
    /// <exception cref="Errors.CrmValidationException">The mapping does not fit the file or the metadata (nothing was written).</exception>
    /// <exception cref="Errors.CrmAccessDeniedException">The caller may not create (or, for <see cref="ImportMode.UpdateOnly"/>, write) records of the type.</exception>
    Task<ImportReport> ImportAsync(Stream csv, ImportMapping mapping, ImportOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Imports CSV from text.</summary>
    /// <param name="csv">The CSV text; read once, never loaded whole; not closed.</param>
    /// <param name="mapping">How columns become fields.</param>
    /// <param name="options">Run-time settings, or <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Cancels the import; batches already committed stay.</param>
    /// <returns>What happened to every row.</returns>
    /// <exception cref="Errors.CrmValidationException">The mapping does not fit the file or the metadata (nothing was written).</exception>
    /// <exception cref="Errors.CrmAccessDeniedException">The caller may not create (or, for <see cref="ImportMode.UpdateOnly"/>, write) records of the type.</exception>
    Task<ImportReport> ImportTextAsync(TextReader csv, ImportMapping mapping, ImportOptions? options = null, CancellationToken cancellationToken = default);
}

/// <summary>What an import did.</summary>
public sealed record ImportReport
{
    /// <summary>The entity type imported into.</summary>
    public required string EntityType { get; init; }

    /// <summary>The source name recorded in the audit trail.</summary>
    public required string SourceName { get; init; }

    /// <summary>Whether this was a dry run (nothing was written).</summary>
    public bool DryRun { get; init; }

    /// <summary>The delimiter used (given or detected).</summary>
    public char Delimiter { get; init; }

    /// <summary>Data rows read (the header and blank lines are not rows).</summary>
    public long RowsRead { get; init; }

    /// <summary>Records created (in a dry run: that would have been created).</summary>
    public long Created { get; init; }

    /// <summary>Records updated (in a dry run: that would have been updated).</summary>
    public long Updated { get; init; }

    /// <summary>Rows whose key matched a record that already held every value: nothing was written.</summary>
    public long Unchanged { get; init; }

    /// <summary>Rows skipped on purpose (a duplicate key under first-wins or last-wins); each has a warning.</summary>
    public long Skipped { get; init; }

    /// <summary>Rows that failed; each has at least one entry in <see cref="Errors"/> and a line in the rejects file.</summary>
    public long Failed { get; init; }

    /// <summary>Blank lines skipped.</summary>
    public long BlankLines { get; init; }

    /// <summary>Every problem of every failed row (a row may have several), in file order.</summary>
    public IReadOnlyList<ImportRowError> Errors { get; init; } = [];

    /// <summary>Things the user should know that did not fail a row: unmapped columns, skipped duplicates; at most <see cref="ImportOptions.MaxWarnings"/>.</summary>
    public IReadOnlyList<ImportWarning> Warnings { get; init; } = [];

    /// <summary>How many warnings there were (also those not kept in <see cref="Warnings"/>).</summary>
    public long WarningCount { get; init; }

    /// <summary>How the columns were used, in file order.</summary>
    public IReadOnlyList<ImportColumn> Columns { get; init; } = [];

    /// <summary>Whether the import stopped before the end of the file (see <see cref="StopReason"/>); rows after it were not read.</summary>
    public bool Stopped { get; init; }

    /// <summary>Why the import stopped early, with the last line read; <see langword="null"/> when it read the whole file.</summary>
    public string? StopReason { get; init; }

    /// <summary>How long the import took.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>Whether every row read was imported, skipped on purpose or unchanged, and the import read the whole file.</summary>
    public bool Succeeded => Failed == 0 && !Stopped;
}

/// <summary>One problem of one failed row.</summary>
/// <param name="Line">The physical line of the CSV where the row starts (1-based; the header is line 1).</param>
/// <param name="Column">The column at fault (its header), or <see langword="null"/> when the problem concerns the whole row.</param>
/// <param name="Field">The field at fault (API name), or <see langword="null"/>.</param>
/// <param name="Value">The offending value as it was in the file, or <see langword="null"/>.</param>
/// <param name="Rule">What was broken, e.g. <c>type</c>, <c>ambiguous_date</c>, <c>required</c>, <c>blank_key</c>, <c>duplicate_key</c>, <c>csv</c>, <c>access_denied</c>, <c>storage</c>.</param>
/// <param name="Message">What was wrong and how to fix it.</param>
public sealed record ImportRowError(long Line, string? Column, string? Field, string? Value, string Rule, string Message)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"line {Line}{(Column is null ? string.Empty : $", column '{Column}'")}{(Field is null ? string.Empty : $" ({Field})")}{(Value is null ? string.Empty : $", value '{Value}'")}: {Message}";
}

/// <summary>Something the user should know that did not fail a row.</summary>
/// <param name="Line">The line concerned, or <see langword="null"/> for the whole file (e.g. an unmapped column).</param>
/// <param name="Column">The column concerned, or <see langword="null"/>.</param>
/// <param name="Message">What happened.</param>
public sealed record ImportWarning(long? Line, string? Column, string Message)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"{(Line is null ? string.Empty : $"line {Line}: ")}{(Column is null ? string.Empty : $"column '{Column}': ")}{Message}";
}

/// <summary>How one column of the file was used.</summary>
/// <param name="Index">The column's position (0-based).</param>
/// <param name="Header">The header as in the file.</param>
/// <param name="Field">The field it was imported into (several are separated by <c>, </c>), or <see langword="null"/>.</param>
/// <param name="Usage">Mapped, auto-mapped, ignored, kept in the unmapped-columns field, or not imported.</param>
public sealed record ImportColumn(int Index, string Header, string? Field, ImportColumnUsage Usage);

/// <summary>How a column was used.</summary>
public enum ImportColumnUsage
{
    /// <summary>Imported into the field named in the mapping.</summary>
    Mapped = 0,

    /// <summary>Imported into the field whose API name or label matches the header.</summary>
    AutoMapped = 1,

    /// <summary>Ignored as the mapping says.</summary>
    Ignored = 2,

    /// <summary>Kept in <see cref="ImportMapping.UnmappedColumnsField"/>.</summary>
    KeptInUnmappedField = 3,

    /// <summary>Not imported (and reported as a warning).</summary>
    NotImported = 4,
}
