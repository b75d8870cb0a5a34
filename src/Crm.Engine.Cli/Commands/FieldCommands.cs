using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.Json;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Cli.Output;

namespace Crm.Engine.Cli.Commands;

/// <summary><c>crm field list|add|rename</c>: a tenant's fields, custom fields and labels.</summary>
internal static class FieldCommands
{
    public static Command Build(CliContext context, CliOptions options)
    {
        var tenant = options.CreateTenant();
        var field = new Command("field", "List, add and rename the fields of an entity type for a tenant.") { tenant };
        field.Subcommands.Add(BuildList(context, options, tenant));
        field.Subcommands.Add(BuildAdd(context, options, tenant));
        field.Subcommands.Add(BuildRename(context, options, tenant));
        field.Subcommands.Add(BuildNumber(context, options, tenant));
        return field;
    }

    private static Argument<string> EntityArgument() => new("entity") { Description = "The entity type's API name, e.g. account or contact." };

    private static Command BuildList(CliContext context, CliOptions options, Option<string?> tenant)
    {
        var entityArgument = EntityArgument();
        var json = CliOptions.CreateJson();
        var command = new Command("list", "List the system and custom fields of an entity type, with the tenant's labels.") { entityArgument, json };
        CommandAction.Set(command, context, async (parseResult, cancellationToken) =>
        {
            await using var session = await EngineSession.OpenAsync(parseResult.GetRequiredValue(options.Database), create: false, cancellationToken, parseResult.GetValue(options.User)).ConfigureAwait(false);
            var crm = await session.OpenTenantAsync(CliOptions.GetTenant(parseResult, tenant), cancellationToken).ConfigureAwait(false);
            var entity = await crm.Metadata.GetEntityAsync(parseResult.GetRequiredValue(entityArgument), cancellationToken).ConfigureAwait(false);
            if (parseResult.GetValue(json))
            {
                await JsonOutput.WriteArrayAsync(context.Output, entity.Fields, WriteField).ConfigureAwait(false);
                return CrmCli.Success;
            }

            var table = Tables.Create("API name", "Label", "Type", "Required", "Custom", "Options");
            foreach (var field in entity.Fields)
            {
                var d = field.Definition;
                Tables.AddRow(table, d.ApiName, field.Label, FieldTypeNames.Format(d.Type), d.Required ? "yes" : string.Empty, d.IsCustom ? "yes" : string.Empty, DescribeOptions(d));
            }

            var console = context.CreateConsole();
            console.Write(table);
            await context.Output.WriteLineAsync($"{entity.Fields.Count} fields of {entity.ApiName} ('{entity.DisplayName}') for tenant {crm.TenantId}.").ConfigureAwait(false);
            return CrmCli.Success;
        });
        return command;
    }

