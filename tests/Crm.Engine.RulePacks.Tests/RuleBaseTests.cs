using System.Collections.Concurrent;
using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Work;
using Crm.Engine.RulePacks.RuleBases;
using Crm.Engine.Rules.Fluent.Dsl;
using Crm.Engine.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Engine.RulePacks.Tests;

/// <summary>Per-tenant rule bases on the real engine and SQLite: apply, swap, history, rollback, other processes.</summary>
public sealed class RuleBaseTests
{
    private static Task<CrmTestHost> StartAsync(string? directory = null) =>
        CrmTestHost.StartAsync(b => b.AddPlugin<CaseTestPlugin>("cases").AddRulePacks(), directory: directory);

    private static IRuleBaseService Rules(CrmTestHost host, string tenant) => host.Services.GetRequiredService<IRuleBases>().ForTenant(tenant, "test");

    private static CrmRecord Case(string priority, string complaintType = "productQuality") =>
        PackFixtures.Record("case", new Dictionary<string, object?> { ["category"] = "complaint", ["priority"] = priority, ["complaintType"] = complaintType, ["subject"] = "s" });

    private static string MarkerPack(int marker) => $"""
        schemaVersion: 1
        rules:
          - name: A
            when: [ {"{"} match: case, where: "case.priority == 'urgent'" {"}"} ]
            then: [ {"{"} action: log, with: {"{"} message: "v{marker}" {"}"} {"}"} ]
          - name: B
            priority: 1
            when: [ {"{"} match: case {"}"} ]
            then: [ {"{"} action: log, with: {"{"} message: "v{marker}" {"}"} {"}"} ]
          - name: C{marker}
            when: [ {"{"} match: case, where: "case.category == 'complaint'" {"}"} ]
            then: [ {"{"} action: log, with: {"{"} message: "v{marker}" {"}"} {"}"} ]
        """;

    [Fact]
    public async Task TwoTenants_WithDifferentPacks_GetTheirOwnResults()
    {
        await using var host = await StartAsync();
        await host.CreateTenantAsync("acme");
        await host.CreateTenantAsync("globex");
        await Rules(host, "acme").ApplyAsync(PackFixtures.Sample("complaint-desk.yaml"), "complaint-desk.yaml");
        await Rules(host, "globex").ApplyAsync(PackFixtures.Sample("complaint-desk-globex.yaml"), "complaint-desk.yaml");

        var account = PackFixtures.Record("account", new Dictionary<string, object?> { ["name"] = "Acme" });
        var complaint = PackFixtures.Record("case", new Dictionary<string, object?> { ["category"] = "complaint", ["priority"] = "urgent", ["complaintType"] = "productQuality", ["accountId"] = account.Id });
        var facts = new object[] { account, complaint };
        var acme = await Rules(host, "acme").EvaluateAsync(facts, dryRun: true);
        var globex = await Rules(host, "globex").EvaluateAsync(facts, dryRun: true);

        Assert.Equal(48m, acme.Actions.First(a => a.ActionName == "setField").Parameters["value"]);
        Assert.Equal(24m, globex.Actions.First(a => a.ActionName == "setField").Parameters["value"]);
        Assert.Equal(["salesManager", "qualityManager", "procurementManager", "generalManager"], (IReadOnlyList<string>)acme.Actions.First(a => a.ActionName == "notifyRoles").Parameters["roles"]!);
        Assert.Equal(["qualityManager", "generalManager"], (IReadOnlyList<string>)globex.Actions.First(a => a.ActionName == "notifyRoles").Parameters["roles"]!);
        Assert.Equal(("acme", 1L, "globex", 1L), (acme.TenantId, acme.Version, globex.TenantId, globex.Version));
    }

