using Crm.Engine.Abstractions.Pipeline;
using Crm.Engine.Abstractions.Plugins;
using Crm.Engine.Abstractions.Tenancy;
using Crm.Engine.Abstractions.Work;
using Crm.Engine.RulePacks.RuleBases;
using Crm.Engine.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Engine.RulePacks.Tests;

/// <summary>Business-time functions in conditions, create/update functions and the attribution of rule actions.</summary>
public sealed class BusinessTimeAndChangeTests
{
    private const string CaseId = "22222222-2222-2222-2222-222222222222";

    private static string Pack(string where, string name = "Check") => $"""
        schemaVersion: 1
        rules:
          - name: {name}
            when:
              - match: case
                where: "{where.Replace("\"", "\\\"", StringComparison.Ordinal)}"
            then:
              - action: log
                with: {"{"} message: hit {"}"}
        """;

    private static RulePackTestResult DryRun(string pack, string factsJson)
    {
        var bench = PackFixtures.Workbench();
        return bench.TestAsync(pack, "p.yaml", bench.ReadSample(factsJson)).GetAwaiter().GetResult();
    }

    private static bool Fires(string where, string factsJson)
    {
        var result = DryRun(Pack(where), factsJson);
        Assert.Empty(result.Errors);
        return result.Evaluation!.Firings.Count == 1;
    }

    private static string OneCase(string fields, string extra = "") =>
        $$"""{ {{extra}} "facts": [ { "type": "case", "id": "{{CaseId}}", "subject": "s", {{fields}} } ] }""";

    [Theory]
    [InlineData("addBusinessDays(case.openedAt, 2) == datetime('2026-01-07T10:00:00Z')")] // Monday 10:00 + 2 days
    [InlineData("case.openedAt.addBusinessDays(2) == datetime('2026-01-07T10:00:00Z')")]
    [InlineData("addBusinessHours(case.openedAt, 8) == datetime('2026-01-06T10:00:00Z')")] // 7 h Monday + 1 h Tuesday
    [InlineData("case.openedAt.addBusinessHours(7) == datetime('2026-01-05T17:00:00Z')")] // ends at closing time
    [InlineData("addBusinessDays(case.openedAt, 0) == case.openedAt")]
    public void BusinessTime_OnTheDefaultCalendar_MondayToFriday9To17Utc(string where) =>
        Assert.True(Fires(where, OneCase("\"openedAt\": \"2026-01-05T10:00:00Z\"")));

    [Fact]
    public void BusinessTime_OverAWeekend_SkipsIt() =>
        Assert.True(Fires("addBusinessHours(case.openedAt, 2) == datetime('2026-01-12T10:00:00Z')", OneCase("\"openedAt\": \"2026-01-09T16:00:00Z\"")));

    [Fact]
    public void BusinessTime_WithACalendarFromTheFactsFile_UsesItsZoneHoursAndHolidays()
    {
        // Berlin is UTC+1 in January; Tuesday 6 January is a holiday of this calendar; hours 08:00-12:00.
        var calendars = """
            "calendars": [ { "key": "berlin", "timeZone": "Europe/Berlin", "workingHours": { "monday": ["08:00-12:00"], "tuesday": ["08:00-12:00"], "wednesday": ["08:00-12:00"] }, "holidays": ["2026-01-06"] } ],
            """;
        var facts = OneCase("\"openedAt\": \"2026-01-05T10:00:00Z\"", calendars);
        Assert.True(Fires("addBusinessHours(case.openedAt, 2, 'berlin') == datetime('2026-01-07T08:00:00Z')", facts));
        Assert.True(Fires("case.openedAt.addBusinessDays(1, 'berlin') == datetime('2026-01-07T10:00:00Z')", facts));
    }

    [Fact]
    public void BusinessTime_FactsFileTimeZone_IsTheDefaultCalendarsZone() =>
        Assert.True(Fires(
            "addBusinessDays(case.openedAt, 0) == datetime('2026-01-05T08:00:00Z')",
            OneCase("\"openedAt\": \"2026-01-05T07:00:00Z\"", "\"timeZone\": \"Europe/Berlin\",")));