    private static Command BuildAdd(CliContext context, CliOptions options, Option<string?> tenant)
    {
        var entityArgument = EntityArgument();
        var apiName = new Argument<string>("apiName") { Description = "The new field's API name: lower camelCase ending with _c, e.g. loyaltyTier_c." };
        var type = new Option<string>("--type") { Description = $"The field type: {string.Join(", ", FieldTypeNames.All)}.", HelpName = "type", Required = true };
        type.AcceptOnlyFromAmong(FieldTypeNames.All);
        var label = new Option<string?>("--label") { Description = "The label shown to people (default: derived from the API name)." };
        var required = new Option<bool>("--required") { Description = "A value is required on create." };
        var maxLength = new Option<int?>("--max-length") { Description = "The maximum length of a text value.", HelpName = "N" };
        var min = DecimalOption("--min", "The smallest allowed number (invariant, e.g. 0 or 1.5).");
        var max = DecimalOption("--max", "The largest allowed number (invariant, e.g. 100).");
        var precision = new Option<int?>("--precision") { Description = "The number of decimal places allowed.", HelpName = "N" };
        var choices = new Option<string[]>("--option")
        {
            Description = "A choice option as value or value=Label; repeat for each option (choice, multichoice).",
            HelpName = "value[=Label]",
            Arity = ArgumentArity.OneOrMore,
        };
        var target = new Option<string?>("--target") { Description = "The entity type a look-up refers to, e.g. account.", HelpName = "entity" };
        var indexed = new Option<bool>("--indexed") { Description = "Keep an index for filtering and sorting on the field." };
        var autoNumber = new Option<string?>("--auto-number")
        {
            Description = "For a text field: number new records with this format, e.g. 'INV-{yyyy}-{seq:00000}' (tokens {seq}, {seq:000}, {yyyy}, {yy}, {MM}, {dd}).",
            HelpName = "format",
        };
        var command = new Command("add", "Add a custom field to an entity type for the tenant.")
        {
            entityArgument, apiName, type, label, required, maxLength, min, max, precision, choices, target, indexed, autoNumber,
        };
        CommandAction.Set(command, context, async (parseResult, cancellationToken) =>
        {
            var definition = new FieldDefinition
            {
                ApiName = parseResult.GetRequiredValue(apiName),
                Type = FieldTypeNames.Parse(parseResult.GetRequiredValue(type)),
                Label = parseResult.GetValue(label),
                Required = parseResult.GetValue(required),
                MaxLength = parseResult.GetValue(maxLength),
                MinValue = parseResult.GetValue(min),
                MaxValue = parseResult.GetValue(max),
                Precision = parseResult.GetValue(precision),
                Options = [.. (parseResult.GetValue(choices) ?? []).Select(ParseChoice)],
                LookupTarget = parseResult.GetValue(target),
                Indexed = parseResult.GetValue(indexed),
                AutoNumber = parseResult.GetValue(autoNumber),
            };
            await using var session = await EngineSession.OpenAsync(parseResult.GetRequiredValue(options.Database), create: false, cancellationToken, parseResult.GetValue(options.User)).ConfigureAwait(false);
            var crm = await session.OpenTenantAsync(CliOptions.GetTenant(parseResult, tenant), cancellationToken).ConfigureAwait(false);
            var entityType = parseResult.GetRequiredValue(entityArgument);
            var added = await crm.Metadata.AddCustomFieldAsync(entityType, definition, cancellationToken).ConfigureAwait(false);
            var details = DescribeOptions(added.Definition);
            await context.Output.WriteLineAsync(
                $"Added field {entityType}.{added.ApiName} ('{added.Label}', {FieldTypeNames.Format(added.Type)}{(details.Length == 0 ? string.Empty : "; " + details)}) for tenant {crm.TenantId}.").ConfigureAwait(false);
            return CrmCli.Success;
        });
        return command;
    }

    private static Command BuildRename(CliContext context, CliOptions options, Option<string?> tenant)
    {
        var entityArgument = EntityArgument();
        var apiName = new Argument<string>("apiName") { Description = "The field's API name (system or custom)." };
        var label = new Argument<string>("label") { Description = "The new label." };
        var command = new Command("rename", "Change the label of a field for the tenant (the API name never changes).") { entityArgument, apiName, label };
        CommandAction.Set(command, context, async (parseResult, cancellationToken) =>
        {
            await using var session = await EngineSession.OpenAsync(parseResult.GetRequiredValue(options.Database), create: false, cancellationToken, parseResult.GetValue(options.User)).ConfigureAwait(false);
            var crm = await session.OpenTenantAsync(CliOptions.GetTenant(parseResult, tenant), cancellationToken).ConfigureAwait(false);
            var entityType = parseResult.GetRequiredValue(entityArgument);
            var field = parseResult.GetRequiredValue(apiName);
            await crm.Metadata.RenameFieldAsync(entityType, field, parseResult.GetRequiredValue(label), cancellationToken).ConfigureAwait(false);
            var renamed = (await crm.Metadata.GetEntityAsync(entityType, cancellationToken).ConfigureAwait(false)).FindField(field);
            await context.Output.WriteLineAsync($"Renamed field {entityType}.{field} for tenant {crm.TenantId}: label '{renamed?.Label}'.").ConfigureAwait(false);
            return CrmCli.Success;
        });
        return command;
    }