    [Fact]
    public async Task CustomFields_AreTypedFromTheTenantsMetadata()
    {
        await using var host = await StartAsync();
        var tenant = await host.CreateTenantAsync("acme");
        var rules = Rules(host, "acme");
        var errors = await rules.ValidateAsync(PackFixtures.Sample("process-mapping.yaml"), "process-mapping.yaml");
        Assert.Contains(errors, e => e.Message.Contains("'loyaltyTier_c' is not a field of account", StringComparison.Ordinal));

        await tenant.Metadata.AddCustomFieldAsync("account", new FieldDefinition { ApiName = "loyaltyTier_c", Type = FieldType.Choice, Options = [new("gold", "Gold"), new("silver", "Silver"), new("standard", "Standard")] });
        await tenant.Metadata.AddCustomFieldAsync("case", new FieldDefinition { ApiName = "region_c", Type = FieldType.Text });
        Assert.Empty(await rules.ValidateAsync(PackFixtures.Sample("process-mapping.yaml"), "process-mapping.yaml"));
        await rules.ApplyAsync(PackFixtures.Sample("process-mapping.yaml"), "process-mapping.yaml");

        // Another tenant without the custom fields still rejects the pack.
        await host.CreateTenantAsync("globex");
        await Assert.ThrowsAsync<RulePackValidationException>(() => Rules(host, "globex").ApplyAsync(PackFixtures.Sample("process-mapping.yaml"), "process-mapping.yaml"));
    }

    [Fact]
    public async Task RejectedPack_LeavesThePreviousBaseInForce()
    {
        await using var host = await StartAsync();
        await host.CreateTenantAsync("acme");
        var rules = Rules(host, "acme");
        await rules.ApplyAsync(MarkerPack(1), "p.yaml");
        var ex = await Assert.ThrowsAsync<RulePackValidationException>(() => rules.ApplyAsync(MarkerPack(2).Replace("case.priority", "case.priorty", StringComparison.Ordinal), "p.yaml"));
        Assert.Equal(("p.yaml", "A", 4), (ex.Errors[0].File, ex.Errors[0].Rule, ex.Errors[0].Line));
        Assert.Equal(1, await rules.CurrentVersionAsync());
        var result = await rules.EvaluateAsync([Case("urgent")], dryRun: true);
        Assert.All(result.Actions, a => Assert.Equal("v1", a.Parameters["message"]));
        Assert.Single(await rules.HistoryAsync());
    }