    [Fact]
    public void BusinessTime_CalendarMissingFromTheFactsFile_UsesTheDefaultWithAWarning()
    {
        var result = DryRun(Pack("addBusinessDays(case.openedAt, 1, 'north') > case.openedAt"), OneCase("\"openedAt\": \"2026-01-05T10:00:00Z\""));
        Assert.Single(result.Evaluation!.Firings);
        Assert.Contains(result.Evaluation.Warnings, w => w.Contains("business calendar 'north' is not in the facts file", StringComparison.Ordinal));
    }

    [Fact]
    public void BusinessTime_NullStart_IsNullAndDoesNotMatch() =>
        Assert.False(Fires("addBusinessDays(case.openedAt, 1) > datetime('2000-01-01T00:00:00Z')", OneCase("\"openedAt\": null")));

    [Fact]
    public void BusinessTime_FractionalDaysAtRunTime_CountsAsNotMatchingWithAWarning()
    {
        var result = DryRun(Pack("addBusinessDays(case.openedAt, case.slaHours) > case.openedAt"), OneCase("\"openedAt\": \"2026-01-05T10:00:00Z\", \"slaHours\": 1.5"));
        Assert.Empty(result.Evaluation!.Firings);
        Assert.Contains(result.Evaluation.Warnings, w => w.Contains("whole number of days", StringComparison.Ordinal));
    }

    [Fact]
    public void BusinessTime_InAnActionParameter_IsComputed()
    {
        var pack = """
            schemaVersion: 1
            rules:
              - name: Due
                when: [ { match: case } ]
                then:
                  - action: log
                    with: { message: '="due " + lower(case.subject)' }
                  - action: startTimer
                    with: { record: case, event: due, after: 'addBusinessDays(case.openedAt, 1) - case.openedAt' }
            """;
        var result = DryRun(pack, OneCase("\"openedAt\": \"2026-01-09T10:00:00Z\""));
        Assert.Equal(BusinessDuration.FromWorkingTime(TimeSpan.FromDays(3)), result.Evaluation!.Actions[1].Parameters["after"]); // Friday → Monday
    }

    [Theory]
    [InlineData("days(2)", 2, 0)]
    [InlineData("weeks(1)", 7, 0)]
    [InlineData("days(1) + days(2)", 3, 0)]
    [InlineData("coalesce(days(case.slaHours), days(4))", 4, 0)]
    [InlineData("hours(48)", null, 48)]
    [InlineData("hours(24)", null, 24)]
    [InlineData("minutes(1440)", null, 24)]
    [InlineData("hours(47)", null, 47)]
    [InlineData("days(1) + hours(4)", null, 28)]
    [InlineData("days(1.5)", null, 36)]
    public void StartTimerAfter_KeepsTheUnitAsWritten(string after, int? businessDays, int workingHours)
    {
        var pack = $$"""
            schemaVersion: 1
            rules:
              - name: Due
                when: [ { match: case } ]
                then:
                  - action: startTimer
                    with: { record: case, event: due, after: '{{after}}' }
            """;
        var result = DryRun(pack, OneCase("\"openedAt\": \"2026-01-09T10:00:00Z\""));
        Assert.Empty(result.Errors);
        var expected = businessDays is { } days ? BusinessDuration.FromBusinessDays(days) : BusinessDuration.FromWorkingTime(TimeSpan.FromHours(workingHours));
        Assert.Equal(expected, Assert.Single(result.Evaluation!.Actions).Parameters["after"]);
    }

