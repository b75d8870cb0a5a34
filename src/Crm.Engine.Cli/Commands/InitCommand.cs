using System.CommandLine;

namespace Crm.Engine.Cli.Commands;

/// <summary><c>crm init</c>: creates the database if needed and brings its schema up to date.</summary>
internal static class InitCommand
{
    public static Command Build(CliContext context, CliOptions options)
    {
        var command = new Command("init", "Create the database (if missing) and apply pending migrations. Safe to run again.");
        CommandAction.Set(command, context, async (parseResult, cancellationToken) =>
        {
            options.RefuseUser(parseResult, "init");
            var path = parseResult.GetRequiredValue(options.Database);
            await using var session = await EngineSession.OpenAsync(path, create: true, cancellationToken).ConfigureAwait(false);
            var output = context.Output;
            await output.WriteLineAsync(session.Created ? $"Created database {session.DatabasePath}" : $"Database {session.DatabasePath} exists").ConfigureAwait(false);
            foreach (var migration in session.AppliedMigrations)
            {
                await output.WriteLineAsync(migration).ConfigureAwait(false);
            }

            if (session.AppliedMigrations.Count == 0)
            {
                await output.WriteLineAsync("Schema is up to date: no migrations to apply.").ConfigureAwait(false);
            }

            var tenants = await session.Engine.Tenants.ListAsync(cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync(tenants.Count == 0
                ? "No tenants yet: create one with `crm tenant create <id> --name <name>`."
                : $"{tenants.Count} tenant(s): {string.Join(", ", tenants.Select(t => t.Id))}").ConfigureAwait(false);
            return CrmCli.Success;
        });
        return command;
    }
}
