namespace Crm.Engine.Abstractions.Import;

/// <summary>What an import does with each row: create records, update records found by key, or both.</summary>
public enum ImportMode
{
    /// <summary>Every row creates a record. With key fields, a row whose key matches an existing record is a row error.</summary>
    CreateOnly = 0,

    /// <summary>A row whose key matches an existing record updates it; any other row creates a record. Needs key fields.</summary>
    Upsert = 1,

    /// <summary>A row whose key matches an existing record updates it; a row whose key matches none is a row error. Needs key fields.</summary>
    UpdateOnly = 2,
}

/// <summary>What happens when the same key appears on more than one row of the file.</summary>
public enum DuplicateKeyHandling
{
    /// <summary>The first row with a key is imported; every later row with the same key is a row error naming the first line.</summary>
    Reject = 0,

    /// <summary>The first row with a key is imported; later rows with the same key are skipped and reported as warnings.</summary>
    FirstWins = 1,

    /// <summary>
    /// Rows are applied in file order, so the last row with a key wins: earlier rows of the same batch are skipped
    /// (reported as warnings), a later batch updates what an earlier one wrote. Not allowed with <see cref="ImportMode.CreateOnly"/>.
    /// </summary>
    LastWins = 2,
}

/// <summary>
/// How the columns of a CSV file become the fields of one entity type: column to field mapping, conversions, keys and
/// the import mode. Serialisable as JSON or YAML (see <c>docs/import.md</c>).
/// </summary>
public sealed record ImportMapping
{
    /// <summary>The error column added to a rejects file; a column of this name is never imported (so a fixed rejects file re-imports as is).</summary>
    public const string ErrorColumn = "_import_error";

    /// <summary>The entity type the rows become (API name), e.g. <c>contact</c>.</summary>
    public required string EntityType { get; init; }

    /// <summary>
    /// Explicit column-to-field mappings. Column names match headers case-, space-, <c>_</c>- and <c>-</c>-insensitively.
    /// One column may fill several fields (e.g. an external id as both the name and a key field); a field takes one column.
    /// </summary>
    public IReadOnlyList<ColumnMapping> Columns { get; init; } = [];

    /// <summary>Columns deliberately not imported (no warning is given for them).</summary>
    public IReadOnlyList<string> IgnoreColumns { get; init; } = [];

    /// <summary>
    /// Whether a column not named in <see cref="Columns"/> maps itself to the field whose API name or label equals its
    /// header (compared like column names). Default <see langword="true"/>.
    /// </summary>
    public bool AutoMap { get; init; } = true;

    /// <summary>
    /// A text field that keeps the values of columns that are neither mapped nor ignored, one <c>Header: value</c> line
    /// per non-blank value; <see langword="null"/> to leave them out (each such column is then reported as a warning).
    /// </summary>
    public string? UnmappedColumnsField { get; init; }

    /// <summary>The field or fields (API names) that identify a record, for upsert, update and duplicate detection.</summary>
    public IReadOnlyList<string> KeyFields { get; init; } = [];

    /// <summary>Create, upsert or update only. Default <see cref="ImportMode.CreateOnly"/>.</summary>
    public ImportMode Mode { get; init; } = ImportMode.CreateOnly;

    /// <summary>What to do when a key appears on more than one row of the file. Default <see cref="DuplicateKeyHandling.Reject"/>.</summary>
    public DuplicateKeyHandling DuplicateKeys { get; init; } = DuplicateKeyHandling.Reject;

    /// <summary>The field delimiter, or <see langword="null"/> to detect <c>,</c>, <c>;</c> or tab from the header line.</summary>
    public char? Delimiter { get; init; }

    /// <summary>
    /// The culture numbers (and, unless <see cref="DayFirst"/> is set, the day/month order of dates) are read with,
    /// e.g. <c>de-DE</c>; <see langword="null"/> for the invariant culture (<c>1234.5</c>, no assumed date order).
    /// </summary>
    public string? Culture { get; init; }

    /// <summary>
    /// The order of numeric dates such as <c>03/04/2024</c>: <see langword="true"/> day first, <see langword="false"/>
    /// month first, <see langword="null"/> to take it from <see cref="Culture"/>. With neither, a date whose day and
    /// month could be swapped is a row error: it is never guessed.
    /// </summary>
    public bool? DayFirst { get; init; }

    /// <summary>Date and date-time formats (.NET custom format strings, e.g. <c>dd.MM.yyyy</c>) tried before the built-in forms, for every date column.</summary>
    public IReadOnlyList<string> DateFormats { get; init; } = [];

    /// <summary>The IANA time zone of date-times written without an offset; <see langword="null"/> for the tenant's time zone.</summary>
    public string? TimeZone { get; init; }

    /// <summary>Whether leading and trailing white space is removed from every value. Default <see langword="true"/>.</summary>
    public bool Trim { get; init; } = true;

    /// <summary>
    /// Whether a blank cell on a row that updates a record clears the field (<see langword="true"/>) or leaves the stored
    /// value alone (<see langword="false"/>, the default). On a create a blank cell sets nothing.
    /// </summary>
    public bool BlankClearsOnUpdate { get; init; }
}

/// <summary>How one column becomes one field.</summary>
public sealed record ColumnMapping
{
    /// <summary>The column's header, matched case-, space-, <c>_</c>- and <c>-</c>-insensitively.</summary>
    public required string Column { get; init; }

    /// <summary>The field's API name.</summary>
    public required string Field { get; init; }

    /// <summary>
    /// Replacements applied to the (trimmed) cell before conversion, matched case-insensitively, e.g. <c>Pet Shop</c> →
    /// <c>pet_shop</c> for a choice field or <c>ja</c> → <c>true</c>; a replacement of <see langword="null"/> or empty makes the cell blank.
    /// </summary>
    public IReadOnlyDictionary<string, string?> ValueMap { get; init; } = new Dictionary<string, string?>();

    /// <summary>Date or date-time formats for this column, tried before <see cref="ImportMapping.DateFormats"/> and the built-in forms.</summary>
    public IReadOnlyList<string> Formats { get; init; } = [];

    /// <summary>The separator between the values of a multi-choice cell; default <c>;</c>.</summary>
    public string? Separator { get; init; }

    /// <summary>
    /// For a look-up field: the API name of a field of the look-up's target entity whose value the column holds, e.g.
    /// <c>accountNumber</c> or <c>name</c> for <c>contact.accountId</c>, so a parent is found by its business key
    /// instead of its record id. The cell is converted like a key of the target field (trimmed, in the mapping's
    /// culture) and matched exactly against the records the caller can read; a value that matches no record, or more
    /// than one, is a row error (a parent is never created). <see langword="null"/> (the default): the column holds
    /// record ids.
    /// </summary>
    public string? LookupBy { get; init; }

    /// <summary>
    /// With <see cref="LookupBy"/> on a text field: match the column's values ignoring case (<c>ACME corp</c> finds the
    /// account named <c>Acme Corp</c>; ASCII letters on SQLite, every letter for e-mail fields). A value whose case
    /// matches exactly one record still takes that record; several records that differ only in case make the value
    /// ambiguous. Default <see langword="false"/>: exact match.
    /// </summary>
    public bool LookupIgnoreCase { get; init; }
}
