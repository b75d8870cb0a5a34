using System.Diagnostics;
using System.Globalization;
using System.Text;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Import;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Security;
using Crm.Engine.Abstractions.Tenancy;
using Crm.Engine.Pipeline;
using Crm.Engine.Records;
using Crm.Engine.Security;
using Crm.Engine.Tenancy;

namespace Crm.Engine.Import;

/// <summary>
/// The streaming CSV import: reads one row at a time, converts it by the <see cref="ImportPlan"/>, and writes rows in
/// batches, each batch one transaction in which every row is its own savepoint (a bad row never takes the good rows
/// of its batch with it). Memory holds one batch, whatever the size of the file.
/// </summary>
internal sealed class ImportService(EngineRuntime runtime, PipelineRunner pipeline, RecordStore store, CallerContext caller) : IImportService
{
    /// <summary>What bytes that are not valid in the file's encoding are decoded as.</summary>
    private const char InvalidText = '\uFFFD';

    public async Task<ImportReport> ImportAsync(Stream csv, ImportMapping mapping, ImportOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(csv);
        // Bytes that are not valid in the encoding become U+FFFD, and a row holding one fails (never a silent '?').
        var encoding = (Encoding)(options?.Encoding ?? new UTF8Encoding(false)).Clone();
        encoding.DecoderFallback = new DecoderReplacementFallback(InvalidText.ToString());
        using var reader = new StreamReader(csv, encoding, detectEncodingFromByteOrderMarks: true, bufferSize: 64 * 1024, leaveOpen: true);
        return await ImportTextAsync(reader, mapping, options, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ImportReport> ImportTextAsync(TextReader csv, ImportMapping mapping, ImportOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(csv);
        ArgumentNullException.ThrowIfNull(mapping);
        options ??= new ImportOptions();
        CheckOptions(mapping, options);
        var stopwatch = Stopwatch.StartNew();
        var importCaller = caller with { Source = OperationSource.Import, SourceName = string.IsNullOrWhiteSpace(options.SourceName) ? "import" : options.SourceName };
        var records = new RecordService(runtime, pipeline, store, importCaller);

        var (entity, timeZone, metadata) = await PrepareAsync(importCaller, mapping, cancellationToken).ConfigureAwait(false);
        var reader = new CsvReader(csv);
        if (await reader.DetectDelimiterAsync(mapping.Delimiter, cancellationToken).ConfigureAwait(false) is { } delimiterError)
        {
            throw new CrmValidationException(new CrmValidationError(entity.ApiName, "delimiter", null, "mapping", delimiterError));
        }

        var header = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (header is null || header.IsBlank)
        {
            throw new CrmValidationException(new CrmValidationError(entity.ApiName, "header", null, "mapping", "the file has no header line: its first line must name the columns."));
        }

        if (header.Error is not null)
        {
            throw new CrmValidationException(new CrmValidationError(entity.ApiName, "header", null, "mapping", "the header line cannot be read: " + header.Error));
        }

        var plan = ImportPlan.Build(mapping, entity, header.Fields, timeZone, type => metadata.FindFields(type) is null ? null : metadata.GetEntity(type));
        var run = new Run(records, plan, mapping, options, reader.Delimiter, importCaller.SourceName!, runtime.Storage.Dialect.FoldsAsciiOnly);
        foreach (var warning in plan.Warnings)
        {
            run.Warn(null, null, warning);
        }

        if (options.Rejects is { } rejects)
        {
            CsvText.WriteRow(rejects, plan.ErrorColumn >= 0 ? header.Fields : [.. header.Fields, ImportMapping.ErrorColumn], reader.Delimiter);
        }

        await run.ExecuteAsync(reader, cancellationToken).ConfigureAwait(false);
        if (options.Rejects is { } written)
        {
            await written.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        return run.Report(stopwatch.Elapsed);
    }

    private static void CheckOptions(ImportMapping mapping, ImportOptions options)
    {
        var errors = new List<CrmValidationError>();
        if (options.BatchSize is < 1 or > 100_000)
        {
            errors.Add(new CrmValidationError(mapping.EntityType, "batchSize", options.BatchSize, "range", "the batch size must be between 1 and 100,000 rows."));
        }

        if (options.MaxErrors is < 0)
        {
            errors.Add(new CrmValidationError(mapping.EntityType, "maxErrors", options.MaxErrors, "range", "the maximum number of errors cannot be negative."));
        }

        if (mapping.Delimiter is '"' or '\r' or '\n')
        {
            errors.Add(new CrmValidationError(mapping.EntityType, "delimiter", mapping.Delimiter, "mapping", "the delimiter cannot be a quote or a line break."));
        }

        if (errors.Count > 0)
        {
            throw new CrmValidationException(errors);
        }
    }

    /// <summary>Reads the entity's metadata and the tenant's time zone, and refuses a caller who may not create (or write) any record of the type.</summary>
    private async Task<(TenantEntity Entity, TimeZoneInfo TimeZone, Metadata.TenantMetadata Metadata)> PrepareAsync(CallerContext importCaller, ImportMapping mapping, CancellationToken cancellationToken)
    {
        await runtime.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        var tenant = await new TenantAdministration(runtime).GetAsync(importCaller.TenantId, cancellationToken).ConfigureAwait(false)
            ?? throw new CrmTenantNotFoundException(importCaller.TenantId);
        await using var connection = await runtime.Storage.OpenAsync(cancellationToken).ConfigureAwait(false);
        var metadata = await runtime.Metadata.GetAsync(connection, null, importCaller.TenantId, cancellationToken).ConfigureAwait(false);
        var entity = metadata.GetEntity(mapping.EntityType);
        var access = await AccessProfile.ForAsync(importCaller, connection, null, runtime.Storage.Dialect, cancellationToken).ConfigureAwait(false);
        var needed = mapping.Mode == ImportMode.UpdateOnly ? RecordPrivilege.Write : RecordPrivilege.Create;
        if (!access.IsSystem && mapping.Mode != ImportMode.UpdateOnly && access.Depth(entity.ApiName, needed) == AccessDepth.None)
        {
            throw new CrmAccessDeniedException($"importing into {entity.ApiName} creates records, which needs the Create privilege on {entity.ApiName}; none of your security roles gives it.", entity.ApiName);
        }

        TimeZoneInfo zone;
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(tenant.Settings.TimeZone);
        }
        catch (TimeZoneNotFoundException)
        {
            zone = TimeZoneInfo.Utc;
        }

        return (entity, zone, metadata);
    }

    /// <summary>A row failed on the fast path (no savepoints): the batch is rolled back and written again row by row.</summary>
    private sealed class RowFailedException(Exception inner) : Exception("a row of the batch failed", inner);

    /// <summary>A row read and converted, waiting for its batch.</summary>
    private sealed class PendingRow(CsvRow row, Dictionary<string, object?> values, string? key, Dictionary<string, object>? lookups)
    {
        public CsvRow Row { get; } = row;

        public Dictionary<string, object?> Values { get; } = values;

        public string? Key { get; } = key;

        /// <summary>
        /// The non-blank values of the look-ups imported by a field of their target, by look-up field (resolved to record
        /// ids when the batch is written; <see cref="Values"/> holds null for them until then).
        /// </summary>
        public Dictionary<string, object>? Lookups { get; } = lookups;

        /// <summary>Dropped before writing: a later row of the batch has the same key (last wins).</summary>
        public bool Superseded { get; set; }
    }

    /// <summary>One import run: counters, report lists, the batch, the rejects.</summary>
    private sealed class Run(RecordService records, ImportPlan plan, ImportMapping mapping, ImportOptions options, char delimiter, string sourceName, bool foldsAsciiOnly)
    {
        private readonly List<ImportRowError> _errors = [];
        private readonly List<ImportWarning> _warnings = [];
        private readonly List<PendingRow> _batch = new(Math.Min(options.BatchSize, 10_000));
        private readonly Dictionary<string, int> _batchKeys = new(StringComparer.Ordinal);

        // One id source for the whole import: the ids of the new records increase from batch to batch.
        private readonly BatchIds _ids = records.NewBatchIds();
        private readonly bool[] _emailKey = [.. plan.Keys.Select(k => plan.Entity.FindField(k.Field)?.Type == FieldType.Email)];

        // Keys seen in the file, with their first line: only kept when duplicates are rejected or the first wins.
        private readonly Dictionary<string, long>? _seenKeys = plan.Keys.Count > 0 && mapping.DuplicateKeys != DuplicateKeyHandling.LastWins ? new(StringComparer.Ordinal) : null;
        private long _rowsRead;
        private long _created;
        private long _updated;
        private long _unchanged;
        private long _skipped;
        private long _failed;
        private long _blank;
        private long _warningCount;
        private string? _stopReason;

        public void Warn(long? line, string? column, string message)
        {
            _warningCount++;
            if (_warnings.Count < options.MaxWarnings)
            {
                _warnings.Add(new ImportWarning(line, column, message));
            }
        }

        public ImportReport Report(TimeSpan elapsed) => new()
        {
            EntityType = plan.Entity.ApiName,
            SourceName = sourceName,
            DryRun = options.DryRun,
            Delimiter = delimiter,
            RowsRead = _rowsRead,
            Created = _created,
            Updated = _updated,
            Unchanged = _unchanged,
            Skipped = _skipped,
            Failed = _failed,
            BlankLines = _blank,
            Errors = _errors,
            Warnings = _warnings,
            WarningCount = _warningCount,
            Columns = plan.Columns,
            Stopped = _stopReason is not null,
            StopReason = _stopReason,
            Elapsed = elapsed,
        };

        public async Task ExecuteAsync(CsvReader reader, CancellationToken cancellationToken)
        {
            while (_stopReason is null)
            {
                CsvRow? row;
                try
                {
                    row = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (CsvFormatException ex)
                {
                    _stopReason = ex.Message;
                    break;
                }

                if (row is null)
                {
                    break;
                }

                if (row.IsBlank)
                {
                    _blank++;
                    continue;
                }

                _rowsRead++;
                if (Convert(row) is { } pending && Admit(pending) && _batch.Count >= options.BatchSize)
                {
                    await FlushAsync(cancellationToken).ConfigureAwait(false);
                }

                if (options.MaxErrors is { } max && _failed >= max && _stopReason is null)
                {
                    _stopReason = $"stopped after {_failed} failed rows (the maximum) at line {row.Line}; the rows after it were not read.";
                }
            }

            await FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Converts a row's cells; a row with any problem fails whole, with every problem reported.</summary>
        private PendingRow? Convert(CsvRow row)
        {
            var header = plan.Header;
            if (row.Error is not null)
            {
                Fail(row, [new ImportRowError(row.Line, null, null, null, "csv", row.Error)]);
                return null;
            }

            for (var i = 0; i < row.Fields.Length; i++)
            {
                if (row.Fields[i].Contains(InvalidText, StringComparison.Ordinal))
                {
                    Fail(row, [new ImportRowError(row.Line, i < header.Length ? header[i] : null, null, row.Fields[i], "encoding",
                        "the value holds bytes that are not valid in the file's encoding (shown as \uFFFD): give the file's encoding (e.g. windows-1252, latin1) or save it as UTF-8.")]);
                    return null;
                }
            }

            // Columns beyond the header are only tolerated when they are empty (a trailing delimiter).
            var count = row.Fields.Length;
            while (count > header.Length && row.Fields[count - 1].Length == 0)
            {
                count--;
            }

            if (count != header.Length)
            {
                Fail(row, [new ImportRowError(row.Line, null, null, null, "csv",
                    $"the row has {row.Fields.Length} values but the header has {header.Length} columns{(count > header.Length ? " (an unquoted delimiter inside a value? quote the value)" : string.Empty)}.")]);
                return null;
            }

            List<ImportRowError>? errors = null;
            Dictionary<string, object>? lookups = null;
            var values = new Dictionary<string, object?>(plan.ColumnOfField.Count + 1, StringComparer.Ordinal);
            for (var i = 0; i < header.Length; i++)
            {
                if (plan.Converters[i] is not { } converters)
                {
                    continue;
                }

                var cell = row.Fields[i];
                foreach (var converter in converters)
                {
                    if (converter.Convert(cell, out var value) is { } error)
                    {
                        (errors ??= []).Add(new ImportRowError(row.Line, header[i], converter.Field.ApiName, cell, error.Rule, error.Message));
                    }
                    else if (converter.LookupBy is not null)
                    {
                        // A business key of the parent: resolved to its record id per batch; blank stays blank.
                        values[converter.Field.ApiName] = null;
                        if (value is not null)
                        {
                            (lookups ??= new Dictionary<string, object>(StringComparer.Ordinal))[converter.Field.ApiName] = value;
                        }
                    }
                    else
                    {
                        values[converter.Field.ApiName] = value;
                    }
                }
            }

            if (plan.UnmappedField is { } keep)
            {
                StringBuilder? kept = null;
                foreach (var i in plan.KeptColumns)
                {
                    var cell = mapping.Trim ? row.Fields[i].Trim() : row.Fields[i];
                    if (cell.Length > 0)
                    {
                        (kept ??= new StringBuilder()).Append(kept.Length == 0 ? string.Empty : "\n").Append(header[i]).Append(": ").Append(cell);
                    }
                }

                values[keep.ApiName] = kept?.ToString();
            }

            string? key = null;
            if (errors is null && plan.Keys.Count > 0)
            {
                var parts = new string[plan.Keys.Count];
                for (var k = 0; k < plan.Keys.Count; k++)
                {
                    var (field, column) = plan.Keys[k];
                    if (values[field] is not { } part)
                    {
                        if (mapping.Mode != ImportMode.CreateOnly)
                        {
                            (errors ??= []).Add(new ImportRowError(row.Line, header[column], field, row.Fields[column], "blank_key",
                                $"the key {field} is blank: in mode {mapping.Mode} a row needs its key to find the record (a blank key never creates a record silently)."));
                        }

                        parts = null;
                        break;
                    }

                    parts[k] = KeyPart(k, part);
                }

                key = parts is null ? null : string.Join('\u001f', parts);
            }

            if (errors is not null)
            {
                Fail(row, errors);
                return null;
            }

            return new PendingRow(row, values, key, lookups);
        }

        /// <summary>Applies the in-file duplicate rule; adds the row to the batch unless it fails or is skipped.</summary>
        private bool Admit(PendingRow pending)
        {
            if (pending.Key is { } key)
            {
                if (_seenKeys is not null)
                {
                    if (_seenKeys.TryGetValue(key, out var first))
                    {
                        if (mapping.DuplicateKeys == DuplicateKeyHandling.FirstWins)
                        {
                            _skipped++;
                            Warn(pending.Row.Line, null, $"skipped: line {first} has the same key ({ShowKey(pending)}) and the first row wins.");
                        }
                        else
                        {
                            Fail(pending.Row, [new ImportRowError(pending.Row.Line, plan.Header[plan.Keys[0].Column], plan.Keys[0].Field, ShowKey(pending), "duplicate_key",
                                $"line {first} has the same key ({ShowKey(pending)}); a key may appear once in the file. Remove one row, or choose first-wins or last-wins.")]);
                        }

                        return false;
                    }

                    _seenKeys.Add(key, pending.Row.Line);
                }
                else if (_batchKeys.TryGetValue(key, out var earlier))
                {
                    var superseded = _batch[earlier];
                    superseded.Superseded = true;
                    _skipped++;
                    Warn(superseded.Row.Line, null, $"skipped: line {pending.Row.Line} has the same key ({ShowKey(pending)}) and the last row wins.");
                }

                if (_seenKeys is null)
                {
                    _batchKeys[key] = _batch.Count;
                }
            }

            _batch.Add(pending);
            return true;
        }

        private string ShowKey(PendingRow pending) => string.Join(", ", plan.Keys.Select(k => $"{k.Field}={pending.Row.Fields[k.Column].Trim()}"));

        /// <summary>Writes the batch in one transaction; a failure of the transaction itself fails every row it held.</summary>
        private async Task FlushAsync(CancellationToken cancellationToken)
        {
            var rows = _batch.Where(r => !r.Superseded).ToList();
            _batch.Clear();
            _batchKeys.Clear();
            if (rows.Count == 0)
            {
                return;
            }

            List<(PendingRow Row, Outcome Outcome, Exception? Error)> outcomes;
            try
            {
                try
                {
                    // Fast path: no savepoint per row. The first row the engine refuses rolls the batch back, and it
                    // is written again with a savepoint per row, so that row alone is left out.
                    outcomes = await records.BulkAsync(plan.Entity.ApiName, _ids, commit: !options.DryRun, savepoints: false, session => WriteAsync(session, rows, cancellationToken), cancellationToken).ConfigureAwait(false);
                }
                catch (RowFailedException)
                {
                    outcomes = await records.BulkAsync(plan.Entity.ApiName, _ids, commit: !options.DryRun, savepoints: true, session => WriteAsync(session, rows, cancellationToken), cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The transaction was rolled back whole: nothing of the batch remains; every row goes to the rejects.
                var (first, last) = (rows[0].Row.Line, rows[^1].Row.Line);
                var message = $"the batch of lines {first}-{last} could not be written and was rolled back ({ex.GetType().Name}: {ex.Message}); none of its rows was imported.";
                foreach (var row in rows)
                {
                    Fail(row.Row, [new ImportRowError(row.Row.Line, null, null, null, "storage", message)]);
                }

                _stopReason ??= $"stopped at line {last}: {message}";
                return;
            }

            foreach (var (row, outcome, error) in outcomes)
            {
                switch (outcome)
                {
                    case Outcome.Created:
                        _created++;
                        break;
                    case Outcome.Updated:
                        _updated++;
                        break;
                    case Outcome.Unchanged:
                        _unchanged++;
                        break;
                    default:
                        Fail(row.Row, Describe(row, error!));
                        break;
                }
            }
        }

        private enum Outcome
        {
            Created,
            Updated,
            Unchanged,
            Failed,
        }

        private async Task<List<(PendingRow Row, Outcome Outcome, Exception? Error)>> WriteAsync(RecordService.BulkSession session, List<PendingRow> rows, CancellationToken cancellationToken)
        {
            var existing = plan.Keys.Count > 0 ? await FindExistingAsync(session, rows, cancellationToken).ConfigureAwait(false) : null;
            var parents = plan.Lookups.Count > 0 ? await FindParentsAsync(session, rows, cancellationToken).ConfigureAwait(false) : null;
            var outcomes = new List<(PendingRow, Outcome, Exception?)>(rows.Count);
            foreach (var row in rows)
            {
                try
                {
                    if (parents is not null)
                    {
                        Link(row, parents);
                    }

                    var matches = row.Key is { } key && existing!.TryGetValue(key, out var found) ? ExactFirst(row, found) : null;
                    if (matches is { Count: > 1 })
                    {
                        throw new CrmValidationException(new CrmValidationError(plan.Entity.ApiName, plan.Keys[0].Field, null, "ambiguous_key",
                            $"the key matches {matches.Count} existing {plan.Entity.ApiName} records ({string.Join(", ", matches.Take(3).Select(m => m.Id))}); make the key unique first (e.g. merge the duplicates)."));
                    }

                    var match = matches?[0];
                    if (match is null && mapping.Mode == ImportMode.UpdateOnly)
                    {
                        throw new CrmValidationException(new CrmValidationError(plan.Entity.ApiName, plan.Keys[0].Field, null, "not_found",
                            $"no {plan.Entity.ApiName} has this key; mode UpdateOnly never creates records."));
                    }

                    if (match is not null && mapping.Mode == ImportMode.CreateOnly)
                    {
                        throw new CrmValidationException(new CrmValidationError(plan.Entity.ApiName, plan.Keys[0].Field, null, "duplicate_key",
                            $"a {plan.Entity.ApiName} with this key already exists ({match.Id}); use mode Upsert to update it."));
                    }

                    if (match is null)
                    {
                        var created = await session.CreateAsync(WithoutBlanks(row.Values), cancellationToken).ConfigureAwait(false);
                        if (row.Key is { } newKey)
                        {
                            existing![newKey] = [created];
                        }

                        outcomes.Add((row, Outcome.Created, null));
                        continue;
                    }

                    var changes = Changes(match, row.Values);
                    if (changes.Count == 0)
                    {
                        outcomes.Add((row, Outcome.Unchanged, null));
                        continue;
                    }

                    var updated = await session.UpdateAsync(match.Id, changes, cancellationToken).ConfigureAwait(false);
                    existing![row.Key!] = [updated];
                    outcomes.Add((row, Outcome.Updated, null));
                }
                catch (CrmException ex) when (ex is not CrmTenantNotFoundException)
                {
                    if (!session.Savepoints)
                    {
                        throw new RowFailedException(ex);
                    }

                    outcomes.Add((row, Outcome.Failed, ex));
                }
            }

            return outcomes;
        }

        /// <summary>
        /// The values of a new record: a blank cell sets nothing. The row's own dictionary when it has no blank (the
        /// create copies the values and leaves them alone, so a re-run of the batch hands over the same values).
        /// </summary>
        private static Dictionary<string, object?> WithoutBlanks(Dictionary<string, object?> values)
        {
            var blanks = 0;
            foreach (var value in values.Values)
            {
                blanks += value is null ? 1 : 0;
            }

            if (blanks == 0)
            {
                return values;
            }

            var kept = new Dictionary<string, object?>(values.Count - blanks, StringComparer.Ordinal);
            foreach (var (field, value) in values)
            {
                if (value is not null)
                {
                    kept.Add(field, value);
                }
            }

            return kept;
        }

        /// <summary>The values that differ from the stored record (blank cells leave stored values alone unless configured).</summary>
        private Dictionary<string, object?> Changes(CrmRecord stored, Dictionary<string, object?> values)
        {
            var changes = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var (field, value) in values)
            {
                if (value is null && !mapping.BlankClearsOnUpdate)
                {
                    continue;
                }

                var definition = plan.Entity.FindField(field)!.Definition;
                var canonical = value;
                if (Metadata.FieldRules.TryCoerce(plan.Entity.ApiName, definition, value, out var coerced) is null)
                {
                    canonical = coerced;
                }

                if (!RecordService.ValueEquals(stored[field], canonical))
                {
                    changes[field] = value;
                }
            }

            return changes;
        }

        /// <summary>
        /// Per look-up imported by a field of its target: the ids of the target records whose field holds one of the
        /// batch's values, by the value's key text (one query per look-up, as the caller: records the caller cannot read
        /// are not found). Values compare as keys do (<see cref="Canonical"/>, <see cref="KeyText"/>); with
        /// <see cref="ColumnMapping.LookupIgnoreCase"/> the query ignores case and the ids are also indexed by the
        /// text folded as the query folds it (<see cref="FoldFor"/>).
        /// </summary>
        private async Task<Dictionary<string, ParentIndex>> FindParentsAsync(RecordService.BulkSession session, List<PendingRow> rows, CancellationToken cancellationToken)
        {
            var found = new Dictionary<string, ParentIndex>(StringComparer.Ordinal);
            foreach (var lookup in plan.Lookups)
            {
                var field = lookup.Field.ApiName;
                var byField = lookup.By.ApiName;
                var index = found[field] = new ParentIndex(lookup.IgnoreCase ? FoldFor(lookup.By) : null);
                var distinct = new HashSet<object>();
                foreach (var row in rows)
                {
                    if (row.Lookups is not null && row.Lookups.TryGetValue(field, out var value))
                    {
                        distinct.Add(Canonical(lookup.Target.ApiName, lookup.By.Definition, value));
                    }
                }

                if (distinct.Count == 0)
                {
                    continue;
                }

                var query = RecordQuery.For(lookup.Target.ApiName)
                    .Where(byField, lookup.IgnoreCase ? FilterOperator.InIgnoreCase : FilterOperator.In, lookup.IgnoreCase ? distinct.Select(KeyText).ToList() : distinct.ToList())
                    .Take(RecordQuery.MaxPageSize);
                string? token = null;
                do
                {
                    var page = await session.QueryAsync(query.After(token), cancellationToken).ConfigureAwait(false);
                    foreach (var record in page.Records)
                    {
                        if (record[byField] is { } stored)
                        {
                            index.Add(KeyText(stored), record.Id);
                        }
                    }

                    token = page.ContinuationToken;
                }
                while (token is not null);
            }

            return found;
        }

        /// <summary>Sets the row's look-ups to the ids of the parents found; a value matching no parent, or several, fails the row (a parent is never created).</summary>
        private void Link(PendingRow row, Dictionary<string, ParentIndex> parents)
        {
            List<CrmValidationError>? errors = null;
            foreach (var lookup in plan.Lookups)
            {
                var field = lookup.Field.ApiName;
                if (row.Lookups is null || !row.Lookups.TryGetValue(field, out var value))
                {
                    row.Values[field] = null;
                    continue;
                }

                var shown = row.Row.Fields[lookup.Column].Trim();
                var target = lookup.Target.ApiName;
                var by = lookup.By.ApiName;
                var (matches, ignoringCase) = parents[field].Find(KeyText(Canonical(target, lookup.By.Definition, value)));
                if (matches is null)
                {
                    (errors ??= []).Add(new CrmValidationError(plan.Entity.ApiName, field, shown, "not_found",
                        $"no {target} has {by} '{shown}'{(lookup.IgnoreCase ? " (ignoring case)" : string.Empty)} (or you cannot read it); the {target} must exist before it can be linked: import the {target} records first or correct the value."));
                }
                else if (matches.Count > 1)
                {
                    (errors ??= []).Add(new CrmValidationError(plan.Entity.ApiName, field, shown, "ambiguous_lookup",
                        $"'{shown}' is ambiguous: {matches.Count} {target} records have {by} '{shown}'{(ignoringCase ? " ignoring case" : string.Empty)} ({string.Join(", ", matches.Take(3))}); look them up by a unique field, or make {by} unique first."));
                }
                else
                {
                    row.Values[field] = matches[0];
                }
            }

            if (errors is not null)
            {
                throw new CrmValidationException(errors);
            }
        }

        /// <summary>
        /// The records a row's key found: when e-mail parts matched several records ignoring case, the one spelled
        /// exactly as the row wins (ada@x.com and ADA@x.com both stored: the row ada@x.com updates the first).
        /// </summary>
        private List<CrmRecord> ExactFirst(PendingRow row, List<CrmRecord> found)
        {
            if (found.Count < 2 || !_emailKey.Contains(true))
            {
                return found;
            }

            var exact = found.FindAll(r => plan.Keys.All(k => r[k.Field] is { } stored && row.Values[k.Field] is { } given && KeyText(stored) == KeyText(given)));
            return exact.Count == 1 ? exact : found;
        }

        /// <summary>One part of a row's or a record's key: its key text; an e-mail address ignores case (Ann@X.com = ann@x.com).</summary>
        private string KeyPart(int index, object value) =>
            _emailKey[index] ? EmailFold(KeyText(value)) : KeyText(value);

        /// <summary>How matching ignores case for values of <paramref name="field"/>: e-mail addresses as their look-up keys are stored, other text as the storage's queries fold it.</summary>
        private Func<string, string> FoldFor(TenantField field) => field.Type == FieldType.Email ? EmailFold : text => CaseFold(text, foldsAsciiOnly);

        /// <summary>A value in the form the engine stores it (so keys and look-up values compare as stored values do).</summary>
        private static object Canonical(string entityType, FieldDefinition definition, object value) =>
            Metadata.FieldRules.TryCoerce(entityType, definition, value, out var canonical) is null && canonical is not null ? canonical : value;

        /// <summary>The records whose key is one of the batch's keys, by key (readable by the caller).</summary>
        private async Task<Dictionary<string, List<CrmRecord>>> FindExistingAsync(RecordService.BulkSession session, List<PendingRow> rows, CancellationToken cancellationToken)
        {
            var found = new Dictionary<string, List<CrmRecord>>(StringComparer.Ordinal);
            var query = RecordQuery.For(plan.Entity.ApiName).Take(RecordQuery.MaxPageSize);
            var any = false;
            foreach (var (field, _) in plan.Keys)
            {
                var definition = plan.Entity.FindField(field)!.Definition;
                var distinct = new HashSet<object>();
                foreach (var row in rows)
                {
                    if (row.Key is not null && row.Values[field] is { } value)
                    {
                        distinct.Add(Canonical(plan.Entity.ApiName, definition, value));
                    }
                }

                any |= distinct.Count > 0;
                query = definition.Type == FieldType.Email
                    ? query.Where(field, FilterOperator.InIgnoreCase, distinct.Select(KeyText).ToList())
                    : query.Where(field, FilterOperator.In, distinct.ToList());
            }

            if (!any)
            {
                return found;
            }

            string? token = null;
            do
            {
                var page = await session.QueryAsync(query.After(token), cancellationToken).ConfigureAwait(false);
                foreach (var record in page.Records)
                {
                    var parts = new string[plan.Keys.Count];
                    var complete = true;
                    for (var k = 0; k < plan.Keys.Count; k++)
                    {
                        if (record[plan.Keys[k].Field] is not { } part)
                        {
                            complete = false;
                            break;
                        }

                        parts[k] = KeyPart(k, part);
                    }

                    if (!complete)
                    {
                        continue;
                    }

                    var key = string.Join('\u001f', parts);
                    if (!found.TryGetValue(key, out var list))
                    {
                        found[key] = list = [];
                    }

                    list.Add(record);
                }

                token = page.ContinuationToken;
            }
            while (token is not null);
            return found;
        }

        /// <summary>Every problem of a failed write, tied to the column of the field at fault.</summary>
        private List<ImportRowError> Describe(PendingRow row, Exception error)
        {
            ImportRowError For(string? field, string rule, string message, object? value)
            {
                if (field is not null && plan.ColumnOfField.TryGetValue(field, out var column))
                {
                    return new ImportRowError(row.Row.Line, plan.Header[column], field, row.Row.Fields[column], rule, message);
                }

                if (field is not null && plan.UnmappedField?.ApiName == field)
                {
                    return new ImportRowError(row.Row.Line, null, field, null, rule, message);
                }

                return new ImportRowError(row.Row.Line, null, field, value is null ? null : System.Convert.ToString(value, CultureInfo.InvariantCulture), rule, message);
            }

            return error switch
            {
                CrmValidationException v => [.. v.Errors.Select(e => For(e.Field, e.Rule, e.Message, e.Value))],
                CrmOperationRejectedException r => [For(r.Field, "rejected", r.Message, null)],
                CrmAccessDeniedException a => [For(a.Field, "access_denied", a.Message, null)],
                CrmException c => [For(null, c.Code, c.Message, null)],
                _ => [For(null, "error", error.Message, null)],
            };
        }

        private void Fail(CsvRow row, List<ImportRowError> errors)
        {
            _failed++;
            _errors.AddRange(errors);
            if (options.Rejects is { } rejects)
            {
                var header = plan.Header;
                var width = Math.Max(row.Fields.Length, header.Length);
                var message = string.Join(" | ", errors.Select(e => e.ToString()));
                string[] values;
                if (plan.ErrorColumn >= 0)
                {
                    values = new string[width];
                    for (var i = 0; i < width; i++)
                    {
                        values[i] = i < row.Fields.Length ? row.Fields[i] : string.Empty;
                    }

                    values[row.Fields.Length <= header.Length ? plan.ErrorColumn : width - 1] = message;
                }
                else
                {
                    // The error goes under the appended error column (right after the header's columns); values beyond
                    // the header (a row with too many) follow it, so none is lost and the error stays in its column.
                    values = new string[width + 1];
                    for (var i = 0; i < header.Length; i++)
                    {
                        values[i] = i < row.Fields.Length ? row.Fields[i] : string.Empty;
                    }

                    values[header.Length] = message;
                    for (var i = header.Length; i < row.Fields.Length; i++)
                    {
                        values[i + 1] = row.Fields[i];
                    }
                }

                CsvText.WriteRow(rejects, values, delimiter);
            }
        }

        private static string KeyText(object value) => value switch
        {
            string s => s,
            DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            DateTimeOffset t => t.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            // 1.0 and 1 are one key: dividing by 1.000...0 drops trailing zeros.
            decimal m => (m / 1.000000000000000000000000000000000m).ToString(CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? string.Empty,
        };
    }

    /// <summary>
    /// The parents of one look-up found for a batch: ids by the exact key text and, when matching ignores case, by the
    /// text folded as the storage's query folds it (<see cref="Storage.ISqlDialect.CaseFold"/>). An exact match wins; otherwise
    /// the case-insensitive one.
    /// </summary>
    private sealed class ParentIndex(Func<string, string>? fold)
    {
        private readonly Dictionary<string, List<Guid>> _exact = new(StringComparer.Ordinal);
        private readonly Dictionary<string, List<Guid>>? _folded = fold is null ? null : new(StringComparer.Ordinal);

        public void Add(string key, Guid id)
        {
            Append(_exact, key, id);
            if (_folded is not null)
            {
                Append(_folded, fold!(key), id);
            }
        }

        public (List<Guid>? Matches, bool IgnoringCase) Find(string key) =>
            _exact.TryGetValue(key, out var exact) ? (exact, false)
            : _folded is not null && _folded.TryGetValue(fold!(key), out var folded) ? (folded, true)
            : (null, false);

        private static void Append(Dictionary<string, List<Guid>> map, string key, Guid id)
        {
            if (!map.TryGetValue(key, out var list))
            {
                map[key] = list = [];
            }

            list.Add(id);
        }

    }

    /// <summary>An e-mail address folded as its look-up key is stored (<c>record_keys</c>), which queries ignoring case use.</summary>
    private static string EmailFold(string text) => Records.LookupKeys.Key(FieldType.Email, text) ?? text;

    /// <summary>
    /// Folds the case of a text as the storage's queries do (<see cref="Storage.ISqlDialect.CaseFold"/>): SQLite's lower()
    /// and LIKE fold ASCII letters only, so with <paramref name="asciiOnly"/> this does too and in-memory keys agree with
    /// the query.
    /// </summary>
    private static string CaseFold(string text, bool asciiOnly) => !asciiOnly ? text.ToLowerInvariant() : string.Create(text.Length, text, static (span, source) =>
    {
        for (var i = 0; i < span.Length; i++)
        {
            var c = source[i];
            span[i] = char.IsAsciiLetterUpper(c) ? (char)(c | 0x20) : c;
        }
    });
}