    [Fact]
    public async Task StartTimer_HoursAndDaysOnAnEightHourCalendar_GiveWorkingHoursAndBusinessDays()
    {
        await using var host = await CrmTestHost.StartAsync(b => b.AddPlugin<CaseTestPlugin>("cases").AddRulePacks());
        var tenant = await host.CreateTenantAsync("acme");
        var work = host.Services.GetRequiredService<IWorkServices>().ForTenant("acme");
        var weekdays = new[] { DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday };
        await work.Calendars.SaveAsync(new BusinessCalendarDefinition
        {
            Key = "desk",
            TimeZone = "UTC",
            WorkingHours = weekdays.ToDictionary(d => d, IReadOnlyList<WorkingInterval> (_) => [new(new(9, 0), new(17, 0))]),
        });
        var pack = """
            schemaVersion: 1
            rules:
              - name: Timers
                when: [ { match: case } ]
                then:
                  - action: startTimer
                    with: { record: case, event: h48, after: hours(48), calendar: desk }
                  - action: startTimer
                    with: { record: case, event: d2, after: days(2), calendar: desk }
                  - action: startTimer
                    with: { record: case, event: h47, after: hours(47), calendar: desk }
            """;
        await host.Services.GetRequiredService<IRuleBases>().ForTenant("acme").ApplyAsync(pack, "timers.yaml");

        // Monday 5 January 2026, 09:00 UTC; 8 working hours a day, Monday to Friday.
        var created = await tenant.Records.CreateAsync("case", new Dictionary<string, object?> { ["subject"] = "Kettle" });
        Assert.Equal(CrmTestHost.DefaultStart, host.Clock.GetUtcNow());
        async Task<DateTimeOffset> Due(string eventName) => (await work.Timers.GetAsync($"{eventName}:{created.Id}"))!.DueAt;

        Assert.Equal(new DateTimeOffset(2026, 1, 12, 17, 0, 0, TimeSpan.Zero), await Due("h48")); // 6 working days of 8 hours
        Assert.Equal(new DateTimeOffset(2026, 1, 12, 16, 0, 0, TimeSpan.Zero), await Due("h47")); // one hour earlier
        Assert.Equal(new DateTimeOffset(2026, 1, 7, 9, 0, 0, TimeSpan.Zero), await Due("d2")); // 2 business days
    }

    [Theory]
    [InlineData("addBusinessDays(case.openedAt, 1.5) > case.openedAt", "whole number of days", "1.5")]
    [InlineData("addBusinessHours(case.openedAt, -1) > case.openedAt", "of 0 or more, not -1", "-1")]
    [InlineData("addBusinessDays(case.openedAt, 1, case.subject) > case.openedAt", "must be written as a text literal", "case.subject")]
    [InlineData("addBusinessDays(case.openedAt) > case.openedAt", "takes an instant, a number of days", "addBusinessDays")]
    [InlineData("addBusinessDays(case.subject, 1) > case.openedAt", "expected a datetime", "case.subject")]
    [InlineData("case.subject.addBusinessDays(1) > case.openedAt", "text has no function 'addBusinessDays'", "addBusinessDays")]
    [InlineData("case.openedAt.addBusinessHours() > case.openedAt", "takes a number of hours", "addBusinessHours")]
    [InlineData("isNew(case.status)", "'isNew' takes the alias of a record", "case.status")]
    [InlineData("isUpdated(nocase)", "'isUpdated' takes the alias of a record", "nocase")]
    [InlineData("changed(case)", "'changed' takes a field of a record", "case)")]
    [InlineData("previous(case.stauts) == 'new'", "'stauts' is not a field of case (alias 'case') (did you mean 'status'?)", "stauts")]
    [InlineData("previous(case.status) == 'nwe'", "'nwe' is not an option of case.status (did you mean 'new'?)", "'nwe'")]
    [InlineData("isNew(case, case)", "'isNew' takes 1 argument", "isNew")]
    public void BadBusinessTimeOrChangeFunctions_AreErrorsWithRuleLineAndColumn(string where, string expected, string token)
    {
        var error = Assert.Single(PackFixtures.Workbench().Validate(Pack(where), "bad.yaml"));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);

