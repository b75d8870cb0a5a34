using System.Collections.Concurrent;
using Crm.Engine;
using Crm.Engine.Abstractions.Organization;
using Crm.Engine.Abstractions.Reports;
using Crm.Engine.Abstractions.Security;
using Crm.Engine.Abstractions.Work;
using Crm.Engine.RulePacks;
using Crm.Engine.RulePacks.RuleBases;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Plugins.Service.Tests;

public sealed class ComplaintDeskTests
{
    private const string SlaPack = """
        schemaVersion: 1
        name: service-sla
        rules:
          - name: Urgent SLA
            when:
              - match: case
                where: case.category == 'complaint' and case.priority == 'urgent'
            then:
              - action: startSla
                with: { record: case, after: hours(48), warnAt: 50 }
          - name: General SLA
            when:
              - match: case
                where: "case.category == 'complaint' and (case.priority == 'general' or case.priority is null)"
            then:
              - action: startSla
                with: { record: case, after: days(5) }
        """;

    [Fact]
    public async Task RulePack_StartSla_SetsTheSlaOnCreate_KeepsItOnLaterChanges_AndRestartsWhenThePriorityChanges()
    {
        await using var f = await ServiceFixture.StartAsync(configure: b => b.AddRulePacks());
        await f.Host.Services.GetRequiredService<IRuleBases>().ForTenant("acme").ApplyAsync(SlaPack, "sla.yaml");

        var @case = await f.Desk.OpenCaseAsync(new NewCase { Subject = "Leak", Category = CaseCategory.Complaint, Priority = CasePriority.General });
        var withSla = await f.Tenant.Records.GetAsync(ServiceEntities.Case, @case.Id);

        // 5 business days from Friday 15:00 CET: Friday 3 April 15:00 CEST.
        var fiveDays = new DateTimeOffset(2026, 4, 3, 13, 0, 0, TimeSpan.Zero);
        Assert.Equal((fiveDays, 120m, SlaState.OnTrack), ((DateTimeOffset)withSla![CaseFields.SlaDueAt]!, (decimal)withSla[CaseFields.SlaHours]!, (string)withSla[CaseFields.SlaState]!));

        // The warning fires; a later change of the case re-runs the rule but keeps the SLA and its state.
        f.Host.Clock.Advance((DateTimeOffset)withSla[CaseFields.SlaWarningAt]! - f.Host.Clock.GetUtcNow());
        Assert.Equal(1, await f.FireTimersAsync());
        await f.Tenant.Records.UpdateAsync(ServiceEntities.Case, @case.Id, null, new Dictionary<string, object?> { [CaseFields.Description] = "More detail" });
        var kept = await f.Tenant.Records.GetAsync(ServiceEntities.Case, @case.Id);
        Assert.Equal((fiveDays, SlaState.Warning), ((DateTimeOffset)kept![CaseFields.SlaDueAt]!, (string)kept[CaseFields.SlaState]!));

        await f.Tenant.Records.UpdateAsync(ServiceEntities.Case, @case.Id, null, new Dictionary<string, object?> { [CaseFields.Priority] = CasePriority.Urgent });
        var urgent = await f.Tenant.Records.GetAsync(ServiceEntities.Case, @case.Id);
        Assert.Equal(SlaState.OnTrack, urgent![CaseFields.SlaState]);

        // 48 working hours from the opening (Friday 15:00 CET): Monday 6 April 15:00 CEST; warning at 50 % = 24 h: Wednesday 1 April 15:00 CEST.
        Assert.Equal((new DateTimeOffset(2026, 4, 6, 13, 0, 0, TimeSpan.Zero), 48m), ((DateTimeOffset)urgent![CaseFields.SlaDueAt]!, (decimal)urgent[CaseFields.SlaHours]!));
        Assert.Equal(new DateTimeOffset(2026, 4, 1, 13, 0, 0, TimeSpan.Zero), (await f.Work.Timers.GetAsync($"service:sla:{@case.Id:D}:warning"))!.DueAt);
        var audit = await f.Tenant.Audit.QueryAsync(new Engine.Abstractions.Security.AuditQuery { EntityType = ServiceEntities.Case, RecordId = @case.Id });
        Assert.Contains(audit.Entries, e => e.SourceName == "rule:Urgent SLA@v1");
    }

