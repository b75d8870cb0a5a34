using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Plugins;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Rules;
using Crm.Engine.RulePacks.Actions;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Engine.RulePacks.Tests;

/// <summary>The repository's sample packs and entity definitions, and workbenches over them.</summary>
internal static class PackFixtures
{
    public static readonly string RepositoryRoot = FindRoot();

    public static string SamplesDirectory => Path.Combine(RepositoryRoot, "samples", "rule-packs");

    public static IReadOnlyList<EntityDefinition> BuiltInEntities { get; } = new CrmEngineBuilder(new ServiceCollection()).Registry.Entities.ToList();

    /// <summary>Core entities plus the sample case entity and custom fields.</summary>
    public static IReadOnlyList<EntityDefinition> SampleEntities { get; } =
        RulePackWorkbench.MergeEntities(BuiltInEntities, File.ReadAllText(Path.Combine(SamplesDirectory, "entities.json")));

    public static IRuleActionCatalog Catalog { get; } = new RuleActionCatalog(CoreRuleActions.All());

    public static RulePackWorkbench Workbench() => RulePackWorkbench.FromDefinitions(SampleEntities, Catalog);

    public static string Sample(string file) => File.ReadAllText(Path.Combine(SamplesDirectory, file));

    public static CrmRecord Record(string entityType, object values, Guid? id = null)
    {
        var dictionary = values is IReadOnlyDictionary<string, object?> d
            ? d
            : values.GetType().GetProperties().ToDictionary(p => p.Name, p => p.GetValue(values), StringComparer.Ordinal);
        var stamp = new RecordStamps(Guid.NewGuid(), DateTimeOffset.UnixEpoch, null, DateTimeOffset.UnixEpoch, null);
        return new CrmRecord(entityType, id ?? Guid.NewGuid(), 1, dictionary, stamp);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Crm.Engine.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Crm.Engine.sln not found above the test binaries.");
    }
}

/// <summary>A plugin that adds the sample 'case' entity (its non-custom fields) and a test action.</summary>
public sealed class CaseTestPlugin : ICrmPlugin
{
    public void Configure(ICrmPluginBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var json = File.ReadAllText(Path.Combine(PackFixtures.SamplesDirectory, "entities.json"));
        var definitions = RulePackWorkbench.MergeEntities([], json);
        var caseEntity = definitions.Single(e => e.ApiName == "case");
        builder.AddEntity(caseEntity with { Fields = [.. caseEntity.Fields.Where(f => !f.IsCustom)] });
        builder.AddRuleAction(new RuleActionDefinition
        {
            Name = "recordHit",
            Description = "Test action: remembers that it ran.",
            Parameters = [new("label", RuleParameterType.Text, true, "What to remember.")],
            Handler = ctx =>
            {
                ctx.Services.GetRequiredService<HitLog>().Add($"{ctx.TenantId}:{ctx.RuleName}:v{ctx.RuleBaseVersion}:{ctx.GetParameter<string>("label")}");
                return Task.CompletedTask;
            },
        });
        builder.Services.AddSingleton<HitLog>();
    }
}

/// <summary>What the test action saw.</summary>
public sealed class HitLog
{
    private readonly List<string> _hits = [];

    public IReadOnlyList<string> Hits
    {
        get
        {
            lock (_hits)
            {
                return [.. _hits];
            }
        }
    }

    public void Add(string hit)
    {
        lock (_hits)
        {
            _hits.Add(hit);
        }
    }
}
