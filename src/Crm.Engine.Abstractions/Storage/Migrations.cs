using System.Reflection;
using System.Text.RegularExpressions;

namespace Crm.Engine.Abstractions.Storage;

/// <summary>The names of the storage providers.</summary>
public static class StorageProviders
{
    /// <summary>Embedded SQLite (the default).</summary>
    public const string Sqlite = "sqlite";

    /// <summary>PostgreSQL.</summary>
    public const string Postgres = "postgres";
}

/// <summary>One versioned SQL script of a module for one storage provider.</summary>
/// <param name="Version">The version; scripts run in ascending order, each once.</param>
/// <param name="Name">A short name, e.g. <c>init</c>.</param>
/// <param name="Sql">The script. Shipped scripts are never edited: add a new version instead (a changed checksum stops start-up).</param>
public sealed record SqlMigration(int Version, string Name, string Sql);

/// <summary>The migrations of one module (the core or a plugin).</summary>
public interface IMigrationSource
{
    /// <summary>The module id; versions are numbered per module.</summary>
    string ModuleId { get; }

    /// <summary>The scripts for one storage provider, in any order.</summary>
    /// <param name="provider">A name from <see cref="StorageProviders"/>.</param>
    /// <returns>The scripts; empty when the module has none for that provider.</returns>
    IReadOnlyList<SqlMigration> GetMigrations(string provider);
}

/// <summary>
/// Migrations embedded in an assembly as resources named <c>{prefix}.{provider}.V{version}__{name}.sql</c>,
/// e.g. <c>MyPlugin.Migrations.sqlite.V0001__init.sql</c>.
/// </summary>
/// <param name="module">The module id.</param>
/// <param name="assembly">The assembly holding the resources.</param>
/// <param name="resourcePrefix">The resource name prefix, usually <c>{AssemblyName}.Migrations</c>.</param>
public sealed partial class EmbeddedMigrationSource(string module, Assembly assembly, string resourcePrefix) : IMigrationSource
{
    /// <inheritdoc />
    public string ModuleId { get; } = module;

    /// <inheritdoc />
    public IReadOnlyList<SqlMigration> GetMigrations(string provider)
    {
        var prefix = $"{resourcePrefix}.{provider}.";
        var result = new List<SqlMigration>();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var match = ScriptName().Match(name[prefix.Length..]);
            if (!match.Success)
            {
                throw new Errors.CrmConfigurationException(
                    $"Migration resource '{name}' of module '{ModuleId}' is not named V{{version}}__{{name}}.sql.");
            }

            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            result.Add(new SqlMigration(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), match.Groups[2].Value, reader.ReadToEnd()));
        }

        return result;
    }

    [GeneratedRegex(@"^V(\d+)__([A-Za-z0-9_\-]+)\.sql$")]
    private static partial Regex ScriptName();
}