    [Fact]
    public async Task ComplaintDesk_Steps2To9_ThroughTheServiceDesk_WithTheSamplePack()
    {
        var sms = new ConcurrentQueue<NotificationMessage>();
        var im = new ConcurrentQueue<NotificationMessage>();
        await using var f = await ServiceFixture.StartAsync(configure: b => b.AddRulePacks()
            .AddInProcessChannel("sms", (m, _) => { sms.Enqueue(m); return Task.CompletedTask; }, NotificationAddressKind.Phone)
            .AddInProcessChannel("im", (m, _) => { im.Enqueue(m); return Task.CompletedTask; }));
        var org = f.Tenant.Organization;
        var customers = await org.CreateUnitAsync("Brewer account team");
        var agent = await f.UserAsync("agent", SystemRoles.ServiceAgent, customers.Id);
        var users = new Dictionary<string, CrmUser>();
        foreach (var role in new[] { "salesManager", "qualityManager", "procurementManager", "generalManager", "serviceManager" })
        {
            var user = await org.CreateUserAsync(new NewUser(role.ToLowerInvariant(), role) { Email = $"{role}@acme.test", Phone = "+49 30 1234567", UnitId = customers.Id });
            await f.Tenant.Security.GrantRoleAsync(SecurityPrincipal.User(user.Id), SystemRoles.ServiceManager);
            await f.DefineJobRoleAsync(role, user.Id, customers.Id);
            users[role] = user;
        }

        await f.Work.Notifications.SetUserPreferencesAsync(users["qualityManager"].Id, new ChannelPreferences(PreferredChannel: "sms"));
        await f.Work.Notifications.SetUserPreferencesAsync(users["generalManager"].Id, new ChannelPreferences(PreferredChannel: "im"));
        // notifyRoles gives a template the record's fields at the top level (and recipient.name / recipient.role).
        await f.Work.Templates.SaveAsync(new TemplateDefinition("complaint.quality.new", "New quality complaint {{ caseNumber }}", "{{ recipient.name }}: {{ subject }}"));
        await f.Work.Templates.SaveAsync(new TemplateDefinition("complaint.escalated", "Escalated {{ caseNumber }}", "No plan yet for {{ subject }}."));
        await f.Work.Templates.SaveAsync(new TemplateDefinition("complaint.document", "Complaint report {{ case.caseNumber }}",
            "{{ customer.name }}, {{ case.productName }} {{ case.serialNumber }} ({{ case.warrantyStatus }})\n{{ plan }}\n{% for t in tasks %}{{ t.subject }}: {{ t.status }}\n{% endfor %}{{ rootCause }}\n{% for m in measures %}{{ m.description }} ({{ m.status }}){% endfor %}"));
        var rules = f.Host.Services.GetRequiredService<IRuleBases>().ForTenant("acme");
        var root = Directory.GetParent(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Crm.Engine.sln")))
        {
            root = root.Parent;
        }

        await rules.ApplyAsync(await File.ReadAllTextAsync(Path.Combine(root!.FullName, "samples", "rule-packs", "complaint-desk.yaml")), "complaint-desk.yaml");
        await rules.ApplyAsync(SlaPack, "service-sla.yaml");
        var account = await f.AccountAsync();
        await f.Work.Responsibility.LinkCustomerAsync(account.Id, customers.Id);
        var (_, _, line, contact) = await f.OrderLineAsync(account.Id, new DateOnly(2025, 11, 3), 24, "SN-77", ownerId: agent.Id);
        var asAgent = f.DeskFor(f.Tenant.AsUser(agent.Id));

        // 2. The agent opens the complaint from the order line: item and warranty filled in.
        var @case = await asAgent.OpenFromOrderLineAsync(line.Id, new NewCase
        {
            Subject = "Pump leaks after two weeks", Category = CaseCategory.Complaint, ComplaintType = ComplaintType.ProductQuality,
            Priority = CasePriority.Urgent, Origin = "phone",
        });
        Assert.Equal(("SN-77", WarrantyStatus.InWarranty, (object?)contact.Id), (@case[CaseFields.SerialNumber], @case[CaseFields.WarrantyStatus], @case[CaseFields.ContactId]));

        // 3. Classified urgent: 48 working hours on the business calendar (Friday 15:00 -> Monday 6 April 15:00 CEST).
        var classified = (await f.Tenant.Records.GetAsync(ServiceEntities.Case, @case.Id))!;
        Assert.Equal((48m, new DateTimeOffset(2026, 4, 6, 13, 0, 0, TimeSpan.Zero), SlaState.OnTrack),
            ((decimal)classified[CaseFields.SlaHours]!, (DateTimeOffset)classified[CaseFields.SlaDueAt]!, (string)classified[CaseFields.SlaState]!));

        // 4. Routed to the customer's four managers, each on their preferred channel.
        Assert.Equal(4, await f.DispatchAsync());
        Assert.Equal(["procurementManager@acme.test", "salesManager@acme.test"], f.Sent.Select(m => m.Address).Order(StringComparer.Ordinal));
        Assert.Equal("New quality complaint CAS-2026-00001", Assert.Single(sms).Subject); // the quality manager, by SMS
        Assert.Equal((users["generalManager"].Id.ToString(), "New quality complaint CAS-2026-00001"), (Assert.Single(im).Address, im.Single().Subject)); // by IM
        Assert.All(f.Sent, m => Assert.Equal("New quality complaint CAS-2026-00001", m.Subject));

        // 5. No plan within 2 business days: the case escalates (Tuesday 31 March 15:00 CEST).
        f.Host.Clock.Advance(new DateTimeOffset(2026, 3, 31, 13, 0, 0, TimeSpan.Zero) - f.Host.Clock.GetUtcNow());
        Assert.True(await f.FireTimersAsync() >= 1);
        Assert.Equal(true, (await f.Tenant.Records.GetAsync(ServiceEntities.Case, @case.Id))![CaseFields.Escalated]);
        Assert.Equal(2, await f.DispatchAsync());
        Assert.Equal("Escalated CAS-2026-00001", im.Last().Subject); // the general manager, on IM
        Assert.Equal(("serviceManager@acme.test", "Escalated CAS-2026-00001"), (f.Sent.Last().Address, f.Sent.Last().Subject));

        // 6. The quality manager submits the plan; tasks with owners and deadlines; completing one notifies agent and service manager.
        var quality = f.DeskFor(f.Tenant.AsUser(users["qualityManager"].Id));
        var plan = await quality.SubmitPlanAsync(@case.Id, "Replace the pump, check the seal batch", [
            new PlanTask("Replace the customer's pump", agent.Id) { Within = BusinessDuration.FromBusinessDays(1) },
            new PlanTask("Block seal batch 42", users["procurementManager"].Id) { Within = BusinessDuration.FromBusinessDays(3) },
        ]);
        Assert.Equal(CaseStatus.Planned, plan.Case[CaseFields.Status]);
        var sentBefore = f.Sent.Count;
        await f.Tenant.AsUser(users["procurementManager"].Id).Activities.CompleteAsync(plan.Tasks[1].Id);
        Assert.Equal(2, await f.DispatchAsync());
        Assert.Equal(["agent@acme.test", "serviceManager@acme.test"], f.Sent.Skip(sentBefore).Select(m => m.Address).Order(StringComparer.Ordinal));
        var progress = await quality.GetProgressAsync(@case.Id);
        Assert.Equal((2, 1, 1), (progress.Total, progress.Open, progress.Completed));

        // 7. Root cause and preventive measure, reviewed by the sales manager, fed back to the customer.
        await quality.RecordRootCauseAsync(@case.Id, "Seal batch 42 was out of tolerance");
        var measure = await quality.ProposeMeasureAsync(@case.Id, new NewMeasure("Incoming inspection of seals") { DueDate = new DateOnly(2026, 4, 30) });
        await Assert.ThrowsAsync<Engine.Abstractions.Errors.CrmAccessDeniedException>(() => quality.ReviewMeasureAsync(measure.Id, MeasureDecision.Approve));
        await f.DeskFor(f.Tenant.AsUser(users["salesManager"].Id)).ReviewMeasureAsync(measure.Id, MeasureDecision.Approve, "Agreed");
        await asAgent.MarkFedBackAsync(measure.Id);

        // 8. The complaint document from the tenant's template.
        await f.Tenant.AsUser(agent.Id).Activities.CompleteAsync(plan.Tasks[0].Id);
        var document = await asAgent.GenerateDocumentAsync(@case.Id, "complaint.document");
        Assert.Equal("Complaint report CAS-2026-00001", document[CaseDocumentFields.Title]);
        Assert.Equal(
            "Brewer GmbH, Espresso machine X2 SN-77 (inWarranty)\nReplace the pump, check the seal batch\nReplace the customer's pump: completed\nBlock seal batch 42: completed\nSeal batch 42 was out of tolerance\nIncoming inspection of seals (approved)",
            document[CaseDocumentFields.Body]);
        var resolved = await asAgent.ResolveAsync(@case.Id, "Pump replaced");
        Assert.Equal(SlaState.Met, resolved[CaseFields.SlaState]);

        // 9. Reports: complaint status table and preventive measures with feedback.
        var context = new ReportContext(f.Tenant.AsUser(agent.Id), new Dictionary<string, object?>(), f.Host.Clock.GetUtcNow());
        var status = await ActivatorUtilities.CreateInstance<ComplaintStatusReport>(f.Host.Services).RunAsync(context, CancellationToken.None);
        Assert.Equal(["CAS-2026-00001", "Pump leaks after two weeks", "Brewer GmbH", CasePriority.Urgent, CaseStatus.Resolved, SlaState.Met, new DateTimeOffset(2026, 4, 6, 13, 0, 0, TimeSpan.Zero)], Assert.Single(status.Rows));
        var measures = await ActivatorUtilities.CreateInstance<PreventiveMeasuresReport>(f.Host.Services).RunAsync(context, CancellationToken.None);
        var row = Assert.Single(measures.Rows);
        Assert.Equal(("CAS-2026-00001", "Brewer GmbH", MeasureStatus.Approved, "salesManager", true), (row[0], row[1], row[3], row[5], row[7]));

        // Another tenant sees none of it.
        var other = await f.Host.CreateTenantAsync("other");
        var otherStatus = await ActivatorUtilities.CreateInstance<ComplaintStatusReport>(f.Host.Services).RunAsync(new ReportContext(other, new Dictionary<string, object?>(), f.Host.Clock.GetUtcNow()), CancellationToken.None);
        Assert.Empty(otherStatus.Rows);
    }
}
