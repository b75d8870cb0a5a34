using System.Security.Cryptography;
using System.Text;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Storage;
using Dapper;
using Microsoft.Extensions.Logging;

namespace Crm.Engine.Storage;

/// <summary>
/// Applies each module's versioned scripts once, in module order then version order, recording them in
/// <c>crm_schema_migrations</c>. Safe to run from several processes: each script runs in a write transaction that
/// re-checks what is applied. A shipped script that was edited (checksum changed) stops start-up.
/// </summary>
internal sealed partial class MigrationRunner(IStorageProvider provider, TimeProvider time, ILogger<MigrationRunner> logger)
{
    public async Task<int> RunAsync(IReadOnlyList<IMigrationSource> sources, CancellationToken cancellationToken)
    {
        await using var connection = await provider.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(
            """
            CREATE TABLE IF NOT EXISTS crm_schema_migrations (
                module TEXT NOT NULL,
                version INTEGER NOT NULL,
                name TEXT NOT NULL,
                checksum TEXT NOT NULL,
                applied_at TEXT NOT NULL,
                PRIMARY KEY (module, version)
            )
            """).ConfigureAwait(false);

        var applied = 0;
        foreach (var source in sources)
        {
            var scripts = source.GetMigrations(provider.Name).OrderBy(m => m.Version).ToList();
            if (scripts.Count == 0 && source.ModuleId == Metadata.CrmRegistry.CoreSchemaModule)
            {
                throw new CrmConfigurationException($"The storage provider '{provider.Name}' ships no core schema migrations; the provider package is broken.");
            }

            var duplicate = scripts.GroupBy(m => m.Version).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null)
            {
                throw new CrmConfigurationException($"Module '{source.ModuleId}' has two {provider.Name} migrations numbered {duplicate.Key}.");
            }

            foreach (var script in scripts)
            {
                if (await ApplyAsync(connection, source.ModuleId, script, cancellationToken).ConfigureAwait(false))
                {
                    applied++;
                }
            }
        }

        return applied;
    }

    private async Task<bool> ApplyAsync(System.Data.Common.DbConnection connection, string module, SqlMigration script, CancellationToken cancellationToken)
    {
        var checksum = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(script.Sql.ReplaceLineEndings("\n"))));
        await using var tx = await provider.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var existing = await connection.QuerySingleOrDefaultAsync<string>(
            "SELECT checksum FROM crm_schema_migrations WHERE module = @module AND version = @version",
            new { module, version = script.Version }, tx).ConfigureAwait(false);
        if (existing is not null)
        {
            if (!string.Equals(existing, checksum, StringComparison.Ordinal))
            {
                throw new CrmConfigurationException(
                    $"Migration {script.Version} ({script.Name}) of module '{module}' was changed after it was applied. Shipped migrations are never edited: restore it and add a new version.");
            }

            return false;
        }

        try
        {
            await connection.ExecuteAsync(script.Sql, transaction: tx).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException)
        {
            throw new CrmConfigurationException($"Migration {script.Version} ({script.Name}) of module '{module}' failed: {ex.Message}", ex);
        }

        await connection.ExecuteAsync(
            "INSERT INTO crm_schema_migrations (module, version, name, checksum, applied_at) VALUES (@module, @version, @name, @checksum, @at)",
            new { module, version = script.Version, name = script.Name, checksum, at = DbValues.FormatTime(time.GetUtcNow()) }, tx).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        LogApplied(module, script.Version, script.Name);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied migration {Module} {Version} ({Name})")]
    private partial void LogApplied(string module, int version, string name);
}
