using System.Globalization;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Storage;
using Dapper;

namespace Crm.Engine.RulePacks.RuleBases;

/// <summary>The stored versions of tenants' rule bases (table <c>rule_base_versions</c> and <c>rule_base_packs</c>, migration V0004).</summary>
internal sealed class RuleBaseStore(IStorageProvider storage)
{
    public async Task<long> CurrentVersionAsync(string tenantId, CancellationToken cancellationToken)
    {
        await using var connection = await storage.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT MAX(version) FROM rule_base_versions WHERE tenant_id = @tenantId", new { tenantId }, cancellationToken: cancellationToken)).ConfigureAwait(false) ?? 0;
    }

    /// <summary>Stores a new version (the next number) with its packs. Concurrent appliers get distinct numbers or a concurrency error.</summary>
    public async Task<RuleBaseVersion> AddAsync(string tenantId, DateTimeOffset at, string? by, string comment, int ruleCount, IReadOnlyDictionary<string, string> packs, long expectedCurrent, CancellationToken cancellationToken)
    {
        await using var connection = await storage.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await storage.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var current = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT MAX(version) FROM rule_base_versions WHERE tenant_id = @tenantId", new { tenantId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false) ?? 0;
        if (current != expectedCurrent)
        {
            // Another process applied a version after this one was validated against the previous packs.
            throw new CrmException(CrmErrorCodes.Concurrency, $"The rule base of tenant '{tenantId}' changed (now version {current}) while version {expectedCurrent + 1} was being applied; apply again.");
        }

        var version = current + 1;
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO rule_base_versions (tenant_id, version, applied_at, applied_by, comment, rule_count) VALUES (@tenantId, @version, @at, @by, @comment, @ruleCount)",
            new { tenantId, version, at = storage.Dialect.TimeParameter(at), by, comment, ruleCount },
            transaction,
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        foreach (var (file, text) in packs)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO rule_base_packs (tenant_id, version, file_name, pack_text) VALUES (@tenantId, @version, @file, @text)",
                new { tenantId, version, file, text },
                transaction,
                cancellationToken: cancellationToken)).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new RuleBaseVersion(version, at, by, comment, ruleCount, packs);
    }

    public async Task<IReadOnlyList<RuleBaseVersion>> ListAsync(string tenantId, long? onlyVersion, CancellationToken cancellationToken)
    {
        await using var connection = await storage.OpenAsync(cancellationToken).ConfigureAwait(false);
        var versions = await connection.QueryAsync<VersionRow>(new CommandDefinition(
            "SELECT version AS Version, applied_at AS AppliedAt, applied_by AS AppliedBy, comment AS Comment, rule_count AS RuleCount FROM rule_base_versions WHERE tenant_id = @tenantId AND (@onlyVersion IS NULL OR version = @onlyVersion) ORDER BY version",
            new { tenantId, onlyVersion },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        var packs = await connection.QueryAsync<PackRow>(new CommandDefinition(
            "SELECT version AS Version, file_name AS FileName, pack_text AS PackText FROM rule_base_packs WHERE tenant_id = @tenantId AND (@onlyVersion IS NULL OR version = @onlyVersion) ORDER BY version, file_name",
            new { tenantId, onlyVersion },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        var byVersion = packs.GroupBy(p => p.Version).ToDictionary(g => g.Key, g => (IReadOnlyDictionary<string, string>)g.ToDictionary(p => p.FileName, p => p.PackText, StringComparer.Ordinal));
        return [.. versions.Select(v => new RuleBaseVersion(
            v.Version,
            v.AppliedAt is DateTimeOffset t ? t : DateTimeOffset.Parse(Convert.ToString(v.AppliedAt, CultureInfo.InvariantCulture)!, CultureInfo.InvariantCulture),
            v.AppliedBy,
            v.Comment,
            (int)v.RuleCount,
            byVersion.GetValueOrDefault(v.Version) ?? new Dictionary<string, string>()))];
    }

    private sealed class VersionRow
    {
        public long Version { get; set; }

        public object AppliedAt { get; set; } = string.Empty;

        public string? AppliedBy { get; set; }

        public string Comment { get; set; } = string.Empty;

        public long RuleCount { get; set; }
    }

    private sealed class PackRow
    {
        public long Version { get; set; }

        public string FileName { get; set; } = string.Empty;

        public string PackText { get; set; } = string.Empty;
    }
}
