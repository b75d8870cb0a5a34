using Crm.Engine.Abstractions.Tenancy;
using Crm.Engine.RulePacks.Actions;

namespace Crm.Engine.RulePacks.RuleBases;

/// <summary>The engine's per-tenant rule bases (resolve from the engine's services after <c>AddRulePacks()</c>).</summary>
public interface IRuleBases
{
    /// <summary>The registered rule actions.</summary>
    IRuleActionCatalog Actions { get; }

    /// <summary>The rule base of a tenant.</summary>
    /// <param name="tenantId">The tenant.</param>
    /// <param name="appliedBy">Who applies packs through this view (stored with each version), e.g. a user name or <c>crm</c>.</param>
    /// <returns>The tenant's rule-base service.</returns>
    IRuleBaseService ForTenant(string tenantId, string? appliedBy = null);

    /// <summary>
    /// The rule base of the caller's tenant, acting as the caller: applying, removing and rolling back packs needs the
    /// <c>Customize</c> tenant privilege when the caller is a user, and each version records the user's name.
    /// </summary>
    /// <param name="caller">Tenant, user and source.</param>
    /// <returns>The tenant's rule-base service for that caller.</returns>
    IRuleBaseService ForCaller(CallerContext caller);
}

/// <summary>
/// One tenant's rule base: validate and apply packs (atomic swap to a new version), list and roll back versions, and
/// evaluate facts. Sessions in flight keep the version they started with.
/// </summary>
public interface IRuleBaseService
{
    /// <summary>The tenant.</summary>
    string TenantId { get; }

    /// <summary>Validates a pack as if it were applied (against the tenant's metadata and the other packs); changes nothing.</summary>
    /// <param name="packText">The pack's YAML or JSON text.</param>
    /// <param name="fileName">The pack's file name (identifies the pack within the tenant's rule base).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>Every error; empty when the pack is valid.</returns>
    Task<IReadOnlyList<RulePackError>> ValidateAsync(string packText, string fileName, CancellationToken cancellationToken = default);

    /// <summary>
    /// Validates and compiles a new rule base with this pack (replacing the tenant's pack of the same file name), stores
    /// it as the next version and swaps it in. A pack with any error is rejected whole and nothing changes.
    /// </summary>
    /// <param name="packText">The pack's YAML or JSON text.</param>
    /// <param name="fileName">The pack's file name.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The new version.</returns>
    /// <exception cref="RulePackValidationException">The pack has errors.</exception>
    Task<RuleBaseVersion> ApplyAsync(string packText, string fileName, CancellationToken cancellationToken = default);

    /// <summary>Removes a pack file from the rule base, as a new version.</summary>
    /// <param name="fileName">The pack's file name.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The new version.</returns>
    Task<RuleBaseVersion> RemoveAsync(string fileName, CancellationToken cancellationToken = default);

    /// <summary>Every stored version, oldest first, with its packs' text.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The versions.</returns>
    Task<IReadOnlyList<RuleBaseVersion>> HistoryAsync(CancellationToken cancellationToken = default);

    /// <summary>Re-applies the packs of an earlier version as a new version.</summary>
    /// <param name="version">The version to restore.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The new version.</returns>
    Task<RuleBaseVersion> RollbackAsync(long version, CancellationToken cancellationToken = default);

    /// <summary>The version new sessions use (picking up a version another process stored).</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The version; 0 when no pack was ever applied.</returns>
    Task<long> CurrentVersionAsync(CancellationToken cancellationToken = default);

    /// <summary>Creates a session on the current version.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The session.</returns>
    Task<IRuleBaseSession> CreateSessionAsync(CancellationToken cancellationToken = default);

    /// <summary>Evaluates facts (records and events) on the current version and performs the actions (unless a dry run).</summary>
    /// <param name="facts">The facts.</param>
    /// <param name="dryRun">Whether to only record the actions the rules would take.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>What fired and which actions were taken.</returns>
    Task<RuleEvaluationResult> EvaluateAsync(IEnumerable<object> facts, bool dryRun = false, CancellationToken cancellationToken = default);
}

/// <summary>A session on one version of a tenant's rule base. Not thread-safe.</summary>
public interface IRuleBaseSession
{
    /// <summary>The rule-base version of this session (fixed for its lifetime).</summary>
    long Version { get; }

    /// <summary>Adds a fact.</summary>
    /// <param name="fact">A record or an event.</param>
    void Insert(object fact);

    /// <summary>Fires the rules and performs the collected actions (unless a dry run).</summary>
    /// <param name="dryRun">Whether to only record the actions.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>What fired and which actions were taken by this call.</returns>
    Task<RuleEvaluationResult> FireAsync(bool dryRun = false, CancellationToken cancellationToken = default);

    /// <summary>Explains a rule against the session's facts: its firings, or which condition failed for which fact.</summary>
    /// <param name="ruleName">The rule.</param>
    /// <returns>Readable lines.</returns>
    IReadOnlyList<string> Explain(string ruleName);
}
