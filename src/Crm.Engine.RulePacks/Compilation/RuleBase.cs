using System.Globalization;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Rules;
using Crm.Engine.RulePacks.Expressions;
using Crm.Engine.Rules;
using Crm.Engine.Rules.Diagnostics;
using Crm.Engine.Rules.Fluent;
using Crm.Engine.Rules.RuleModel;

namespace Crm.Engine.RulePacks.Compilation;

/// <summary>The C# rules the plugins registered, loaded once (shared by every tenant's rule base).</summary>
internal sealed class ModuleRules
{
    public ModuleRules(IEnumerable<RuleTypeRegistration> registrations)
    {
        var repository = new RuleRepository();
        var types = registrations.SelectMany(r => r.RuleTypes).Distinct().ToList();
        if (types.Count > 0)
        {
            repository.Load(x => x.From(types));
        }

        Definitions = [.. repository.GetRuleSets().SelectMany(s => s.Rules)];
    }

    public IReadOnlyList<IRuleDefinition> Definitions { get; }
}

/// <summary>
/// One immutable, compiled version of a tenant's rules (module rules + the tenant's packs). Thread-safe: sessions are
/// created from it concurrently; a new version is a new instance swapped in atomically.
/// </summary>
internal sealed class RuleBase
{
    public RuleBase(string tenantId, long version, CompiledPacks packs, IReadOnlyList<IRuleDefinition> moduleRules, IReadOnlyDictionary<string, string> packTexts)
    {
        TenantId = tenantId;
        Version = version;
        Packs = packs;
        PackTexts = packTexts;
        Factory = new RuleCompiler { MaxFiringsPerFire = 100_000 }.Compile([.. moduleRules, .. packs.Definitions]);
    }

    public string TenantId { get; }

    public long Version { get; }

    public CompiledPacks Packs { get; }

    public IReadOnlyDictionary<string, string> PackTexts { get; }

    public ISessionFactory Factory { get; }

    /// <summary>A traced session whose pack actions are collected, not performed.</summary>
    public ISession CreateSession(ActionCollector collector, IServiceProvider? services)
    {
        var session = Factory.CreateSession();
        session.DependencyResolver = new SessionResolver(collector, services);
        session.TracingEnabled = true;

        // A condition that fails at run time (division by zero, overflow) counts as not matching; the evaluation says so.
        session.Events.LhsExpressionFailedEvent += (_, e) =>
        {
            e.IsHandled = true;
            collector.Warn($"rule(s) {string.Join(", ", e.Rules.Select(r => $"'{r.Name}'"))}: a condition failed ({e.Exception.Message}) and counts as not matching.");
        };
        return session;
    }

    /// <summary>
    /// Inserts a fact while <paramref name="context"/> is current: a <see cref="RecordChange"/> registers its change and
    /// inserts its record.
    /// </summary>
    public static void Insert(ISession session, EvaluationContext context, object fact)
    {
        ArgumentNullException.ThrowIfNull(fact);
        using var scope = context.Enter();
        if (fact is RecordChange change)
        {
            context.Register(change);
            session.Insert(change.Record);
        }
        else
        {
            session.Insert(fact);
        }
    }

    /// <summary>Inserts the facts, fires, and returns what fired and the actions the rules asked for (not yet performed).</summary>
    public (RuleEvaluationResult Result, ISession Session) Evaluate(IEnumerable<object> facts, bool dryRun, IServiceProvider? services, EvaluationContext context, CancellationToken cancellationToken)
    {
        var collector = new ActionCollector();
        var session = CreateSession(collector, services);
        foreach (var fact in facts)
        {
            Insert(session, context, fact);
        }

        using (context.Enter())
        {
            session.Fire(cancellationToken);
        }

        var firings = session.Firings.Select(f => new RuleFiring(f.Sequence, f.RuleName, f.Facts)).ToList();
        return (new RuleEvaluationResult(TenantId, Version, dryRun, firings, collector.Invocations, collector.Warnings), session);
    }

