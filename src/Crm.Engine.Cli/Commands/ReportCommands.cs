using System.CommandLine;
using System.Text;
using Crm.Engine.Abstractions.Reports;
using Crm.Engine.Cli.Output;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Engine.Cli.Commands;

/// <summary><c>crm report list|run</c>: the reports of the core and the loaded modules, run as the caller.</summary>
internal static class ReportCommands
{
    public static Command Build(CliContext context, CliOptions options)
    {
        var report = new Command("report", "List the reports of the core and the loaded modules, and run one for a tenant.");
        report.Subcommands.Add(BuildList(context, options));
        report.Subcommands.Add(BuildRun(context, options));
        return report;
    }

    private static Command BuildList(CliContext context, CliOptions options)
    {
        var json = CliOptions.CreateJson();
        var command = new Command("list", "List every report with its parameters.") { json };
        CommandAction.Set(command, context, async (parseResult, cancellationToken) =>
        {
            await using var session = await EngineSession.OpenAsync(parseResult.GetRequiredValue(options.Database), create: false, cancellationToken).ConfigureAwait(false);
            var reports = session.Services.GetRequiredService<IReportCatalog>().Reports;
            if (parseResult.GetValue(json))
            {
                await JsonOutput.WriteArrayAsync(context.Output, reports, (writer, r) =>
                {
                    writer.WriteString("name", r.Name);
                    writer.WriteString("title", r.Title);
                    writer.WriteString("module", r.Module);
                    writer.WriteString("description", r.Description);
                    writer.WriteStartArray("parameters");
                    foreach (var p in r.Parameters)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("name", p.Name);
                        writer.WriteString("type", FieldTypeNames.Format(p.Type));
                        writer.WriteBoolean("required", p.Required);
                        writer.WriteString("description", p.Description);
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                }).ConfigureAwait(false);
                return CrmCli.Success;
            }

            var table = Tables.Create("Report", "Module", "Title", "Parameters");
            foreach (var r in reports)
            {
                Tables.AddRow(table, r.Name, r.Module, r.Title, string.Join(", ", r.Parameters.Select(p => $"{p.Name} ({FieldTypeNames.Format(p.Type)}{(p.Required ? ", required" : string.Empty)})")));
            }

            context.CreateConsole().Write(table);
            return CrmCli.Success;
        });
        return command;
    }

    private static Command BuildRun(CliContext context, CliOptions options)
    {
        var tenant = options.CreateTenant();
        var name = new Argument<string>("report") { Description = "The report's name, e.g. core.activeAccounts (see `crm report list`)." };
        var parameters = new Option<string[]>("--param", "-p")
        {
            Description = "A parameter as name=value, e.g. --param days=30 (repeat for more). Dates as yyyy-MM-dd.",
            HelpName = "name=value",
            AllowMultipleArgumentsPerToken = false,
        };
        var format = new Option<string>("--format")
        {
            Description = "table (default), csv or json.",
            HelpName = "format",
            DefaultValueFactory = _ => "table",
        };
        format.AcceptOnlyFromAmong("table", "csv", "json");
        var command = new Command("run", "Run a report as the caller (--user): it shows only what that user may read.") { tenant, name, parameters, format };
        CommandAction.Set(command, context, async (parseResult, cancellationToken) =>
        {
            var given = ParseParameters(parseResult.GetValue(parameters) ?? []);
            await using var session = await EngineSession.OpenAsync(parseResult.GetRequiredValue(options.Database), create: false, cancellationToken, parseResult.GetValue(options.User)).ConfigureAwait(false);
            var crm = await session.OpenTenantAsync(CliOptions.GetTenant(parseResult, tenant), cancellationToken).ConfigureAwait(false);
            var result = await session.Services.GetRequiredService<IReportCatalog>()
                .RunAsync(crm, parseResult.GetRequiredValue(name), given, cancellationToken).ConfigureAwait(false);
            switch (parseResult.GetValue(format))
            {
                case "csv":
                    await context.Output.WriteAsync(ToCsv(result)).ConfigureAwait(false);
                    break;
                case "json":
                    await WriteJsonAsync(context.Output, result).ConfigureAwait(false);
                    break;
                default:
                    await WriteTableAsync(context, result).ConfigureAwait(false);
                    break;
            }

            return CrmCli.Success;
        });
        return command;
    }

    private static Dictionary<string, string?> ParseParameters(IEnumerable<string> pairs)
    {
        var given = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new CliException($"--param '{pair}' is not name=value (e.g. --param days=30).", CrmCli.UsageError);
            }

            var key = pair[..equals].Trim();
            if (!given.TryAdd(key, pair[(equals + 1)..]))
            {
                throw new CliException($"--param {key} is given twice.", CrmCli.UsageError);
            }
        }

        return given;
    }

    private static async Task WriteTableAsync(CliContext context, ReportResult result)
    {
        await context.Output.WriteLineAsync($"{result.Title} ({result.Report}), {ValueText.Format(result.GeneratedAt)}").ConfigureAwait(false);
        if (result.Parameters.Count > 0)
        {
            await context.Output.WriteLineAsync("Parameters: " + string.Join(", ", result.Parameters.Select(p => $"{p.Key}={ValueText.Format(p.Value)}"))).ConfigureAwait(false);
        }

        if (result.Rows.Count == 0)
        {
            await context.Output.WriteLineAsync("No rows.").ConfigureAwait(false);
        }
        else
        {
            var table = Tables.Create(result.Columns.Select(c => c.Label));
            foreach (var row in result.Rows)
            {
                Tables.AddRow(table, row.Select(ValueText.Format));
            }

            context.CreateConsole().Write(table);
        }

        foreach (var line in result.Summary)
        {
            await context.Output.WriteLineAsync($"{line.Key}: {ValueText.Format(line.Value)}").ConfigureAwait(false);
        }
    }

    /// <summary>RFC 4180 CSV with a header of column names; values as in tables (invariant numbers, ISO dates).</summary>
    /// <param name="result">The report's result.</param>
    /// <returns>The CSV text.</returns>
    public static string ToCsv(ReportResult result)
    {
        var csv = new StringBuilder();
        csv.AppendJoin(',', result.Columns.Select(c => Quote(c.Name))).Append("\r\n");
        foreach (var row in result.Rows)
        {
            csv.AppendJoin(',', row.Select(v => Quote(ValueText.Format(v)))).Append("\r\n");
        }

        return csv.ToString();

        static string Quote(string value) =>
            value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
    }

    private static Task WriteJsonAsync(TextWriter output, ReportResult result) =>
        JsonOutput.WriteArrayAsync(output, result.Rows, (writer, row) =>
        {
            for (var i = 0; i < result.Columns.Count; i++)
            {
                JsonOutput.WriteValue(writer, result.Columns[i].Name, row[i]);
            }
        });
}
