using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Versioning;
using Dapper;
using Microsoft.Extensions.Logging;

namespace Crm.Engine.Storage;

/// <summary>The plugins (and the core module) registered with this engine, with their versions, in registration order.</summary>
internal sealed class RegisteredPluginVersions
{
    private readonly List<KeyValuePair<string, SemanticVersion>> _versions = [];

    public IReadOnlyList<KeyValuePair<string, SemanticVersion>> All => _versions;

    public SemanticVersion? Find(string pluginId) =>
        _versions.FirstOrDefault(v => string.Equals(v.Key, pluginId, StringComparison.Ordinal)).Value;

    public void Add(string pluginId, SemanticVersion version) => _versions.Add(new(pluginId, version));
}

/// <summary>
/// The <c>crm_plugins</c> table: which version of each plugin last ran against this store. A plugin older than the
/// recorded version is refused before any migration runs (its code does not know the schema and data the newer
/// version left, so running it would strand or corrupt them). Rows are never deleted: a removed plugin's data stays,
/// and re-installing it later still may not go back in version.
/// </summary>
internal sealed partial class PluginLedger(IStorageProvider provider, TimeProvider time, RegisteredPluginVersions plugins, ILogger logger)
{
    /// <summary>Refuses downgrades. Runs after the core schema (which creates the table) and before module migrations.</summary>
    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        await using var connection = await provider.OpenAsync(cancellationToken).ConfigureAwait(false);
        var recorded = await ReadAsync(connection, null).ConfigureAwait(false);
        ThrowOnDowngrade(recorded);
    }

    /// <summary>Records the versions, once the migrations of every module have been applied.</summary>
    public async Task RecordAsync(CancellationToken cancellationToken)
    {
        await using var connection = await provider.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await provider.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var recorded = await ReadAsync(connection, tx).ConfigureAwait(false);
        ThrowOnDowngrade(recorded); // another process may have upgraded meanwhile
        var now = provider.Dialect.TimeParameter(time.GetUtcNow());
        foreach (var (pluginId, semantic) in plugins.All)
        {
            var version = semantic.ToString();
            if (!recorded.TryGetValue(pluginId, out var previous))
            {
                await connection.ExecuteAsync(
                    "INSERT INTO crm_plugins (plugin_id, version, previous_version, installed_at, updated_at) VALUES (@pluginId, @version, NULL, @now, @now)",
                    new { pluginId, version, now }, tx).ConfigureAwait(false);
                LogInstalled(pluginId, version);
            }
            else if (!SemanticVersion.TryParse(previous, out var old) || semantic > old)
            {
                await connection.ExecuteAsync(
                    "UPDATE crm_plugins SET version = @version, previous_version = @previous, updated_at = @now WHERE plugin_id = @pluginId",
                    new { pluginId, version, previous, now }, tx).ConfigureAwait(false);
                LogUpgraded(pluginId, previous, version);
            }
        }

        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<Dictionary<string, string>> ReadAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction? tx)
    {
        var rows = await connection.QueryAsync<(string PluginId, string Version)>(
            "SELECT plugin_id, version FROM crm_plugins", transaction: tx).ConfigureAwait(false);
        return rows.ToDictionary(r => r.PluginId, r => r.Version, StringComparer.Ordinal);
    }

    private void ThrowOnDowngrade(Dictionary<string, string> recorded)
    {
        var problems = new List<string>();
        foreach (var (pluginId, version) in plugins.All)
        {
            if (recorded.TryGetValue(pluginId, out var text) && SemanticVersion.TryParse(text, out var stored) && version < stored)
            {
                problems.Add(pluginId == "core"
                    ? $"The engine is version {version}, but this store was last used by engine version {stored}. Run engine {stored} or later (a downgrade would strand data), or restore a backup taken before the upgrade."
                    : $"Plugin '{pluginId}' is version {version}, but this store was last used with version {stored} of it. Install '{pluginId}' {stored} or later (a downgrade would strand its data and schema), or restore a backup taken before the upgrade.");
            }
        }

        if (problems.Count > 0)
        {
            throw new CrmConfigurationException(string.Join(Environment.NewLine, problems));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Plugin {PluginId} {Version} installed in the store")]
    private partial void LogInstalled(string pluginId, string version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Plugin {PluginId} upgraded from {Previous} to {Version}")]
    private partial void LogUpgraded(string pluginId, string previous, string version);
}