    private static Command BuildNumber(CliContext context, CliOptions options, Option<string?> tenant)
    {
        var entityArgument = EntityArgument();
        var apiName = new Argument<string>("apiName") { Description = "A text field's API name (system, plugin or custom)." };
        var format = new Argument<string?>("format") { Description = "The number format, e.g. 'RMA-{yyyy}-{seq:00000}'; leave out with --reset.", Arity = ArgumentArity.ZeroOrOne };
        var reset = new Option<bool>("--reset") { Description = "Go back to the format of the field's own definition." };
        var command = new Command("number", "Set the format of the numbers a text field gets on create, for the tenant (the counter carries on while the date tokens stay the same).") { entityArgument, apiName, format, reset };
        CommandAction.Set(command, context, async (parseResult, cancellationToken) =>
        {
            var given = parseResult.GetValue(format);
            if ((given is null) == !parseResult.GetValue(reset))
            {
                throw new CliException("give a format, or --reset to go back to the field's own.", CrmCli.UsageError);
            }

            await using var session = await EngineSession.OpenAsync(parseResult.GetRequiredValue(options.Database), create: false, cancellationToken, parseResult.GetValue(options.User)).ConfigureAwait(false);
            var crm = await session.OpenTenantAsync(CliOptions.GetTenant(parseResult, tenant), cancellationToken).ConfigureAwait(false);
            var entityType = parseResult.GetRequiredValue(entityArgument);
            var field = parseResult.GetRequiredValue(apiName);
            await crm.Metadata.SetAutoNumberFormatAsync(entityType, field, given, cancellationToken).ConfigureAwait(false);
            var now = (await crm.Metadata.GetEntityAsync(entityType, cancellationToken).ConfigureAwait(false)).FindField(field)?.Definition.AutoNumber;
            await context.Output.WriteLineAsync(now is null
                ? $"{entityType}.{field} is not numbered for tenant {crm.TenantId}."
                : $"{entityType}.{field} is numbered '{now}' for tenant {crm.TenantId}.").ConfigureAwait(false);
            return CrmCli.Success;
        });
        return command;
    }

    private static Option<decimal?> DecimalOption(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "N",
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;
            if (decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }

            result.AddError($"{name}: '{text}' is not a number; write it invariantly, e.g. 1234.5.");
            return null;
        },
    };

    private static ChoiceOption ParseChoice(string text)
    {
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        return equals < 0
            ? new ChoiceOption(text.Trim(), text.Trim())
            : new ChoiceOption(text[..equals].Trim(), text[(equals + 1)..].Trim());
    }

    /// <summary>What the Options column shows: choice options, the look-up target, limits and the index flag.</summary>
    private static string DescribeOptions(FieldDefinition field)
    {
        var parts = new List<string>();
        if (field.Options.Count > 0)
        {
            parts.Add(string.Join(", ", field.Options.Select(o => o.Value == o.Label ? o.Value : $"{o.Value}={o.Label}")));
        }

        if (field.LookupTarget is { } target)
        {
            parts.Add($"-> {target}");
        }

        var invariant = CultureInfo.InvariantCulture;
        if (field.MaxLength is { } maxLength)
        {
            parts.Add(string.Create(invariant, $"max length {maxLength}"));
        }

        if (field.MinValue is { } min)
        {
            parts.Add(string.Create(invariant, $"min {min}"));
        }

        if (field.MaxValue is { } max)
        {
            parts.Add(string.Create(invariant, $"max {max}"));
        }

        if (field.Precision is { } precision)
        {
            parts.Add(string.Create(invariant, $"precision {precision}"));
        }

        if (field.Indexed)
        {
            parts.Add("indexed");
        }

        if (field.ReadOnly)
        {
            parts.Add("read-only");
        }

        if (field.AutoNumber is { } format)
        {
            parts.Add($"auto-number {format}");
        }

        return string.Join("; ", parts);
    }

    private static void WriteField(Utf8JsonWriter writer, TenantField field)
    {
        var d = field.Definition;
        writer.WriteString("apiName", d.ApiName);
        writer.WriteString("label", field.Label);
        writer.WriteString("type", FieldTypeNames.Format(d.Type));
        writer.WriteBoolean("required", d.Required);
        writer.WriteBoolean("custom", d.IsCustom);
        writer.WriteBoolean("readOnly", d.ReadOnly);
        writer.WriteBoolean("indexed", d.Indexed);
        JsonOutput.WriteValue(writer, "maxLength", d.MaxLength);
        JsonOutput.WriteValue(writer, "min", d.MinValue);
        JsonOutput.WriteValue(writer, "max", d.MaxValue);
        JsonOutput.WriteValue(writer, "precision", d.Precision);
        JsonOutput.WriteValue(writer, "target", d.LookupTarget);
        JsonOutput.WriteValue(writer, "autoNumber", d.AutoNumber);
        writer.WriteStartArray("options");
        foreach (var option in d.Options)
        {
            writer.WriteStartObject();
            writer.WriteString("value", option.Value);
            writer.WriteString("label", option.Label);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }
}
