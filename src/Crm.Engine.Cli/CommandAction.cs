using System.CommandLine;
using System.Data.Common;
using System.Globalization;
using Crm.Engine.Abstractions.Errors;

namespace Crm.Engine.Cli;

/// <summary>Runs a command's work and turns expected errors into <c>error: ...</c> lines and exit code 1, without a stack trace.</summary>
internal static class CommandAction
{
    /// <summary>Sets a command's action.</summary>
    /// <param name="command">The command.</param>
    /// <param name="context">Where errors are written.</param>
    /// <param name="action">The work; returns the exit code.</param>
    public static void Set(Command command, CliContext context, Func<ParseResult, CancellationToken, Task<int>> action) =>
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            try
            {
                return await action(parseResult, cancellationToken).ConfigureAwait(false);
            }
            catch (CrmValidationException ex)
            {
                foreach (var error in ex.Errors)
                {
                    await context.Error.WriteLineAsync("error: " + Describe(error)).ConfigureAwait(false);
                }
            }
            catch (CrmException ex)
            {
                await context.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            }
            catch (CliException ex)
            {
                await context.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
                if (ex.ExitCode == CrmCli.UsageError)
                {
                    await context.Error.WriteLineAsync($"Run '{CrmCli.CommandPath(parseResult.CommandResult)} --help' for usage.").ConfigureAwait(false);
                }

                return ex.ExitCode;
            }
            catch (DbException ex)
            {
                await context.Error.WriteLineAsync("error: the database could not be used: " + ex.Message).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                await context.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            }

            return CrmCli.Failure;
        });

    /// <summary>One validation error as one line: <c>entity.field (value "x"): message</c>.</summary>
    /// <param name="error">The error.</param>
    /// <returns>The line, without the <c>error: </c> prefix.</returns>
    public static string Describe(CrmValidationError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var target = error.Field is null ? error.EntityType : $"{error.EntityType}.{error.Field}";
        return error.Value is null
            ? $"{target}: {error.Message}"
            : string.Create(CultureInfo.InvariantCulture, $"{target} (value \"{Output.ValueText.Format(error.Value)}\"): {error.Message}");
    }
}
