namespace Crm.Engine.Cli;

/// <summary>An expected failure found by the command line itself (no database, unknown tenant, a bad filter value).</summary>
/// <param name="message">What is wrong and how to fix it.</param>
/// <param name="exitCode">The exit code: <see cref="CrmCli.Failure"/>, or <see cref="CrmCli.UsageError"/> when the command line is incomplete.</param>
internal sealed class CliException(string message, int exitCode = CrmCli.Failure) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
