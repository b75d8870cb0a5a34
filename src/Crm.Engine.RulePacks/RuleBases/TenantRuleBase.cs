using Crm.Engine.Abstractions.Errors;
using Crm.Engine.RulePacks.Compilation;
using Crm.Engine.RulePacks.Expressions;
using Crm.Engine.Rules;

namespace Crm.Engine.RulePacks.RuleBases;

/// <summary>A cheap per-tenant view of <see cref="RuleBaseRegistry"/>.</summary>
internal sealed class TenantRuleBase(RuleBaseRegistry registry, string tenantId, string? appliedBy, Abstractions.Tenancy.CallerContext? caller = null) : IRuleBaseService
{
    public string TenantId => tenantId;

    private Task<string?> ByAsync(CancellationToken cancellationToken) =>
        caller is null ? Task.FromResult(appliedBy) : registry.AuthorizeChangeAsync(caller, appliedBy, cancellationToken);

    public async Task<IReadOnlyList<RulePackError>> ValidateAsync(string packText, string fileName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(packText);
        ArgumentException.ThrowIfNullOrWhiteSpace(fileName);
        var current = await registry.CurrentAsync(tenantId, cancellationToken).ConfigureAwait(false);
        var packs = new Dictionary<string, string>(current.PackTexts, StringComparer.Ordinal) { [fileName] = packText };
        var (_, errors) = await registry.CompileCheckedAsync(tenantId, packs, cancellationToken).ConfigureAwait(false);
        return errors;
    }

    public async Task<RuleBaseVersion> ApplyAsync(string packText, string fileName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(packText);
        ArgumentException.ThrowIfNullOrWhiteSpace(fileName);
        var current = await registry.CurrentAsync(tenantId, cancellationToken).ConfigureAwait(false);
        var packs = new Dictionary<string, string>(current.PackTexts, StringComparer.Ordinal) { [fileName] = packText };
        return await registry.StoreAsync(tenantId, packs, await ByAsync(cancellationToken).ConfigureAwait(false), $"apply {fileName}", current.Version, cancellationToken).ConfigureAwait(false);
    }

    public async Task<RuleBaseVersion> RemoveAsync(string fileName, CancellationToken cancellationToken = default)
    {
        var current = await registry.CurrentAsync(tenantId, cancellationToken).ConfigureAwait(false);
        if (!current.PackTexts.ContainsKey(fileName))
        {
            throw new CrmNotFoundException($"Rule pack '{fileName}' in tenant '{tenantId}'");
        }

        var packs = current.PackTexts.Where(p => p.Key != fileName).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        return await registry.StoreAsync(tenantId, packs, await ByAsync(cancellationToken).ConfigureAwait(false), $"remove {fileName}", current.Version, cancellationToken).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<RuleBaseVersion>> HistoryAsync(CancellationToken cancellationToken = default) =>
        registry.Store.ListAsync(tenantId, null, cancellationToken);

    public async Task<RuleBaseVersion> RollbackAsync(long version, CancellationToken cancellationToken = default)
    {
        var target = (await registry.Store.ListAsync(tenantId, version, cancellationToken).ConfigureAwait(false)).SingleOrDefault()
            ?? throw new CrmNotFoundException($"Rule-base version {version} of tenant '{tenantId}'");
        var current = await registry.CurrentAsync(tenantId, cancellationToken).ConfigureAwait(false);
        return await registry.StoreAsync(tenantId, target.Packs, await ByAsync(cancellationToken).ConfigureAwait(false), $"rollback to {version}", current.Version, cancellationToken).ConfigureAwait(false);
    }

    public async Task<long> CurrentVersionAsync(CancellationToken cancellationToken = default) =>
        (await registry.CurrentAsync(tenantId, cancellationToken).ConfigureAwait(false)).Version;

    public async Task<IRuleBaseSession> CreateSessionAsync(CancellationToken cancellationToken = default) =>
        await CreateSessionAsync(await registry.CurrentAsync(tenantId, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    public async Task<RuleEvaluationResult> EvaluateAsync(IEnumerable<object> facts, bool dryRun = false, CancellationToken cancellationToken = default) =>
        await EvaluateAsync(await registry.CurrentAsync(tenantId, cancellationToken).ConfigureAwait(false), facts, dryRun, cancellationToken).ConfigureAwait(false);

    /// <summary>Evaluates <paramref name="facts"/> on a given version of the tenant's base (one the caller already holds).</summary>
    internal async Task<RuleEvaluationResult> EvaluateAsync(RuleBase ruleBase, IEnumerable<object> facts, bool dryRun, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var session = await CreateSessionAsync(ruleBase, cancellationToken).ConfigureAwait(false);
        foreach (var fact in facts)
        {
            session.Insert(fact);
        }

        return await session.FireAsync(dryRun, cancellationToken).ConfigureAwait(false);
    }

    private async Task<IRuleBaseSession> CreateSessionAsync(RuleBase ruleBase, CancellationToken cancellationToken)
    {
        var context = await registry.LoadContextAsync(tenantId, ruleBase.Packs, cancellationToken).ConfigureAwait(false);
        return new RuleBaseSession(registry, ruleBase, context);
    }
}

/// <summary>A session pinned to one rule-base version.</summary>
internal sealed class RuleBaseSession : IRuleBaseSession
{
    private readonly RuleBaseRegistry _registry;
    private readonly RuleBase _ruleBase;
    private readonly ActionCollector _collector = new();
    private readonly ISession _session;
    private readonly EvaluationContext _context;
    private int _firingsSeen;
    private int _actionsSeen;
    private int _warningsSeen;

    public RuleBaseSession(RuleBaseRegistry registry, RuleBase ruleBase, EvaluationContext context)
    {
        _registry = registry;
        _ruleBase = ruleBase;
        _context = context;
        _session = ruleBase.CreateSession(_collector, registry.Services);
    }

    public long Version => _ruleBase.Version;

    public void Insert(object fact) => RuleBase.Insert(_session, _context, fact);

    public async Task<RuleEvaluationResult> FireAsync(bool dryRun = false, CancellationToken cancellationToken = default)
    {
        using (_context.Enter())
        {
            _session.Fire(cancellationToken);
        }

        var firings = _session.Firings.Skip(_firingsSeen).Select(f => new RuleFiring(f.Sequence, f.RuleName, f.Facts)).ToList();
        var actions = _collector.Invocations.Skip(_actionsSeen).ToList();
        var warnings = _collector.Warnings.Skip(_warningsSeen).ToList();
        (_firingsSeen, _actionsSeen, _warningsSeen) = (_session.Firings.Count, _collector.Invocations.Count, _collector.Warnings.Count);
        var result = new RuleEvaluationResult(_ruleBase.TenantId, _ruleBase.Version, dryRun, firings, actions, warnings);
        if (!dryRun)
        {
            await _registry.ExecuteAsync(_ruleBase, result, cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    public IReadOnlyList<string> Explain(string ruleName) => _ruleBase.Explain(_session, ruleName, _context);
}
