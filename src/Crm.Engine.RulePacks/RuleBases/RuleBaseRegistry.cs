using Crm.Engine.Abstractions.Security;
using Crm.Engine.Abstractions.Tenancy;
using System.Collections.Concurrent;
using System.Text;
using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Rules;
using Crm.Engine.Abstractions.Work;
using Crm.Engine.RulePacks.Expressions;
using Microsoft.Extensions.DependencyInjection;
using Crm.Engine.RulePacks.Actions;
using Crm.Engine.RulePacks.Compilation;
using Crm.Engine.RulePacks.Schema;

namespace Crm.Engine.RulePacks.RuleBases;

/// <summary>
/// Holds each tenant's current compiled rule base and swaps it atomically. The reference is replaced only after the
/// new version is compiled and stored; readers take the reference once per session, so a session never mixes versions.
/// </summary>
internal sealed class RuleBaseRegistry(
    ICrmEngine engine,
    RuleBaseStore store,
    IRuleActionCatalog catalog,
    ModuleRules moduleRules,
    IServiceProvider services,
    TimeProvider time) : IRuleBases
{
    private readonly ConcurrentDictionary<string, TenantSlot> _tenants = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, FactSchema> _schemas = new(StringComparer.Ordinal);

    public IRuleActionCatalog Actions => catalog;

    public IRuleBaseService ForTenant(string tenantId, string? appliedBy = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenantId);
        return new TenantRuleBase(this, tenantId, appliedBy);
    }

    public IRuleBaseService ForCaller(CallerContext caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return new TenantRuleBase(this, caller.TenantId, caller.SourceName ?? caller.Source.ToString().ToLowerInvariant(), caller);
    }

    /// <summary>Who changes the rules: a user caller needs the Customize privilege; returns the name stored with the version.</summary>
    internal async Task<string?> AuthorizeChangeAsync(CallerContext caller, string? appliedBy, CancellationToken cancellationToken)
    {
        if (caller.UserId is not { } userId)
        {
            return appliedBy;
        }

        var tenant = engine.ForTenant(caller);
        await tenant.Security.RequireAsync(TenantPrivilege.Customize, "changing the tenant's rule packs", cancellationToken).ConfigureAwait(false);
        return (await tenant.Organization.GetUserAsync(userId, cancellationToken).ConfigureAwait(false))?.UserName ?? userId.ToString();
    }

    internal IServiceProvider Services => services;

    internal RuleBaseStore Store => store;

    internal async Task<FactSchema> SchemaAsync(string tenantId, CancellationToken cancellationToken)
    {
        var entities = await engine.ForTenant(tenantId).Metadata.ListEntitiesAsync(cancellationToken).ConfigureAwait(false);
        var fingerprint = Fingerprint(entities);
        return _schemas.AddOrUpdate(
            tenantId,
            _ => new FactSchema(entities) { Fingerprint = fingerprint },
            (_, existing) => existing.Fingerprint == fingerprint ? existing : new FactSchema(entities) { Fingerprint = fingerprint });
    }

    /// <summary>The current base: the in-memory one when it is still the newest stored version, else loaded from the store.</summary>
    internal async Task<RuleBase> CurrentAsync(string tenantId, CancellationToken cancellationToken) =>
        await CurrentAsync(tenantId, await store.CurrentVersionAsync(tenantId, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// The current base if it has any rule, else <see langword="null"/>: what record and timer triggers ask, so that a
    /// tenant without rules (no pack applied, or only empty ones, and no module rules) costs one version query per
    /// event — no base is built, no related records are read, no session is made.
    /// </summary>
    internal async Task<RuleBase?> RunnableAsync(string tenantId, CancellationToken cancellationToken)
    {
        var stored = await store.CurrentVersionAsync(tenantId, cancellationToken).ConfigureAwait(false);
        if (stored == 0 && moduleRules.Definitions.Count == 0)
        {
            return null;
        }

        var current = await CurrentAsync(tenantId, stored, cancellationToken).ConfigureAwait(false);
        return current.Factory.Rules.Count == 0 ? null : current;
    }

    /// <summary>Whether a base of the tenant has been built in this process (tests: triggers of a tenant without rules build none).</summary>
    internal bool IsBuilt(string tenantId) => _tenants.TryGetValue(tenantId, out var slot) && slot.Current is not null;

    private async Task<RuleBase> CurrentAsync(string tenantId, long stored, CancellationToken cancellationToken)
    {
        var slot = _tenants.GetOrAdd(tenantId, _ => new TenantSlot());
        var current = slot.Current;
        if (current is not null && current.Version >= stored)
        {
            return current;
        }

        await slot.Lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            current = slot.Current;
            if (current is not null && current.Version >= stored)
            {
                return current;
            }

            var packs = stored == 0
                ? new Dictionary<string, string>()
                : (await store.ListAsync(tenantId, stored, cancellationToken).ConfigureAwait(false)).Single().Packs;
            var (compiled, errors) = await CompileAsync(tenantId, packs, cancellationToken).ConfigureAwait(false);
            if (compiled is null)
            {
                // Stored versions were valid when applied; metadata can only grow, so this means a changed action catalogue.
                throw new RulePackValidationException(errors);
            }

            var rebuilt = new RuleBase(tenantId, stored, compiled, moduleRules.Definitions, packs);
            slot.Current = rebuilt;
            return rebuilt;
        }
        finally
        {
            slot.Lock.Release();
        }
    }

    internal async Task<(CompiledPacks? Packs, List<RulePackError> Errors)> CompileAsync(string tenantId, IReadOnlyDictionary<string, string> packs, CancellationToken cancellationToken)
    {
        var schema = await SchemaAsync(tenantId, cancellationToken).ConfigureAwait(false);
        var errors = new List<RulePackError>();
        var compiler = new PackCompiler(schema, catalog);
        var compiled = compiler.Compile(packs.Select(p => (p.Key, p.Value)), [.. moduleRules.Definitions.Select(d => d.Name)], errors);
        return (compiled, errors);
    }

    /// <summary>Compiles packs and also checks that the business calendars they use exist in the tenant.</summary>
    internal async Task<(CompiledPacks? Packs, List<RulePackError> Errors)> CompileCheckedAsync(string tenantId, IReadOnlyDictionary<string, string> packs, CancellationToken cancellationToken)
    {
        var (compiled, errors) = await CompileAsync(tenantId, packs, cancellationToken).ConfigureAwait(false);
        if (compiled is null || compiled.CalendarKeys.Count == 0)
        {
            return (compiled, errors);
        }

        var missing = (await LoadContextAsync(tenantId, compiled, cancellationToken).ConfigureAwait(false)).UnavailableCalendars;
        foreach (var use in compiled.Calendars.Where(u => missing.Contains(u.Key)))
        {
            errors.Add(new RulePackError(use.File, use.Rule, use.Position.Line, use.Position.Column,
                $"tenant '{tenantId}' has no business calendar '{use.Key}'. The '{BusinessCalendarDefinition.DefaultKey}' calendar always exists; save others first (IBusinessCalendarService.SaveAsync)."));
        }

        return (errors.Count == 0 ? compiled : null, errors);
    }

    /// <summary>
    /// Loads what an evaluation of a rule base needs besides its facts: the tenant's business calendars the packs use,
    /// read now (calendars are small) so conditions can do business-time arithmetic without I/O.
    /// </summary>
    internal async Task<EvaluationContext> LoadContextAsync(string tenantId, CompiledPacks packs, CancellationToken cancellationToken)
    {
        var calendars = new Dictionary<string, IBusinessCalendar>(StringComparer.Ordinal);
        var unavailable = new Dictionary<string, string>(StringComparer.Ordinal);
        if (packs.CalendarKeys.Count > 0)
        {
            var work = services.GetService<IWorkServices>()?.ForTenant(tenantId);
            foreach (var key in packs.CalendarKeys)
            {
                try
                {
                    calendars[key] = work is null
                        ? throw new CrmNotFoundException($"business calendar '{key}' (the engine has no work services)")
                        : await work.Calendars.GetAsync(key, cancellationToken).ConfigureAwait(false);
                }
                catch (CrmNotFoundException)
                {
                    unavailable[key] = $"tenant '{tenantId}' has no business calendar '{key}'";
                }
            }
        }

        return new EvaluationContext(calendars, unavailable);
    }

    /// <summary>Validates, stores and swaps in a new version made of <paramref name="packs"/>.</summary>
    internal async Task<RuleBaseVersion> StoreAsync(string tenantId, IReadOnlyDictionary<string, string> packs, string? appliedBy, string comment, long basedOn, CancellationToken cancellationToken)
    {
        var slot = _tenants.GetOrAdd(tenantId, _ => new TenantSlot());
        await slot.Lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var (compiled, errors) = await CompileCheckedAsync(tenantId, packs, cancellationToken).ConfigureAwait(false);
            if (compiled is null)
            {
                throw new RulePackValidationException(errors);
            }

            // Compile the network before storing: a version is stored only if it can run.
            var candidate = new RuleBase(tenantId, basedOn + 1, compiled, moduleRules.Definitions, packs);
            var version = await store.AddAsync(tenantId, time.GetUtcNow(), appliedBy, comment, compiled.RuleCount, packs, basedOn, cancellationToken).ConfigureAwait(false);
            slot.Current = candidate;
            return version;
        }
        finally
        {
            slot.Lock.Release();
        }
    }

    // Every action runs even if an earlier one failed (one unreachable recipient must not stop the timer that follows);
    // the failures are reported together afterwards.
    internal async Task ExecuteAsync(RuleBase ruleBase, RuleEvaluationResult result, CancellationToken cancellationToken)
    {
        var failures = new List<string>();
        Exception? first = null;
        foreach (var invocation in result.Actions)
        {
            var action = catalog.Find(invocation.ActionName) ?? throw new CrmConfigurationException($"Rule action '{invocation.ActionName}' is no longer registered.");
            var context = new ActionContext(ruleBase.TenantId, invocation, ruleBase.Version, services, cancellationToken);
            try
            {
                await action.Handler(context).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                first ??= ex;
                failures.Add($"rule '{invocation.RuleName}' (rule base v{ruleBase.Version}), action '{invocation.ActionName}': {ex.Message}");
            }
        }

        if (failures.Count > 0)
        {
            throw new CrmException(CrmErrorCodes.Rejected, $"{failures.Count} rule action(s) failed: {string.Join("; ", failures)}", first);
        }
    }

    private static string Fingerprint(IEnumerable<TenantEntity> entities)
    {
        var text = new StringBuilder();
        foreach (var entity in entities.OrderBy(e => e.ApiName, StringComparer.Ordinal))
        {
            text.Append(entity.ApiName).Append('{');
            foreach (var field in entity.Fields)
            {
                text.Append(field.ApiName).Append(':').Append((int)field.Type).Append(':').Append(string.Join('|', field.Definition.Options.Select(o => o.Value))).Append(';');
            }

            text.Append('}');
        }

        return text.ToString();
    }

    private sealed class TenantSlot
    {
        private RuleBase? _current;

        public RuleBase? Current
        {
            get => Volatile.Read(ref _current);
            set => Volatile.Write(ref _current, value);
        }

        public SemaphoreSlim Lock { get; } = new(1, 1);
    }

    /// <summary>What an action handler receives.</summary>
    private sealed class ActionContext(string tenantId, RuleActionInvocation invocation, long version, IServiceProvider services, CancellationToken cancellationToken) : IRuleActionContext
    {
        private readonly Dictionary<string, object?> _facts = invocation.Facts.ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);

        public string TenantId => tenantId;

        public string RuleName => invocation.RuleName;

        public long RuleBaseVersion => version;

        public string ActionName => invocation.ActionName;

        public IReadOnlyDictionary<string, object?> Parameters => invocation.Parameters;

        public IReadOnlyDictionary<string, object?> Facts => _facts;

        public IServiceProvider Services => services;

        public CancellationToken CancellationToken => cancellationToken;

        public T? GetParameter<T>(string name) => invocation.Parameters.TryGetValue(name, out var value) && value is T typed ? typed : default;
    }
}