    [Fact]
    public async Task HotSwap_UnderConcurrentSessions_NeverMixesVersions()
    {
        await using var host = await StartAsync();
        await host.CreateTenantAsync("acme");
        var rules = Rules(host, "acme");
        await rules.ApplyAsync(MarkerPack(1), "p.yaml");
        var results = new ConcurrentBag<RuleEvaluationResult>();
        using var stop = new CancellationTokenSource();
        var readers = Enumerable.Range(0, 6).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                results.Add(await Rules(host, "acme").EvaluateAsync([Case("urgent")], dryRun: true));
            }
        })).ToList();

        for (var v = 2; v <= 8; v++)
        {
            await rules.ApplyAsync(MarkerPack(v), "p.yaml");
            await Task.Delay(20);
        }

        await stop.CancelAsync();
        await Task.WhenAll(readers);
        Assert.NotEmpty(results);
        foreach (var result in results)
        {
            Assert.Equal(3, result.Actions.Count);
            Assert.All(result.Actions, a => Assert.Equal($"v{result.Version}", a.Parameters["message"]));
            Assert.Contains(result.Firings, f => f.RuleName == $"C{result.Version}");
        }

        Assert.True(results.Select(r => r.Version).Distinct().Count() > 1, "the readers saw more than one version");
        Assert.Equal(8, await rules.CurrentVersionAsync());
    }

    [Fact]
    public async Task SessionInFlight_FinishesOnItsVersion()
    {
        await using var host = await StartAsync();
        await host.CreateTenantAsync("acme");
        var rules = Rules(host, "acme");
        await rules.ApplyAsync(MarkerPack(1), "p.yaml");
        var session = await rules.CreateSessionAsync();
        session.Insert(Case("urgent"));
        await rules.ApplyAsync(MarkerPack(2), "p.yaml");
        var old = await session.FireAsync(dryRun: true);
        Assert.Equal(1, old.Version);
        Assert.All(old.Actions, a => Assert.Equal("v1", a.Parameters["message"]));
        Assert.Equal(2, (await rules.EvaluateAsync([Case("urgent")], dryRun: true)).Version);
    }

    [Fact]
    public async Task Rollback_RestoresBehaviourExactly_AsANewVersion()
    {
        await using var host = await StartAsync();
        await host.CreateTenantAsync("acme");
        var rules = Rules(host, "acme");
        object[] facts = [Case("urgent"), Case("general", "delivery")];
        await rules.ApplyAsync(PackFixtures.Sample("complaint-desk.yaml"), "complaint-desk.yaml");
        var v1 = Describe(await rules.EvaluateAsync(facts, dryRun: true));
        await rules.ApplyAsync(PackFixtures.Sample("complaint-desk-globex.yaml"), "complaint-desk.yaml");
        var v2 = Describe(await rules.EvaluateAsync(facts, dryRun: true));
        Assert.NotEqual(v1, v2);

        var rolledBack = await rules.RollbackAsync(1);
        Assert.Equal(3, rolledBack.Version);
        Assert.Equal(v1, Describe(await rules.EvaluateAsync(facts, dryRun: true)));

        var history = await rules.HistoryAsync();
        Assert.Equal([1L, 2, 3], history.Select(h => h.Version));
        Assert.Equal(["apply complaint-desk.yaml", "apply complaint-desk.yaml", "rollback to 1"], history.Select(h => h.Comment));
        Assert.Equal(history[0].Packs["complaint-desk.yaml"], history[2].Packs["complaint-desk.yaml"]);
        Assert.Equal("test", history[2].AppliedBy);
        Assert.Equal(CrmTestHost.DefaultStart, history[0].AppliedAt);
    }

    [Fact]
    public async Task AnotherProcess_PicksUpANewVersion()
    {
        await using var first = await StartAsync();
        await first.CreateTenantAsync("acme");
        await using var second = await StartAsync(first.Directory);
        await Rules(first, "acme").ApplyAsync(MarkerPack(1), "p.yaml");
        Assert.Equal(1, (await Rules(second, "acme").EvaluateAsync([Case("urgent")], dryRun: true)).Version);
        await Rules(first, "acme").ApplyAsync(MarkerPack(2), "p.yaml");
        var result = await Rules(second, "acme").EvaluateAsync([Case("urgent")], dryRun: true);
        Assert.Equal(2, result.Version);
        Assert.All(result.Actions, a => Assert.Equal("v2", a.Parameters["message"]));
    }

    [Fact]
    public async Task Actions_RunWithTenantRuleAndVersion_AndSetFieldGoesThroughTheRecordPipeline()
    {
        await using var host = await StartAsync();
        var tenant = await host.CreateTenantAsync("acme");
        var rules = Rules(host, "acme");
        var record = await tenant.Records.CreateAsync("case", new Dictionary<string, object?> { ["subject"] = "Kettle", ["priority"] = "urgent", ["category"] = "complaint" });
        var pack = """
            schemaVersion: 1
            rules:
              - name: Urgent SLA
                when: [ { match: case, where: "case.priority == 'urgent'" } ]
                then:
                  - action: setField
                    with: { record: case, field: slaHours, value: 48 }
                  - action: recordHit
                    with: { label: '="sla for " + case.subject' }
            """;
        await rules.ApplyAsync(pack, "sla.yaml");

        var dry = await rules.EvaluateAsync([record], dryRun: true);
        Assert.Equal(2, dry.Actions.Count);
        Assert.Null((await tenant.Records.GetAsync("case", record.Id))!["slaHours"]);
        Assert.Empty(host.Services.GetRequiredService<HitLog>().Hits);

        var wet = await rules.EvaluateAsync([record]);
        Assert.False(wet.DryRun);
        Assert.Equal(48m, (await tenant.Records.GetAsync("case", record.Id))!["slaHours"]);
        Assert.StartsWith("acme:Urgent SLA:v1:sla for Kettle", host.Services.GetRequiredService<HitLog>().Hits[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ComplaintDesk_EndToEnd_RecordChangesAndTimersRunTheRules()
    {
        await using var host = await StartAsync();
        var tenant = await host.CreateTenantAsync("acme");
        await Rules(host, "acme").ApplyAsync(PackFixtures.Sample("complaint-desk.yaml"), "complaint-desk.yaml");
        var account = await tenant.Records.CreateAsync("account", new Dictionary<string, object?> { ["name"] = "Acme" });

        // Creating the complaint runs the rules: classified (SLA field + timer), routed (plan timer).
        var complaint = await tenant.Records.CreateAsync("case", new Dictionary<string, object?>
        {
            ["subject"] = "Broken kettle", ["category"] = "complaint", ["priority"] = "urgent", ["complaintType"] = "productQuality", ["accountId"] = account.Id,
        });
        Assert.Equal(48m, (await tenant.Records.GetAsync("case", complaint.Id))!["slaHours"]);
        var timers = host.Services.GetRequiredService<IWorkServices>().ForTenant("acme").Timers;
        var planDue = await timers.GetAsync($"planDue:{complaint.Id}");
        Assert.NotNull(planDue);
        Assert.Equal(WorkTimerState.Pending, planDue.State);

        // No plan within 2 business days: the timer fires and the escalation rule marks the case.
        host.Clock.Advance(TimeSpan.FromDays(7));
        var fired = await host.Services.GetRequiredService<ITimerProcessor>().FireDueAsync();
        Assert.True(fired >= 1, $"fired {fired}; plan due {planDue.DueAt}, now {host.Clock.GetUtcNow()}");
        Assert.Equal(WorkTimerState.Fired, (await timers.GetAsync($"planDue:{complaint.Id}"))!.State);
        Assert.Equal(true, (await tenant.Records.GetAsync("case", complaint.Id))!["escalated"]);

        // A new pack takes effect at once, without a restart.
        await Rules(host, "acme").ApplyAsync(PackFixtures.Sample("complaint-desk-globex.yaml"), "complaint-desk.yaml");
        var second = await tenant.Records.CreateAsync("case", new Dictionary<string, object?> { ["subject"] = "Dent", ["category"] = "complaint", ["priority"] = "urgent" });
        Assert.Equal(24m, (await tenant.Records.GetAsync("case", second.Id))!["slaHours"]);
    }

    [Fact]
    public async Task StartTimer_SchedulesADurableTimer()
    {
        await using var host = await StartAsync();
        var tenant = await host.CreateTenantAsync("acme");
        var rules = Rules(host, "acme");
        await rules.ApplyAsync(PackFixtures.Sample("complaint-desk.yaml"), "complaint-desk.yaml");
        var record = await tenant.Records.CreateAsync("case", new Dictionary<string, object?> { ["subject"] = "Kettle", ["priority"] = "general", ["category"] = "complaint", ["complaintType"] = "delivery" });
        await rules.EvaluateAsync([record]);
        var timer = await host.Services.GetRequiredService<IWorkServices>().ForTenant("acme").Timers.GetAsync($"slaDue:{record.Id}");
        Assert.NotNull(timer);
        Assert.Equal(record.Id, timer.RecordId);
        Assert.True(timer.DueAt > CrmTestHost.DefaultStart.AddDays(5));
    }

    [Fact]
    public async Task ModuleRules_ArePartOfEveryTenantsBase_AndTheirNamesAreReserved()
    {
        await using var host = await CrmTestHost.StartAsync(b => b.AddPlugin<CaseTestPlugin>("cases").AddPlugin<ModuleRulesPlugin>("moduleRules").AddRulePacks());
        await host.CreateTenantAsync("acme");
        var rules = Rules(host, "acme");
        var result = await rules.EvaluateAsync([Case("urgent")], dryRun: true);
        Assert.Contains(result.Firings, f => f.RuleName == "Module: every case");
        var clash = MarkerPack(1).Replace("name: A", "name: \"Module: every case\"", StringComparison.Ordinal);
        var errors = await rules.ValidateAsync(clash, "p.yaml");
        Assert.Contains(errors, e => e.Message.Contains("already registered by a module", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RecordEvents_OfATenantWithoutRules_BuildNoRuleBase_UntilAPackIsApplied()
    {
        await using var host = await StartAsync();
        var tenant = await host.CreateTenantAsync("acme");
        var registry = host.Services.GetRequiredService<RuleBaseRegistry>();
        var account = await tenant.Records.CreateAsync("account", new Dictionary<string, object?> { ["name"] = "Acme" });
        var first = await tenant.Records.CreateAsync("case", new Dictionary<string, object?> { ["subject"] = "Kettle", ["priority"] = "urgent", ["category"] = "complaint", ["accountId"] = account.Id });
        await tenant.Records.UpdateAsync("case", first.Id, null, new Dictionary<string, object?> { ["priority"] = "general" });
        Assert.False(registry.IsBuilt("acme"));

        var pack = """
            schemaVersion: 1
            rules:
              - name: Urgent
                when: [ { match: case, where: "case.priority == 'urgent'" } ]
                then: [ { action: recordHit, with: { label: '=case.subject' } } ]
            """;
        await Rules(host, "acme").ApplyAsync(pack, "urgent.yaml");
        await tenant.Records.CreateAsync("case", new Dictionary<string, object?> { ["subject"] = "Toaster", ["priority"] = "urgent", ["category"] = "complaint" });
        Assert.Equal(["acme:Urgent:v1:Toaster"], host.Services.GetRequiredService<HitLog>().Hits);
    }

    [Fact]
    public async Task ModuleRules_RunOnRecordEvents_InATenantWithoutPacks()
    {
        await using var host = await CrmTestHost.StartAsync(b => b.AddPlugin<CaseTestPlugin>("cases").AddPlugin<HitRulesPlugin>("hitRules").AddRulePacks());
        var tenant = await host.CreateTenantAsync("acme");
        await tenant.Records.CreateAsync("case", new Dictionary<string, object?> { ["subject"] = "Kettle", ["priority"] = "urgent", ["category"] = "complaint" });
        Assert.Equal(["module:Kettle"], host.Services.GetRequiredService<HitLog>().Hits);
    }

    [Fact]
    public async Task RemovingAPack_IsANewVersion()
    {
        await using var host = await StartAsync();
        await host.CreateTenantAsync("acme");
        var rules = Rules(host, "acme");
        await rules.ApplyAsync(MarkerPack(1), "a.yaml");
        await rules.ApplyAsync(PackFixtures.Sample("complaint-desk.yaml"), "b.yaml");
        Assert.Equal(2, (await rules.HistoryAsync())[1].Packs.Count);
        var removed = await rules.RemoveAsync("a.yaml");
        Assert.Equal(3, removed.Version);
        var result = await rules.EvaluateAsync([Case("urgent")], dryRun: true);
        Assert.DoesNotContain(result.Firings, f => f.RuleName == "A");
    }

    private static string Describe(RuleEvaluationResult result) => string.Join(
        "\n",
        result.Actions.Select(a => $"{a.RuleName}:{a.ActionName}:{string.Join(",", a.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={(p.Value is IEnumerable<string> l ? string.Join('|', l) : p.Value)}"))}"));
}

/// <summary>A plugin contributing a C# rule to every tenant.</summary>
public sealed class ModuleRulesPlugin : Abstractions.Plugins.ICrmPlugin
{
    public void Configure(Abstractions.Plugins.ICrmPluginBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddRules(typeof(EveryCaseRule));
    }
}

/// <summary>A C# rule (NRules-style DSL).</summary>
[Name("Module: every case")]
public sealed class EveryCaseRule : Rule
{
    public override void Define()
    {
        CrmRecord record = default!;
        When().Match(() => record, r => r.EntityType == "case");
        Then().Do(ctx => ctx.Halt());
    }
}

/// <summary>A plugin contributing a C# rule that leaves a trace when it fires.</summary>
public sealed class HitRulesPlugin : Abstractions.Plugins.ICrmPlugin
{
    public void Configure(Abstractions.Plugins.ICrmPluginBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddRules(typeof(CaseHitRule));
    }
}

/// <summary>A C# rule that records every case it sees in the <see cref="HitLog"/>.</summary>
[Name("Module: case hit")]
public sealed class CaseHitRule : Rule
{
    public override void Define()
    {
        CrmRecord record = default!;
        HitLog log = default!;
        Dependency().Resolve(() => log);
        When().Match(() => record, r => r.EntityType == "case");
        Then().Do(_ => log.Add($"module:{record["subject"]}"));
    }
}
