using System.CommandLine;

namespace Crm.Engine.Cli;

/// <summary>The options several commands share: <c>--db</c> (on every command), <c>--tenant</c> and <c>--json</c>.</summary>
internal sealed class CliOptions
{
    public const string DatabaseVariable = "CRM_DB";
    public const string TenantVariable = "CRM_TENANT";
    public const string UserVariable = "CRM_USER";
    public const string PluginsVariable = "CRM_PLUGINS";
    public const string DefaultDatabase = "crm.db";

    private readonly CliContext _context;

    public CliOptions(CliContext context)
    {
        _context = context;
        Database = new Option<string>("--db")
        {
            Description = $"The database file (default: ${DatabaseVariable}, else {DefaultDatabase} in the current folder).",
            HelpName = "path",
            Recursive = true,
            DefaultValueFactory = _ => context.GetEnvironmentVariable(DatabaseVariable) ?? DefaultDatabase,
        };
        User = new Option<string?>("--user")
        {
            Description = $"Act as this user of the tenant, with their security roles, audited as them (default: ${UserVariable}, else the system context).",
            HelpName = "user name",
            Recursive = true,
            DefaultValueFactory = _ => context.GetEnvironmentVariable(UserVariable),
        };
        Plugins = new Option<string?>("--plugins")
        {
            Description = $"The plugins folder (one sub-folder per plugin) to load the business modules from (default: ${PluginsVariable}, else the plugins folder next to crm, where the build puts the built-in modules).",
            HelpName = "folder",
            Recursive = true,
            DefaultValueFactory = _ => context.GetEnvironmentVariable(PluginsVariable),
        };
    }

    /// <summary>The <c>--db</c> option, on the root command and inherited by every command.</summary>
    public Option<string> Database { get; }

    /// <summary>The <c>--plugins</c> option, on the root command and inherited by every command.</summary>
    public Option<string?> Plugins { get; }

    /// <summary>
    /// The plugins folder a command loads: <c>--plugins</c> or <c>$CRM_PLUGINS</c> (which must exist), else the
    /// <c>plugins</c> folder next to the program when there is one, else none (the core only).
    /// </summary>
    /// <param name="parseResult">The parsed command line.</param>
    /// <returns>The folder, or <see langword="null"/>.</returns>
    public string? ResolvePlugins(ParseResult parseResult)
    {
        if (parseResult.GetValue(Plugins) is { } given && !string.IsNullOrWhiteSpace(given))
        {
            var full = Path.GetFullPath(given);
            return Directory.Exists(full) ? full : throw new CliException($"the plugins folder {full} does not exist (given with --plugins or ${PluginsVariable}).");
        }

        var builtIn = Path.Combine(AppContext.BaseDirectory, "plugins");
        return Directory.Exists(builtIn) ? builtIn : null;
    }

    /// <summary>The <c>--user</c> option: the user name tenant commands act as (default: the system context).</summary>
    public Option<string?> User { get; }

    /// <summary>
    /// For a command that acts as no user (on the database rather than a tenant, or a dry run that changes nothing):
    /// refuses an explicit <c>--user</c>, so it is never silently ignored. <c>CRM_USER</c> from the environment is not an error there.
    /// </summary>
    /// <param name="parseResult">The parsed command line.</param>
    /// <param name="command">The command, for the message.</param>
    public void RefuseUser(ParseResult parseResult, string command)
    {
        if (parseResult.GetResult(User) is { Implicit: false })
        {
            throw new CliException($"--user does not apply to `crm {command}`: it changes nothing and acts as no user of a tenant.", CrmCli.UsageError);
        }
    }

    /// <summary>Creates a <c>--tenant</c> option for a group of tenant-scoped commands.</summary>
    /// <returns>The option; add it to the group's command, it is inherited by the group's commands.</returns>
    public Option<string?> CreateTenant() => new("--tenant")
    {
        Description = $"The tenant id (default: ${TenantVariable}).",
        HelpName = "id",
        Recursive = true,
        DefaultValueFactory = _ => _context.GetEnvironmentVariable(TenantVariable),
    };

    /// <summary>Creates a <c>--json</c> flag for a list command.</summary>
    /// <returns>The option.</returns>
    public static Option<bool> CreateJson() => new("--json") { Description = "Print JSON (for scripts) instead of a table." };

    /// <summary>Reads the tenant of a tenant-scoped command; none given is a usage error (exit code 2).</summary>
    /// <param name="parseResult">The parse result.</param>
    /// <param name="tenant">The <c>--tenant</c> option.</param>
    /// <returns>The tenant id.</returns>
    /// <exception cref="CliException">No tenant was given.</exception>
    public static string GetTenant(ParseResult parseResult, Option<string?> tenant) =>
        parseResult.GetValue(tenant) is { } id && !string.IsNullOrWhiteSpace(id)
            ? id
            : throw new CliException($"no tenant given: pass --tenant <id> or set {TenantVariable}.", CrmCli.UsageError);
}
