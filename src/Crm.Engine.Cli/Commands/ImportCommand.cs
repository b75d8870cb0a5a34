using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Crm.Engine.Abstractions.Import;

namespace Crm.Engine.Cli.Commands;

/// <summary><c>crm import &lt;file.csv&gt;</c>: a streaming CSV import into one entity type of a tenant, with a report and a rejects file.</summary>
internal static class ImportCommand
{
    /// <summary>The most row errors printed; the rest are counted (and all are in the rejects file).</summary>
    private const int MaxPrintedErrors = 50;

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static Command Build(CliContext context, CliOptions options)
    {
        var file = new Argument<string>("file") { Description = "The CSV file to import." };
        var tenant = options.CreateTenant();
        var entity = new Option<string?>("--entity") { Description = "The entity type to import into (API name); may come from the mapping file instead.", HelpName = "type" };
        var mappingFile = new Option<string?>("--mapping") { Description = "The mapping file (.json, .yaml or .yml); without it every column maps itself by header.", HelpName = "file" };
        var mode = new Option<ImportMode?>("--mode") { Description = "createonly, upsert or updateonly (overrides the mapping file).", HelpName = "mode" };
        var keys = new Option<string[]>("--key") { Description = "A key field (repeat for a compound key; overrides the mapping file).", HelpName = "field", AllowMultipleArgumentsPerToken = false };
        var duplicates = new Option<DuplicateKeyHandling?>("--duplicates") { Description = "reject, firstwins or lastwins: what to do when a key repeats in the file.", HelpName = "rule" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Validate every row and report; write nothing." };
        var rejects = new Option<string?>("--rejects") { Description = "Write the failed rows (original header and values plus an error column) to this CSV file.", HelpName = "file" };
        var dayFirst = new Option<bool>("--day-first") { Description = "Read numeric dates as day/month/year." };
        var monthFirst = new Option<bool>("--month-first") { Description = "Read numeric dates as month/day/year." };
        var culture = new Option<string?>("--culture") { Description = "The culture numbers (and the date order, unless given) are read with, e.g. de-DE.", HelpName = "name" };
        var delimiter = new Option<string?>("--delimiter") { Description = "The delimiter: , ; tab or any one character (default: detected from the header).", HelpName = "char" };
        var encoding = new Option<string?>("--encoding") { Description = "The file's encoding when it has no byte-order mark, e.g. windows-1252 (default UTF-8).", HelpName = "name" };
        var batchSize = new Option<int?>("--batch-size") { Description = $"Rows per transaction (default {ImportOptions.DefaultBatchSize}).", HelpName = "rows" };
        var maxErrors = new Option<int?>("--max-errors") { Description = "Stop after this many failed rows (default 1000; 0 for no limit).", HelpName = "count" };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON (for scripts)." };
        var command = new Command("import", "Import a CSV file into an entity type of the tenant: rows are converted by the mapping and field metadata, and written in batches; failed rows are reported with their line.")
        {
            file, tenant, entity, mappingFile, mode, keys, duplicates, dryRun, rejects, dayFirst, monthFirst, culture, delimiter, encoding, batchSize, maxErrors, json,
        };
        CommandAction.Set(command, context, async (parseResult, cancellationToken) =>
        {
            var tenantId = CliOptions.GetTenant(parseResult, tenant);
            var path = parseResult.GetRequiredValue(file);
            var entityType = parseResult.GetValue(entity);
            var mapping = parseResult.GetValue(mappingFile) is { } mapPath
                ? await MappingFile.ReadAsync(mapPath, entityType, cancellationToken).ConfigureAwait(false)
                : entityType is not null ? MappingFile.ForEntity(entityType)
                : throw new CliException("no entity type given: pass --entity <type> or a --mapping file that names it.", CrmCli.UsageError);
            if (parseResult.GetValue(dayFirst) && parseResult.GetValue(monthFirst))
            {
                throw new CliException("--day-first and --month-first exclude each other.", CrmCli.UsageError);
            }

            mapping = mapping with
            {
                Mode = parseResult.GetValue(mode) ?? mapping.Mode,
                KeyFields = parseResult.GetValue(keys) is { Length: > 0 } k ? k : mapping.KeyFields,
                DuplicateKeys = parseResult.GetValue(duplicates) ?? mapping.DuplicateKeys,
                DayFirst = parseResult.GetValue(dayFirst) ? true : parseResult.GetValue(monthFirst) ? false : mapping.DayFirst,
                Culture = parseResult.GetValue(culture) ?? mapping.Culture,
                Delimiter = parseResult.GetValue(delimiter) is { } d ? ParseDelimiter(d) : mapping.Delimiter,
            };
            if (!File.Exists(path))
            {
                throw new CliException($"there is no file {Path.GetFullPath(path)}.");
            }

            await using var session = await EngineSession.OpenAsync(parseResult.GetRequiredValue(options.Database), create: false, cancellationToken, parseResult.GetValue(options.User)).ConfigureAwait(false);
            var crm = await session.OpenTenantAsync(tenantId, cancellationToken).ConfigureAwait(false);
            var rejectsPath = parseResult.GetValue(rejects);
            await using var rejectsWriter = rejectsPath is null ? null : new StreamWriter(rejectsPath, append: false, new UTF8Encoding(false));
            var importOptions = new ImportOptions
            {
                SourceName = Path.GetFileName(path),
                DryRun = parseResult.GetValue(dryRun),
                BatchSize = parseResult.GetValue(batchSize) ?? ImportOptions.DefaultBatchSize,
                MaxErrors = parseResult.GetValue(maxErrors) is { } max ? (max == 0 ? null : max) : 1000,
                Encoding = parseResult.GetValue(encoding) is { } name ? GetEncoding(name) : null,
                Rejects = rejectsWriter,
            };
            ImportReport report;
            await using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.SequentialScan | FileOptions.Asynchronous))
            {
                report = await crm.Import.ImportAsync(stream, mapping, importOptions, cancellationToken).ConfigureAwait(false);
            }

            if (parseResult.GetValue(json))
            {
                await context.Output.WriteLineAsync(JsonSerializer.Serialize(report, JsonOptions)).ConfigureAwait(false);
            }
            else
            {
                await WriteReportAsync(context, report, path, tenantId, rejectsPath).ConfigureAwait(false);
            }

            return report.Succeeded ? CrmCli.Success : CrmCli.Failure;
        });
        return command;
    }

    private static async Task WriteReportAsync(CliContext context, ImportReport report, string path, string tenantId, string? rejectsPath)
    {
        var output = context.Output;
        var verb = report.DryRun ? "Dry run of" : "Imported";
        await output.WriteLineAsync($"{verb} {Path.GetFileName(path)} into {report.EntityType} for tenant {tenantId}{(report.DryRun ? " (nothing was written)" : string.Empty)}.").ConfigureAwait(false);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Rows read {report.RowsRead}: created {report.Created}, updated {report.Updated}, unchanged {report.Unchanged}, skipped {report.Skipped}, failed {report.Failed}{(report.BlankLines > 0 ? $" ({report.BlankLines} blank lines skipped)" : string.Empty)}. Took {report.Elapsed.TotalSeconds:0.0} s.")).ConfigureAwait(false);
        foreach (var warning in report.Warnings)
        {
            await output.WriteLineAsync("warning: " + warning).ConfigureAwait(false);
        }

        if (report.WarningCount > report.Warnings.Count)
        {
            await output.WriteLineAsync($"warning: ... and {report.WarningCount - report.Warnings.Count} more warnings.").ConfigureAwait(false);
        }

        foreach (var error in report.Errors.Take(MaxPrintedErrors))
        {
            await context.Error.WriteLineAsync("error: " + error).ConfigureAwait(false);
        }

        if (report.Errors.Count > MaxPrintedErrors)
        {
            await context.Error.WriteLineAsync($"error: ... and {report.Errors.Count - MaxPrintedErrors} more{(rejectsPath is null ? " (use --rejects <file> to keep every failed row)" : string.Empty)}.").ConfigureAwait(false);
        }

        if (report.StopReason is not null)
        {
            await context.Error.WriteLineAsync("error: " + report.StopReason).ConfigureAwait(false);
        }

        if (rejectsPath is not null && report.Failed > 0)
        {
            await output.WriteLineAsync($"Failed rows written to {rejectsPath}: fix them there and import that file again with the same mapping.").ConfigureAwait(false);
        }
    }

    private static char ParseDelimiter(string text) => text switch
    {
        "tab" or "\\t" or "\t" => '\t',
        { Length: 1 } => text[0],
        _ => throw new CliException($"--delimiter '{text}': give one character, or 'tab'.", CrmCli.UsageError),
    };

    private static Encoding GetEncoding(string name)
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        try
        {
            return Encoding.GetEncoding(name);
        }
        catch (ArgumentException)
        {
            throw new CliException($"--encoding '{name}' is not a known encoding (e.g. utf-8, windows-1252, iso-8859-1).", CrmCli.UsageError);
        }
    }
}
