using System.CommandLine;
using Crm.Engine.Abstractions.Tenancy;
using Crm.Engine.Cli.Output;

namespace Crm.Engine.Cli.Commands;

/// <summary><c>crm tenant create|list</c>: tenant administration (engine-wide, no <c>--tenant</c>).</summary>
internal static class TenantCommands
{
    public static Command Build(CliContext context, CliOptions options)
    {
        var tenant = new Command("tenant", "Create and list tenants (one per client company).");
        tenant.Subcommands.Add(BuildCreate(context, options));
        tenant.Subcommands.Add(BuildList(context, options));
        return tenant;
    }

    private static Command BuildCreate(CliContext context, CliOptions options)
    {
        var defaults = new TenantSettings();
        var id = new Argument<string>("id") { Description = "The tenant id: 2 to 63 lower-case letters, digits and dashes (e.g. acme)." };
        var name = new Option<string>("--name") { Description = "The display name, e.g. \"Acme GmbH\".", Required = true };
        var timeZone = new Option<string?>("--time-zone") { Description = $"An IANA time zone id (default {defaults.TimeZone}).", HelpName = "id" };
        var culture = new Option<string?>("--culture") { Description = $"A culture name for dates and numbers (default {defaults.Culture}).", HelpName = "name" };
        var currency = new Option<string?>("--currency") { Description = $"An ISO 4217 currency code for money fields (default {defaults.Currency}).", HelpName = "code" };
        var command = new Command("create", "Create a tenant.") { id, name, timeZone, culture, currency };
        CommandAction.Set(command, context, async (parseResult, cancellationToken) =>
        {
            options.RefuseUser(parseResult, "tenant create");
            await using var session = await EngineSession.OpenAsync(parseResult.GetRequiredValue(options.Database), create: false, cancellationToken).ConfigureAwait(false);
            var settings = new TenantSettings(
                parseResult.GetValue(timeZone) ?? defaults.TimeZone,
                parseResult.GetValue(culture) ?? defaults.Culture,
                parseResult.GetValue(currency) ?? defaults.Currency);
            var created = await session.Engine.Tenants.CreateAsync(parseResult.GetRequiredValue(id), parseResult.GetRequiredValue(name), settings, cancellationToken).ConfigureAwait(false);
            await context.Output.WriteLineAsync(
                $"Created tenant {created.Id} ({created.Name}): time zone {created.Settings.TimeZone}, culture {created.Settings.Culture}, currency {created.Settings.Currency}.").ConfigureAwait(false);
            return CrmCli.Success;
        });
        return command;
    }

    private static Command BuildList(CliContext context, CliOptions options)
    {
        var json = CliOptions.CreateJson();
        var command = new Command("list", "List every tenant.") { json };
        CommandAction.Set(command, context, async (parseResult, cancellationToken) =>
        {
            options.RefuseUser(parseResult, "tenant list");
            await using var session = await EngineSession.OpenAsync(parseResult.GetRequiredValue(options.Database), create: false, cancellationToken).ConfigureAwait(false);
            var tenants = await session.Engine.Tenants.ListAsync(cancellationToken).ConfigureAwait(false);
            if (parseResult.GetValue(json))
            {
                await JsonOutput.WriteArrayAsync(context.Output, tenants, (writer, t) =>
                {
                    writer.WriteString("id", t.Id);
                    writer.WriteString("name", t.Name);
                    writer.WriteString("timeZone", t.Settings.TimeZone);
                    writer.WriteString("culture", t.Settings.Culture);
                    writer.WriteString("currency", t.Settings.Currency);
                    writer.WriteString("createdAt", t.CreatedAt.ToUniversalTime());
                }).ConfigureAwait(false);
                return CrmCli.Success;
            }

            if (tenants.Count == 0)
            {
                await context.Output.WriteLineAsync("No tenants yet: create one with `crm tenant create <id> --name <name>`.").ConfigureAwait(false);
                return CrmCli.Success;
            }

            var table = Tables.Create("Id", "Name", "Time zone", "Culture", "Currency", "Created (UTC)");
            foreach (var t in tenants)
            {
                Tables.AddRow(table, t.Id, t.Name, t.Settings.TimeZone, t.Settings.Culture, t.Settings.Currency, ValueText.Format(t.CreatedAt));
            }

            context.CreateConsole().Write(table);
            return CrmCli.Success;
        });
        return command;
    }
}
