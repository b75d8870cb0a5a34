using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Work;
using Crm.Engine.TestSupport;

namespace Crm.Engine.RulePacks.Tests;

/// <summary>Packs compiled to the rules engine: what fires, in which order, with which facts and actions (dry runs).</summary>
public sealed class EvaluationTests
{
    private static readonly Guid AccountId = Guid.Parse("11111111-1111-1111-1111-111111111111");

    private static CrmRecord Account(string tier = "gold") => PackFixtures.Record("account", new Dictionary<string, object?> { ["name"] = "Acme", ["loyaltyTier_c"] = tier }, AccountId);

    private static CrmRecord Case(string priority, string? complaintType = null, string status = "new", bool? planSubmitted = null, Guid? id = null) =>
        PackFixtures.Record(
            "case",
            new Dictionary<string, object?>
            {
                ["subject"] = "Broken kettle",
                ["category"] = "complaint",
                ["priority"] = priority,
                ["complaintType"] = complaintType,
                ["status"] = status,
                ["accountId"] = AccountId,
                ["planSubmitted"] = planSubmitted,
                ["region_c"] = "North",
            },
            id);

    [Fact]
    public void UrgentQualityComplaint_IsClassifiedAndRouted_InPriorityOrder()
    {
        var result = PackFixtures.Workbench().Test(PackFixtures.Sample("complaint-desk.yaml"), "complaint-desk.yaml", [Account(), Case("urgent", "productQuality")]);
        Assert.Empty(result.Errors);
        var evaluation = result.Evaluation!;
        Assert.True(evaluation.DryRun);
        Assert.Equal(["Classify urgent complaint", "Route product-quality complaint"], evaluation.Firings.Select(f => f.RuleName));
        Assert.Equal(["setField", "startTimer", "notifyRoles", "startTimer"], evaluation.Actions.Select(a => a.ActionName));
        Assert.Equal(48m, evaluation.Actions[0].Parameters["value"]);
        Assert.Equal("slaHours", evaluation.Actions[0].Parameters["field"]);
        Assert.Equal(BusinessDuration.FromWorkingTime(TimeSpan.FromHours(48)), evaluation.Actions[1].Parameters["after"]);
        Assert.Equal(["salesManager", "qualityManager", "procurementManager", "generalManager"], (IReadOnlyList<string>)evaluation.Actions[2].Parameters["roles"]!);
        Assert.Equal(BusinessDuration.FromBusinessDays(2), evaluation.Actions[3].Parameters["after"]);
        Assert.Equal(["case", "account"], evaluation.Actions[2].Facts.Select(f => f.Key));
    }

    [Fact]
    public void GeneralComplaint_GetsFiveDays()
    {
        var result = PackFixtures.Workbench().Test(PackFixtures.Sample("complaint-desk.yaml"), "complaint-desk.yaml", [Account(), Case("general", "delivery")]);
        Assert.Equal(["Classify general complaint"], result.Evaluation!.Firings.Select(f => f.RuleName));
        Assert.Equal(BusinessDuration.FromBusinessDays(5), result.Evaluation.Actions[1].Parameters["after"]);
    }

