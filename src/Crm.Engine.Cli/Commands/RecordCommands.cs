using System.CommandLine;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Cli.Output;

namespace Crm.Engine.Cli.Commands;

/// <summary><c>crm account list</c> and <c>crm contact list</c>: query records with filters on any field.</summary>
internal static class RecordCommands
{
    public const int DefaultTake = 50;

    public static RecordKind Account { get; } = new(CoreEntities.Account, "account", "List and query accounts (customers).");

    public static RecordKind Contact { get; } = new(CoreEntities.Contact, "contact", "List and query contacts.");

    public static Command Build(CliContext context, CliOptions options, RecordKind kind)
    {
        ArgumentNullException.ThrowIfNull(kind);
        var tenant = options.CreateTenant();
        var group = new Command(kind.CommandName, kind.Description) { tenant };
        group.Subcommands.Add(BuildList(context, options, tenant, kind));
        return group;
    }

    private static Command BuildList(CliContext context, CliOptions options, Option<string?> tenant, RecordKind kind)
    {
        var where = new Option<string[]>("--where")
        {
            Description = $"A condition, {RecordFilters.WhereSyntax}; repeat to combine with AND. The value is read with the field's type: numbers invariant, dates yyyy-MM-dd, true/false. An empty value matches records without one.",
            HelpName = "field=value",
            Arity = ArgumentArity.OneOrMore,
        };
        where.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                if (WhereClause.TryParse(token.Value) is null)
                {
                    result.AddError($"--where '{token.Value}' is not of the form {RecordFilters.WhereSyntax}.");
                }
            }
        });
        var sort = new Option<string[]>("--sort")
        {
            Description = "Sort by a field, ascending; -field sorts descending. Repeat (or separate with commas) for more keys.",
            HelpName = "field|-field",
            Arity = ArgumentArity.OneOrMore,
        };
        var take = new Option<int>("--take") { Description = $"The largest number of records to show (1 to {RecordQuery.MaxPageSize}).", HelpName = "N", DefaultValueFactory = _ => DefaultTake };
        take.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<int>();
            if (value is < 1 or > RecordQuery.MaxPageSize)
            {
                result.AddError($"--take must be between 1 and {RecordQuery.MaxPageSize}.");
            }
        });
        var json = CliOptions.CreateJson();
        var command = new Command("list", $"List {kind.CommandName} records, optionally filtered and sorted.") { where, sort, take, json };
        CommandAction.Set(command, context, async (parseResult, cancellationToken) =>
        {
            await using var session = await EngineSession.OpenAsync(parseResult.GetRequiredValue(options.Database), create: false, cancellationToken, parseResult.GetValue(options.User)).ConfigureAwait(false);
            var crm = await session.OpenTenantAsync(CliOptions.GetTenant(parseResult, tenant), cancellationToken).ConfigureAwait(false);
            var entity = await crm.Metadata.GetEntityAsync(kind.EntityType, cancellationToken).ConfigureAwait(false);
            var asJson = parseResult.GetValue(json);
            var query = RecordQuery.For(kind.EntityType) with
            {
                Filters = [.. (parseResult.GetValue(where) ?? []).Select(w => RecordFilters.ToFilter(entity, WhereClause.TryParse(w)!))],
                Sort = [.. (parseResult.GetValue(sort) ?? [])
                    .SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    .Select(s => RecordFilters.ToSort(entity, s))],
                PageSize = parseResult.GetValue(take),
                IncludeTotalCount = !asJson,
            };
            var page = await crm.Records.QueryAsync(query, cancellationToken).ConfigureAwait(false);
            if (asJson)
            {
                await JsonOutput.WriteArrayAsync(context.Output, page.Records, WriteRecord).ConfigureAwait(false);
                return CrmCli.Success;
            }

            WriteTable(context, entity, page.Records);
            var total = page.TotalCount ?? page.Records.Count;
            await context.Output.WriteLineAsync(
                $"{page.Records.Count} of {total} {entity.PluralName}{(total > page.Records.Count ? " (use --take to see more)" : string.Empty)}.").ConfigureAwait(false);
            return CrmCli.Success;
        });
        return command;
    }

    /// <summary>A table with the id, the primary field, and every other field that has a value in at least one record shown.</summary>
    private static void WriteTable(CliContext context, TenantEntity entity, IReadOnlyList<CrmRecord> records)
    {
        if (records.Count == 0)
        {
            return;
        }

        var primary = entity.Definition.PrimaryField;
        var columns = entity.Fields
            .Where(f => f.ApiName == primary || records.Any(r => r[f.ApiName] is not null))
            .OrderBy(f => f.ApiName == primary ? 0 : 1)
            .ToList();
        var table = Tables.Create(["Id", .. columns.Select(c => c.Label)]);
        foreach (var record in records)
        {
            Tables.AddRow(table, [record.Id.ToString(), .. columns.Select(c => ValueText.Format(record[c.ApiName]))]);
        }

        context.CreateConsole().Write(table);
    }

    private static void WriteRecord(System.Text.Json.Utf8JsonWriter writer, CrmRecord record)
    {
        writer.WriteString("id", record.Id);
        writer.WriteNumber("version", record.Version);
        foreach (var (field, value) in record.Values)
        {
            JsonOutput.WriteValue(writer, field, value);
        }

        JsonOutput.WriteValue(writer, "ownerId", record.OwnerId);
        writer.WriteString("createdAt", record.Stamps.CreatedAt.ToUniversalTime());
        writer.WriteString("modifiedAt", record.Stamps.ModifiedAt.ToUniversalTime());
    }

    /// <summary>An entity type that has a record command group.</summary>
    /// <param name="EntityType">The entity type's API name.</param>
    /// <param name="CommandName">The command name.</param>
    /// <param name="Description">The group's help text.</param>
    internal sealed record RecordKind(string EntityType, string CommandName, string Description);
}
