using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using Crm.Engine.Cli.Commands;

namespace Crm.Engine.Cli;

/// <summary>The <c>crm</c> command line: builds the command tree and runs it, in-process (tests) or from <c>Program</c>.</summary>
internal static class CrmCli
{
    /// <summary>The exit code of a successful command.</summary>
    public const int Success = 0;

    /// <summary>The exit code when the engine or the command line refused the operation (the message says why).</summary>
    public const int Failure = 1;

    /// <summary>The exit code when the command line itself is wrong (unknown command or option, missing argument).</summary>
    public const int UsageError = 2;

    /// <summary>Runs a command line with the given writers and the process environment.</summary>
    /// <param name="args">The arguments, without the program name.</param>
    /// <param name="output">Standard output.</param>
    /// <param name="error">Standard error.</param>
    /// <param name="cancellationToken">Cancels the command.</param>
    /// <returns>The exit code.</returns>
    public static Task<int> InvokeAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default) =>
        InvokeAsync(args, new CliContext(output, error, Environment.GetEnvironmentVariable), cancellationToken);

    /// <summary>Runs a command line in a context.</summary>
    /// <param name="args">The arguments, without the program name.</param>
    /// <param name="context">Writers and environment.</param>
    /// <param name="cancellationToken">Cancels the command.</param>
    /// <returns>The exit code.</returns>
    public static async Task<int> InvokeAsync(IReadOnlyList<string> args, CliContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = new CliOptions(context);
        var parseResult = BuildRootCommand(context, options).Parse(args);
        if (parseResult.Action is ParseErrorAction)
        {
            foreach (var parseError in parseResult.Errors)
            {
                await context.Error.WriteLineAsync($"error: {parseError.Message}").ConfigureAwait(false);
            }

            await context.Error.WriteLineAsync($"Run '{CommandPath(parseResult.CommandResult)} --help' for usage.").ConfigureAwait(false);
            return UsageError;
        }

        var invocation = new InvocationConfiguration { Output = context.Output, Error = context.Error };
        try
        {
            EngineSession.PluginsDirectory.Value = options.ResolvePlugins(parseResult);
        }
        catch (CliException ex)
        {
            await context.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return ex.ExitCode;
        }

        return await parseResult.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Builds the command tree.</summary>
    /// <param name="context">Writers and environment the commands use.</param>
    /// <returns>The root command.</returns>
    /// <param name="options">The global options (the same instances the parse result is read with).</param>
    public static RootCommand BuildRootCommand(CliContext context, CliOptions options)
    {
        var root = new RootCommand("crm: set up and inspect Crm.Engine tenants (fields, labels, accounts, contacts) in a SQLite database.");
        root.Options.Add(options.Database);
        root.Options.Add(options.User);
        root.Options.Add(options.Plugins);
        root.Subcommands.Add(InitCommand.Build(context, options));
        root.Subcommands.Add(TenantCommands.Build(context, options));
        root.Subcommands.Add(EntityCommands.Build(context, options));
        root.Subcommands.Add(FieldCommands.Build(context, options));
        root.Subcommands.Add(RecordCommands.Build(context, options, RecordCommands.Account));
        root.Subcommands.Add(RecordCommands.Build(context, options, RecordCommands.Contact));
        root.Subcommands.Add(RuleCommands.Build(context, options));
        root.Subcommands.Add(ImportCommand.Build(context, options));
        root.Subcommands.Add(ReportCommands.Build(context, options));
        return root;
    }

    /// <summary>The command's path as typed, e.g. <c>crm field add</c>.</summary>
    /// <param name="result">The parsed command.</param>
    /// <returns>The path.</returns>
    public static string CommandPath(CommandResult? result)
    {
        var names = new List<string>();
        for (var current = result; current is not null; current = current.Parent as CommandResult)
        {
            names.Add(current.Command is RootCommand ? "crm" : current.Command.Name);
        }

        names.Reverse();
        return names.Count == 0 ? "crm" : string.Join(' ', names);
    }
}
