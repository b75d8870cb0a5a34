using System.CommandLine;
using Crm.Engine.Cli.Output;

namespace Crm.Engine.Cli.Commands;

/// <summary><c>crm entity list|rename</c>: the entity types of a tenant and their display names.</summary>
internal static class EntityCommands
{
    public static Command Build(CliContext context, CliOptions options)
    {
        var tenant = options.CreateTenant();
        var entity = new Command("entity", "List entity types and rename them for a tenant.") { tenant };
        entity.Subcommands.Add(BuildList(context, options, tenant));
        entity.Subcommands.Add(BuildRename(context, options, tenant));
        return entity;
    }

    private static Command BuildList(CliContext context, CliOptions options, Option<string?> tenant)
    {
        var json = CliOptions.CreateJson();
        var command = new Command("list", "List the entity types as the tenant sees them.") { json };
        CommandAction.Set(command, context, async (parseResult, cancellationToken) =>
        {
            await using var session = await EngineSession.OpenAsync(parseResult.GetRequiredValue(options.Database), create: false, cancellationToken, parseResult.GetValue(options.User)).ConfigureAwait(false);
            var crm = await session.OpenTenantAsync(CliOptions.GetTenant(parseResult, tenant), cancellationToken).ConfigureAwait(false);
            var entities = await crm.Metadata.ListEntitiesAsync(cancellationToken).ConfigureAwait(false);
            if (parseResult.GetValue(json))
            {
                await JsonOutput.WriteArrayAsync(context.Output, entities, (writer, e) =>
                {
                    writer.WriteString("apiName", e.ApiName);
                    writer.WriteString("displayName", e.DisplayName);
                    writer.WriteString("pluralName", e.PluralName);
                    writer.WriteString("module", e.Definition.Module);
                    writer.WriteString("primaryField", e.Definition.PrimaryField);
                    writer.WriteNumber("fields", e.Fields.Count);
                    writer.WriteNumber("customFields", e.Fields.Count(f => f.Definition.IsCustom));
                }).ConfigureAwait(false);
                return CrmCli.Success;
            }

            var table = Tables.Create("API name", "Display name", "Plural", "Module", "Fields", "Custom fields");
            foreach (var e in entities)
            {
                Tables.AddRow(table, e.ApiName, e.DisplayName, e.PluralName, e.Definition.Module, ValueText.Format(e.Fields.Count), ValueText.Format(e.Fields.Count(f => f.Definition.IsCustom)));
            }

            context.CreateConsole().Write(table);
            return CrmCli.Success;
        });
        return command;
    }

    private static Command BuildRename(CliContext context, CliOptions options, Option<string?> tenant)
    {
        var entityArgument = new Argument<string>("entity") { Description = "The entity type's API name, e.g. account." };
        var displayName = new Argument<string>("displayName") { Description = "The new singular name, e.g. Customer." };
        var plural = new Option<string?>("--plural") { Description = "The new plural name (default: the singular name + s).", HelpName = "name" };
        var command = new Command("rename", "Change the display names of an entity type for the tenant (the API name never changes).") { entityArgument, displayName, plural };
        CommandAction.Set(command, context, async (parseResult, cancellationToken) =>
        {
            await using var session = await EngineSession.OpenAsync(parseResult.GetRequiredValue(options.Database), create: false, cancellationToken, parseResult.GetValue(options.User)).ConfigureAwait(false);
            var crm = await session.OpenTenantAsync(CliOptions.GetTenant(parseResult, tenant), cancellationToken).ConfigureAwait(false);
            var entityType = parseResult.GetRequiredValue(entityArgument);
            await crm.Metadata.RenameEntityAsync(entityType, parseResult.GetRequiredValue(displayName), parseResult.GetValue(plural), cancellationToken).ConfigureAwait(false);
            var renamed = await crm.Metadata.GetEntityAsync(entityType, cancellationToken).ConfigureAwait(false);
            await context.Output.WriteLineAsync($"Renamed entity {renamed.ApiName} for tenant {crm.TenantId}: shown as '{renamed.DisplayName}' (plural '{renamed.PluralName}').").ConfigureAwait(false);
            return CrmCli.Success;
        });
        return command;
    }
}