    /// <summary>Why a rule cannot be explained (there is no enabled rule of that name, with a hint), or <see langword="null"/>.</summary>
    public string? UnknownRule(string ruleName) =>
        Factory.Rules.Any(r => r.Name == ruleName) ? null : $"There is no enabled rule '{ruleName}'{Schema.Suggest.Hint(ruleName, Factory.Rules.Select(r => r.Name))}.";

    /// <summary>Explains a rule against a session, with the pack's conditions as written.</summary>
    public IReadOnlyList<string> Explain(ISession session, string ruleName, EvaluationContext context)
    {
        using var scope = context.Enter();
        if (UnknownRule(ruleName) is { } unknown)
        {
            return [unknown];
        }

        var explanation = session.Explain(ruleName);
        var info = Packs.Rules.GetValueOrDefault(ruleName);
        var lines = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture, $"Rule '{ruleName}' {(explanation.Fired ? $"fired {explanation.Firings.Count} time(s)" : "did not fire")}{(info is null ? " (module rule)" : $" (pack {info.File})")}."),
        };
        foreach (var firing in explanation.Firings)
        {
            lines.Add($"  fired with {Facts(firing.Facts)}");
        }

        foreach (var branch in explanation.Branches.Where(b => b.CompleteMatches == 0))
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"  {branch.MatchedElements} of {branch.ElementCount} pattern(s) matched; pattern {branch.MatchedElements + 1} failed:"));
            // Records of every entity type are candidates of every pattern (one CLR type); a record of another type
            // failing the pattern's type check is not a reason worth listing.
            var typeGuards = branch.Failures.Where(f => f.Fact is not null && IsTypeGuard(info, f)).ToList();
            foreach (var declaration in typeGuards.Select(f => f.Declaration).Distinct(StringComparer.Ordinal)
                .Where(d => branch.Failures.All(f => f.Declaration != d || typeGuards.Contains(f))))
            {
                var type = PackRuleInfo.TypeGuardOf(WrittenText(info, typeGuards.First(f => f.Declaration == declaration).Condition)!, declaration);
                lines.Add($"    {declaration}: no {type} record among the facts");
            }

            foreach (var failure in branch.Failures.Except(typeGuards))
            {
                var condition = ConditionText(info, failure.Condition);
                var with = failure.PartialMatch.Count == 0 ? string.Empty : $" (with {Facts(failure.PartialMatch)})";
                lines.Add(failure.Fact is null
                    ? $"    {failure.Declaration}: {condition}{with}"
                    : $"    {failure.Declaration} = {Describe(failure.Fact)} failed: {condition}{with}");
            }
        }

        return lines;
    }

    public static string Describe(object? fact) => fact switch
    {
        null => "null",
        CrmRecord r => r.Values.TryGetValue("name", out var n) && n is not null ? $"{r.EntityType} {r.Id} ('{n}')" : $"{r.EntityType} {r.Id}",
        _ => fact.ToString() ?? fact.GetType().Name,
    };

    private static string Facts(IEnumerable<KeyValuePair<string, object?>> facts) => string.Join(", ", facts.Select(f => $"{f.Key} = {Describe(f.Value)}"));

    private static bool IsTypeGuard(PackRuleInfo? info, ConditionFailure failure) =>
        WrittenText(info, failure.Condition) is { } written && PackRuleInfo.TypeGuardOf(written, failure.Declaration) is not null;

    private static string? WrittenText(PackRuleInfo? info, string condition) =>
        info is not null && info.ConditionText.TryGetValue(condition, out var written) ? written : null;

    private static string ConditionText(PackRuleInfo? info, string condition)
    {
        const string Threw = " (threw an exception)";
        var threw = condition.EndsWith(Threw, StringComparison.Ordinal);
        var key = threw ? condition[..^Threw.Length] : condition;
        return info is not null && info.ConditionText.TryGetValue(key, out var written) ? $"'{written}'{(threw ? Threw : string.Empty)}" : condition;
    }
}