    [Fact]
    public void DeadlineWithoutPlan_Escalates_AndWithPlan_DoesNot()
    {
        var withoutPlan = Case("urgent", "productQuality", planSubmitted: false);
        var withPlan = Case("urgent", "productQuality", status: "planned", planSubmitted: true);
        var facts = new object[] { Account(), withoutPlan, withPlan, Deadline("planDue", withoutPlan.Id), Deadline("planDue", withPlan.Id) };
        var result = PackFixtures.Workbench().Test(PackFixtures.Sample("complaint-desk.yaml"), "complaint-desk.yaml", facts, "Escalate when no plan in 2 days");
        var escalations = result.Evaluation!.Firings.Where(f => f.RuleName == "Escalate when no plan in 2 days").ToList();
        var escalated = Assert.Single(escalations);
        Assert.Same(withoutPlan, escalated.Facts.Single(f => f.Key == "case").Value);
        Assert.Contains(result.Evaluation.Firings, f => f.RuleName == "Plan received");
        Assert.Contains("fired 1 time(s)", result.Explanation[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_RuleThatDidNotFire_NamesTheFailedConditionAsWritten()
    {
        var result = PackFixtures.Workbench().Test(PackFixtures.Sample("process-mapping.yaml"), "process-mapping.yaml", [Account("silver"), Case("urgent")], "New complaint of a gold customer goes to the VIP desk");
        var text = string.Join(Environment.NewLine, result.Explanation);
        Assert.Contains("did not fire", text, StringComparison.Ordinal);
        Assert.Contains("account = account 11111111-1111-1111-1111-111111111111 ('Acme') failed: 'account.loyaltyTier_c == 'gold''", text, StringComparison.Ordinal);
        Assert.Contains(result.Evaluation!.Firings, f => f.RuleName == "New complaint of other customers goes to the service desk");
    }

    [Fact]
    public void Explain_UnknownRule_SuggestsTheClosest()
    {
        var result = PackFixtures.Workbench().Test(PackFixtures.Sample("complaint-desk.yaml"), "c.yaml", [], "Plan recieved");
        Assert.Contains("did you mean 'Plan received'?", result.Explanation[0], StringComparison.Ordinal);
        Assert.Equal(result.Explanation[0], result.UnknownRule);
    }

    [Fact]
    public void NotAndExists_FollowOpenTasks()
    {
        var planned = Case("urgent", status: "planned");
        var closed = Case("urgent", status: "closed");
        var openTask = PackFixtures.Record("activity", new Dictionary<string, object?> { ["subject"] = "Fix", ["activityType"] = "task", ["status"] = "open", ["regarding"] = new RecordRef("case", closed.Id) });
        var result = PackFixtures.Workbench().Test(PackFixtures.Sample("process-mapping.yaml"), "p.yaml", [Account(), planned, closed, openTask, Case("urgent")]);
        var fired = result.Evaluation!.Firings.Select(f => f.RuleName).ToList();
        Assert.Contains("Planned case without an open task gets a follow-up task", fired);
        Assert.Contains("Closed case with open tasks is flagged", fired);
        var task = result.Evaluation.Actions.Single(a => a.ActionName == "createTask");
        Assert.Equal("Carry out the handling plan: Broken kettle", task.Parameters["subject"]);
        Assert.Equal(TimeSpan.FromDays(3), task.Parameters["dueIn"]);
        var log = result.Evaluation.Actions.Single(a => a.ActionName == "log");
        Assert.Equal("warning", log.Parameters["level"]);
        var vip = result.Evaluation.Actions.First(a => a.ActionName == "assignToQueue");
        Assert.Equal("north", vip.Parameters["language"]);
    }

    [Fact]
    public void YamlAndJsonPacks_AreEquivalent()
    {
        var json = PackFixtures.Sample("routing.json");
        var yaml = """
            schemaVersion: 1
            name: regional-routing
            rules:
              - name: Route northern urgent cases
                description: Urgent cases from the north region go to the north queue with a Finnish-speaking agent.
                priority: 10
                tags: [routing]
                when:
                  - match: case
                    where: case.region_c == 'north' and case.priority == 'urgent'
                then:
                  - action: assignToQueue
                    with: { record: case, queue: north, language: fi }
              - name: Big orders get a log line
                priority: 5
                enabled: true
                when:
                  - match: case
                    where:
                      - case.orderAmount >= 10000
                      - case.openedAt >= datetime('2026-01-01T00:00:00Z')
                then:
                  - action: log
                    with: { message: big order complaint }
            """;
        var north = PackFixtures.Record("case", new Dictionary<string, object?> { ["region_c"] = "north", ["priority"] = "urgent", ["orderAmount"] = 20_000m, ["openedAt"] = new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero) });
        var south = PackFixtures.Record("case", new Dictionary<string, object?> { ["region_c"] = "south", ["priority"] = "urgent", ["orderAmount"] = 5m });
        var fromJson = PackFixtures.Workbench().Test(json, "routing.json", [north, south]).Evaluation!;
        var fromYaml = PackFixtures.Workbench().Test(yaml, "routing.yaml", [north, south]).Evaluation!;
        Assert.Equal(Describe(fromJson), Describe(fromYaml));
        Assert.Equal(2, fromJson.Actions.Count);
    }

    [Fact]
    public void ThousandRulePack_CompilesAndWorks()
    {
        var text = ThousandRulePack.Text(1000);

        var facts = new object[] { Account(), Case("general") };
        var matching = PackFixtures.Record("case", new Dictionary<string, object?> { ["subject"] = "s", ["category"] = "complaint", ["slaHours"] = 777m, ["accountId"] = AccountId });
        var result = PackFixtures.Workbench().Test(text, "big.yaml", [.. facts, matching]);
        Assert.Empty(result.Errors);
        var firing = Assert.Single(result.Evaluation!.Firings);
        Assert.Equal("Rule 777", firing.RuleName);
        Assert.Equal("rule 777 for s", result.Evaluation.Actions[1].Parameters["message"]);
    }

    [Fact]
    public void DisabledRule_IsValidatedButNotRun()
    {
        var text = """
            schemaVersion: 1
            rules:
              - name: Off
                enabled: false
                when: [ { match: case } ]
                then: [ { action: log, with: { message: x } } ]
            """;
        var result = PackFixtures.Workbench().Test(text, "off.yaml", [Case("urgent")]);
        Assert.Empty(result.Errors);
        Assert.Empty(result.Evaluation!.Firings);
        Assert.NotEmpty(PackFixtures.Workbench().Validate(text.Replace("match: case", "match: cas", StringComparison.Ordinal), "off.yaml"));
    }

    [Fact]
    public void ReadFacts_ConvertsValuesByMetadata()
    {
        var facts = PackFixtures.Workbench().ReadFacts("""
            [
              { "type": "case", "id": "22222222-2222-2222-2222-222222222222", "priority": "urgent", "slaHours": 4, "openedAt": "2026-01-05T09:00:00Z", "planSubmitted": false },
              { "type": "DeadlineReached", "eventName": "planDue", "recordId": "22222222-2222-2222-2222-222222222222" }
            ]
            """);
        var record = Assert.IsType<CrmRecord>(facts[0]);
        Assert.Equal(4m, record["slaHours"]);
        Assert.Equal(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero), record["openedAt"]);
        var deadline = Assert.IsType<DeadlineReached>(facts[1]);
        Assert.Equal(record.Id, deadline.RecordId);
        var error = Assert.ThrowsAny<Exception>(() => PackFixtures.Workbench().ReadFacts("""[ { "type": "case", "priorty": "x" } ]"""));
        Assert.Contains("did you mean 'priority'?", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("complaint-desk.yaml")]
    [InlineData("complaint-desk-globex.yaml")]
    [InlineData("process-mapping.yaml")]
    [InlineData("routing.json")]
    public void SamplePacks_Validate(string file) =>
        Assert.Empty(PackFixtures.Workbench().Validate(PackFixtures.Sample(file), file));

    internal static DeadlineReached Deadline(string eventName, Guid recordId) =>
        new("t", DateTimeOffset.UnixEpoch, Guid.NewGuid(), $"{eventName}:{recordId}", eventName, recordId, DateTimeOffset.UnixEpoch, new Dictionary<string, string?>());

    private static string Describe(RuleEvaluationResult result) => string.Join(
        "\n",
        result.Firings.Select(f => f.RuleName).Concat(result.Actions.Select(a => $"{a.RuleName}:{a.ActionName}:{string.Join(",", a.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"))}")));
}
