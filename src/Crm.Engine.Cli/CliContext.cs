using Spectre.Console;

namespace Crm.Engine.Cli;

/// <summary>Where a run of the command line writes, and where it reads its environment from; tests pass their own.</summary>
/// <param name="output">Standard output: tables, JSON, confirmations.</param>
/// <param name="error">Standard error: error messages.</param>
/// <param name="environment">Reads an environment variable (<c>CRM_DB</c>, <c>CRM_TENANT</c>).</param>
/// <param name="outputIsTerminal">Whether <paramref name="output"/> is an interactive terminal (colours, detected width).</param>
internal sealed class CliContext(TextWriter output, TextWriter error, Func<string, string?> environment, bool outputIsTerminal = false)
{
    /// <summary>The width tables get when the output is not a terminal (a file, a pipe, a test): wide enough not to wrap.</summary>
    public const int RedirectedWidth = 240;

    public TextWriter Output { get; } = output;

    public TextWriter Error { get; } = error;

    /// <summary>The context of the real process: the console and the process environment.</summary>
    /// <returns>The context.</returns>
    public static CliContext ForConsole() =>
        new(Console.Out, Console.Error, Environment.GetEnvironmentVariable, !Console.IsOutputRedirected);

    public string? GetEnvironmentVariable(string name)
    {
        var value = environment(name);
        return string.IsNullOrWhiteSpace(value) ? null : value;
    }

    /// <summary>A Spectre console over <see cref="Output"/>: plain text unless the output is a terminal.</summary>
    /// <returns>The console.</returns>
    public IAnsiConsole CreateConsole()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = outputIsTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = outputIsTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(Output),
        });
        if (!outputIsTerminal)
        {
            console.Profile.Width = RedirectedWidth;
        }

        return console;
    }
}