        // Line 6 of the pack; the expression starts in column 17 (after 'where: "').
        Assert.Equal(("bad.yaml", "Check", 6, 17 + where.IndexOf(token, StringComparison.Ordinal)), (error.File, error.Rule, error.Line, error.Column));
    }

    [Theory]
    [InlineData("isNew(case)", "\"change\": \"created\"", true)]
    [InlineData("isNew(case)", "\"change\": { \"previous\": { \"status\": \"new\" } }", false)]
    [InlineData("isNew(case)", "\"unused\": 0", false)]
    [InlineData("isUpdated(case)", "\"change\": { \"previous\": { \"status\": \"new\" } }", true)]
    [InlineData("isUpdated(case)", "\"change\": \"created\"", false)]
    [InlineData("not isNew(case) and not isUpdated(case)", "\"unused\": 0", true)]
    [InlineData("changed(case.status) and previous(case.status) == 'new' and case.status == 'planned'", "\"change\": { \"previous\": { \"status\": \"new\" } }", true)]
    [InlineData("changed(case.priority)", "\"change\": { \"previous\": { \"status\": \"new\" } }", false)]
    [InlineData("changed(case.status)", "\"change\": \"created\"", true)]
    [InlineData("changed(case.priority)", "\"change\": \"created\"", false)]
    [InlineData("previous(case.status) is null", "\"change\": \"created\"", true)]
    [InlineData("previous(case.status) == 'planned'", "\"unused\": 0", true)]
    [InlineData("previous(case.id) == case.id", "\"change\": { \"previous\": { \"status\": \"new\" } }", true)]
    public void ChangeFunctions_TellCreateFromUpdate(string where, string change, bool fires)
    {
        var fields = "\"status\": \"planned\"" + (change.StartsWith("\"unused\"", StringComparison.Ordinal) ? string.Empty : ", " + change);
        Assert.Equal(fires, Fires(where, OneCase(fields)));
    }

    [Theory]
    [InlineData("\"change\": \"deleted\"", "'change' is \"created\" or")]
    [InlineData("\"change\": { \"previous\": { \"stauts\": \"new\" } }", "unknown field 'stauts'")]
    [InlineData("\"change\": { \"before\": {} }", "'change' is \"created\" or")]
    public void BadChangeInTheFactsFile_IsAClearError(string change, string expected)
    {
        var ex = Assert.Throws<Abstractions.Errors.CrmException>(() => PackFixtures.Workbench().ReadSample(OneCase("\"status\": \"new\", " + change)));
        Assert.Contains("fact 1 (case)", ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"calendars\": [ { \"key\": \"x\", \"workingHours\": { \"funday\": [\"09:00-17:00\"] } } ],", "'funday' is not a weekday")]
    [InlineData("\"calendars\": [ { \"key\": \"x\", \"workingHours\": { \"monday\": [\"9-17\"] } } ],", "'9-17' is not an interval")]
    [InlineData("\"calendars\": [ { \"key\": \"x\", \"workingHours\": { \"monday\": [\"17:00-09:00\"] } } ],", "ends before it starts")]
    [InlineData("\"calendars\": [ { \"key\": \"x\", \"workingHours\": {} } ],", "has no working hours")]
    [InlineData("\"calendars\": [ { \"key\": \"x\", \"timeZone\": \"Mars/Base\" } ],", "unknown time zone 'Mars/Base'")]
    [InlineData("\"calendars\": [ { \"key\": \"x\", \"holidays\": [\"soon\"] } ],", "is not a date")]
    [InlineData("\"calendars\": [ { \"key\": \"x\", \"hours\": {} } ],", "unknown key 'hours'")]
    [InlineData("\"calender\": [],", "unknown key 'calender' in the facts file (did you mean 'calendars'?)")]
    public void BadCalendarInTheFactsFile_IsAClearError(string extra, string expected)
    {
        var ex = Assert.ThrowsAny<Abstractions.Errors.CrmException>(() => PackFixtures.Workbench().ReadSample(OneCase("\"status\": \"new\"", extra)));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RecordChanges_OnTheEngine_RunRulesThatTellCreateFromUpdate()
    {
        await using var host = await CrmTestHost.StartAsync(b => b.AddPlugin<CaseTestPlugin>("cases").AddRulePacks());
        var tenant = await host.CreateTenantAsync("acme");
        var pack = """
            schemaVersion: 1
            rules:
              - name: New case
                when: [ { match: case, where: isNew(case) } ]
                then: [ { action: recordHit, with: { label: created } } ]
              - name: Planned
                when: [ { match: case, where: "changed(case.status) and previous(case.status) == 'new' and case.status == 'planned'" } ]
                then: [ { action: recordHit, with: { label: '="planned, was " + previous(case.status)' } } ]
              - name: Updated
                when: [ { match: case, where: isUpdated(case) } ]
                then: [ { action: recordHit, with: { label: updated } } ]
            """;
        await host.Services.GetRequiredService<IRuleBases>().ForTenant("acme").ApplyAsync(pack, "changes.yaml");
        var hits = host.Services.GetRequiredService<HitLog>();

        var created = await tenant.Records.CreateAsync("case", new Dictionary<string, object?> { ["subject"] = "Kettle", ["status"] = "new" });
        Assert.Equal(["acme:New case:v1:created"], hits.Hits);

        await tenant.Records.UpdateAsync("case", created.Id, null, new Dictionary<string, object?> { ["status"] = "planned" });
        Assert.Equal(["acme:New case:v1:created", "acme:Planned:v1:planned, was new", "acme:Updated:v1:updated"], hits.Hits.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task TenantCalendars_AreLoadedPerEvaluation_AndAnUnknownOneIsRejectedAtApply()
    {
        await using var host = await CrmTestHost.StartAsync(b => b.AddPlugin<CaseTestPlugin>("cases").AddRulePacks());
        await host.CreateTenantAsync("acme");
        var rules = host.Services.GetRequiredService<IRuleBases>().ForTenant("acme");
        var work = host.Services.GetRequiredService<IWorkServices>().ForTenant("acme");

        var unknown = await Assert.ThrowsAsync<RulePackValidationException>(() => rules.ApplyAsync(Pack("addBusinessDays(case.openedAt, 1, 'north') > case.openedAt"), "p.yaml"));
        var error = Assert.Single(unknown.Errors);
        Assert.Equal(("p.yaml", "Check", 6, 51), (error.File, error.Rule, error.Line, error.Column));
        Assert.Contains("tenant 'acme' has no business calendar 'north'", error.Message, StringComparison.Ordinal);
        Assert.Single(await rules.ValidateAsync(Pack("addBusinessDays(case.openedAt, 1, 'north') > case.openedAt"), "p.yaml"));

        await work.Calendars.SaveAsync(new BusinessCalendarDefinition
        {
            Key = "north",
            TimeZone = "UTC",
            WorkingHours = new Dictionary<DayOfWeek, IReadOnlyList<WorkingInterval>> { [DayOfWeek.Monday] = [new(new(9, 0), new(17, 0))] },
        });
        await rules.ApplyAsync(Pack("addBusinessDays(case.openedAt, 1, 'north') == datetime('2026-01-12T10:00:00Z')"), "p.yaml");
        var monday = PackFixtures.Record("case", new Dictionary<string, object?> { ["subject"] = "s", ["openedAt"] = new DateTimeOffset(2026, 1, 5, 10, 0, 0, TimeSpan.Zero) });
        Assert.Single((await rules.EvaluateAsync([monday], dryRun: true)).Firings);

        // The calendar changes after the rule base was compiled: the next evaluation sees the new hours.
        await work.Calendars.SaveAsync(new BusinessCalendarDefinition
        {
            Key = "north",
            TimeZone = "UTC",
            WorkingHours = new Dictionary<DayOfWeek, IReadOnlyList<WorkingInterval>> { [DayOfWeek.Monday] = [new(new(9, 0), new(17, 0))], [DayOfWeek.Tuesday] = [new(new(9, 0), new(17, 0))] },
        });
        Assert.Empty((await rules.EvaluateAsync([monday], dryRun: true)).Firings);
    }

    [Fact]
    public async Task NotifyUser_TemplateSeesTheRecordsFieldsAtTheTop_UnderRecord_AndUnderItsEntityType_EmptyOnesToo()
    {
        await using var host = await CrmTestHost.StartAsync(b => b.AddPlugin<CaseTestPlugin>("cases").AddRulePacks()
            .AddInProcessChannel("email", (_, _) => Task.CompletedTask, NotificationAddressKind.Email));
        var tenant = await host.CreateTenantAsync("acme");
        await tenant.Organization.CreateUserAsync(new Abstractions.Organization.NewUser("quinn", "Quinn") { Email = "q@example.test" });
        var work = host.Services.GetRequiredService<IWorkServices>().ForTenant("acme");
        await work.Templates.SaveAsync(new TemplateDefinition("t", "{{ subject }} / {{ case.subject }}", "{{ record.entityType }} {{ case.id }}{% if case.priority %} urgent{% endif %}[{{ case.priority }}]"));
        await host.Services.GetRequiredService<IRuleBases>().ForTenant("acme").ApplyAsync("""
            schemaVersion: 1
            rules:
              - name: Tell
                when:
                  - match: case
                then:
                  - action: notifyUser
                    with: { user: quinn, template: t, record: case, channel: email }
            """, "p.yaml");

        var created = await tenant.Records.CreateAsync("case", new Dictionary<string, object?> { ["subject"] = "Leak" });

        var sent = Assert.Single(await work.Notifications.ListAsync());
        Assert.Equal(("Leak / Leak", $"case {created.Id}[]"), (sent.Subject, sent.Body));     // priority: a field without a value renders empty
    }

    [Fact]
    public async Task RuleActions_ChangeRecordsAsTheRuleAndItsRuleBaseVersion()
    {
        await using var host = await CrmTestHost.StartAsync(b => b.AddPlugin<CaseTestPlugin>("cases").AddPlugin<CallerCapturePlugin>("capture").AddRulePacks());
        var tenant = await host.CreateTenantAsync("acme");
        var ann = await tenant.Organization.CreateUserAsync(new Abstractions.Organization.NewUser("ann", "Ann"));
        var rules = host.Services.GetRequiredService<IRuleBases>().ForTenant("acme");
        await rules.ApplyAsync(Pack("case.priority == 'general'", "warm-up"), "warm-up.yaml");
        var pack = """
            schemaVersion: 1
            rules:
              - name: escalate-vip
                when: [ { match: case, where: "case.priority == 'urgent'" } ]
                then:
                  - action: setField
                    with: { record: case, field: slaHours, value: 48 }
                  - action: createTask
                    with: { record: case, subject: Call back, dueIn: days(1) }
                  - action: assignToUser
                    with: { record: case, user: ann }
            """;
        var version = await rules.ApplyAsync(pack, "vip.yaml");
        Assert.Equal(2, version.Version);
        var captured = host.Services.GetRequiredService<CapturedCallers>();

        var record = await tenant.Records.CreateAsync("case", new Dictionary<string, object?> { ["subject"] = "Kettle", ["priority"] = "urgent" }, new Abstractions.Records.CreateOptions { OwnerId = ann.Id });

        Assert.Equal(48m, (await tenant.Records.GetAsync("case", record.Id))!["slaHours"]);
        var byRule = captured.Calls.Where(c => c.Caller.Source == OperationSource.Rule).ToList();
        Assert.Contains(byRule, c => c.Message == PipelineMessages.Update && c.EntityType == "case");
        Assert.Contains(byRule, c => c.Message == PipelineMessages.Create && c.EntityType == "activity");
        Assert.Contains(byRule, c => c.Message == PipelineMessages.Assign && c.EntityType == "case");
        Assert.All(byRule, c => Assert.Equal(("rule:escalate-vip@v2", (Guid?)null, "acme"), (c.Caller.SourceName, c.Caller.UserId, c.Caller.TenantId)));
        Assert.NotEqual(OperationSource.Rule, captured.Calls.First(c => c.Message == PipelineMessages.Create && c.EntityType == "case").Caller.Source);
    }

    [Fact]
    public void RuleCaller_FormatsRuleAndVersion() =>
        Assert.Equal(
            new CallerContext("acme", null, OperationSource.Rule, "rule:escalate-vip@v3"),
            Actions.RuleActionContextExtensions.RuleCaller("acme", "escalate-vip", 3));
}

/// <summary>Records the caller of every record operation (a pipeline handler on every entity and message).</summary>
public sealed class CallerCapturePlugin : ICrmPlugin
{
    public void Configure(ICrmPluginBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<CapturedCallers>();
        foreach (var message in new[] { PipelineMessages.Create, PipelineMessages.Update, PipelineMessages.Assign })
        {
            builder.AddPipelineHandler<CaptureCallerHandler>(message, PipelineStep.AnyEntity, PipelineStage.PreOperation);
        }
    }
}

/// <summary>The callers seen.</summary>
public sealed class CapturedCallers
{
    private readonly List<(string Message, string EntityType, CallerContext Caller)> _calls = [];

    public IReadOnlyList<(string Message, string EntityType, CallerContext Caller)> Calls
    {
        get
        {
            lock (_calls)
            {
                return [.. _calls];
            }
        }
    }

    public void Add(string message, string entityType, CallerContext caller)
    {
        lock (_calls)
        {
            _calls.Add((message, entityType, caller));
        }
    }
}

/// <summary>Captures <see cref="IPipelineContext.Caller"/>.</summary>
public sealed class CaptureCallerHandler(CapturedCallers captured) : IPipelineHandler
{
    public Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        captured.Add(context.Message, context.EntityType, context.Caller);
        return Task.CompletedTask;
    }
}
