using System.Collections.Concurrent;
using System.Globalization;
using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Organization;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Reports;
using Crm.Engine.Abstractions.Security;
using Crm.Engine.Abstractions.Tenancy;
using Crm.Engine.Abstractions.Work;
using Crm.Engine.Plugins;
using Crm.Engine;
using Crm.Engine.RulePacks;
using Crm.Engine.RulePacks.RuleBases;
using Crm.Plugins.CallCenter;
using Crm.Plugins.Commerce;
using Crm.Plugins.Service;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Crm.Samples.ComplaintDesk;

/// <summary>What a run of the scenario produced, for the integration test (and the summary line).</summary>
public sealed class ComplaintDeskRun
{
    /// <summary>Every notification the channels delivered, in order.</summary>
    public ConcurrentQueue<NotificationMessage> Delivered { get; } = new();

    /// <summary>The steps, as printed.</summary>
    public List<string> Steps { get; } = [];

    /// <summary>The screen pop of the customer's call.</summary>
    public ScreenPop? ScreenPop { get; set; }

    /// <summary>The urgent product-quality complaint as it ended.</summary>
    public CrmRecord? Complaint { get; set; }

    /// <summary>The general complaint (out of warranty).</summary>
    public CrmRecord? GeneralComplaint { get; set; }

    /// <summary>The generated complaint document.</summary>
    public CrmRecord? Document { get; set; }

    /// <summary>The complaint status report.</summary>
    public ReportResult? StatusReport { get; set; }

    /// <summary>The preventive-measures report.</summary>
    public ReportResult? MeasuresReport { get; set; }

    /// <summary>Cases Globex can see of its own, and Acme's complaint number looked up from Globex.</summary>
    public (long GlobexCases, bool AcmeComplaintVisibleToGlobex) Isolation { get; set; }

    /// <summary>Globex's SLA due times: before and after its rule pack changed at run time.</summary>
    public (DateTimeOffset? Before, DateTimeOffset? After, long VersionBefore, long VersionAfter) GlobexChange { get; set; }

    /// <summary>Each user's address on their preferred channel, by display name (the channels deliver to addresses).</summary>
    public Dictionary<string, (string Channel, string Address)> Users { get; } = new(StringComparer.Ordinal);

    /// <summary>Deliveries to a user, by display name.</summary>
    /// <param name="displayName">The user's display name.</param>
    /// <returns>The messages delivered to them, in order.</returns>
    public IReadOnlyList<NotificationMessage> To(string displayName) =>
        [.. Delivered.Where(m => Users.TryGetValue(displayName, out var user) && IsAddressOf(m, user))];

    /// <summary>Whether a message went to a user's channel and address (phone numbers compared by their digits).</summary>
    /// <param name="message">The delivered message.</param>
    /// <param name="user">The user's channel and address.</param>
    /// <returns>Whether it is theirs.</returns>
    public static bool IsAddressOf(NotificationMessage message, (string Channel, string Address) user) =>
        message is not null && message.Channel == user.Channel &&
        string.Equals(Comparable(message.Address), Comparable(user.Address), StringComparison.OrdinalIgnoreCase);

    private static string Comparable(string address) => address.Contains('@', StringComparison.Ordinal) ? address : new string([.. address.Where(char.IsLetterOrDigit)]);
}

/// <summary>
/// The complaint desk (docs: domain.md, "The acceptance scenario"): a customer calls, the agent opens a complaint from
/// an order line, rules classify and route it, the quality manager misses the plan deadline and the case escalates,
/// the plan's tasks are worked, root cause and preventive measures are reviewed, a document is generated and the
/// reports show it all; a second tenant runs other rules and sees none of it.
/// </summary>
public static class ComplaintDeskScenario
{
    /// <summary>Friday 27 March 2026, 14:00 in Berlin: the customer calls.</summary>
    public static readonly DateTimeOffset Start = new(2026, 3, 27, 13, 0, 0, TimeSpan.Zero);

    private const string Acme = "acme";
    private const string Globex = "globex";

    /// <summary>Runs the scenario on a new database and writes what happens.</summary>
    /// <param name="databasePath">The SQLite file (created).</param>
    /// <param name="output">Where to write the story.</param>
    /// <returns>What the run produced.</returns>
    public static async Task<ComplaintDeskRun> RunAsync(string databasePath, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var run = new ComplaintDeskRun();
        var clock = new FakeTimeProvider(Start);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Services.AddCrmEngine()
            .UseSqlite($"Data Source={databasePath}")
            .AddRulePacks()
            // The modules are plugins on disk; the host shares their contract assemblies so it can call their typed APIs.
            .AddPluginsFrom(Path.Combine(AppContext.BaseDirectory, "plugins"), o =>
            {
                o.SharedTypes.Add(typeof(ICommerce));
                o.SharedTypes.Add(typeof(IServiceDesk));
                o.SharedTypes.Add(typeof(ICallCenter));
                foreach (var id in new[] { CommercePlugin.Id, ServicePlugin.Id, CallCenterPlugin.Id })
                {
                    o.RequiredPlugins.Add(id);
                }
            })
            .AddInProcessChannel("email", Deliver, NotificationAddressKind.Email)
            .AddInProcessChannel("sms", Deliver, NotificationAddressKind.Phone)
            .AddInProcessChannel("im", Deliver, NotificationAddressKind.RecipientId)
            // The story drives timers and the outbox itself, on the simulated clock.
            .ConfigureWork(o => o.RunBackgroundServices = false);
        using var host = builder.Build();
        await host.StartAsync().ConfigureAwait(false);

        var services = host.Services;
        var engine = services.GetRequiredService<ICrmEngine>();
        var work = services.GetRequiredService<IWorkServices>();
        var rules = services.GetRequiredService<IRuleBases>();
        var desk = services.GetRequiredService<IServiceDesk>();
        var calls = services.GetRequiredService<ICallCenter>();
        var commerce = services.GetRequiredService<ICommerce>();
        var reports = services.GetRequiredService<IReportCatalog>();
        var timers = services.GetRequiredService<ITimerProcessor>();
        var outbox = services.GetRequiredService<INotificationDispatcher>();
        var telephony = new SimulatedTelephony();
        await calls.ConnectAsync(telephony).ConfigureAwait(false);

        void Say(string text)
        {
            run.Steps.Add(text);
            output.WriteLine(text);
        }

        async Task DeliverOutboxAsync()
        {
            while (await outbox.DispatchDueAsync().ConfigureAwait(false) > 0)
            {
            }
        }

        async Task AdvanceToAsync(DateTimeOffset instant)
        {
            clock.SetUtcNow(instant);
            while (await timers.FireDueAsync().ConfigureAwait(false) > 0)
            {
            }

            await DeliverOutboxAsync().ConfigureAwait(false);
        }

        Task Deliver(NotificationMessage message, CancellationToken cancellationToken)
        {
            run.Delivered.Enqueue(message);
            var who = run.Users.FirstOrDefault(u => ComplaintDeskRun.IsAddressOf(message, u.Value)).Key ?? message.Address;
            output.WriteLine($"      -> [{message.Channel}] {who}: {message.Subject}");
            return Task.CompletedTask;
        }

        // ---- Set-up, as a consultant would configure the client (tenant) ----
        Say("0. Set-up: tenant acme (Europe/Berlin) with its team, calendar, templates, rule pack, customer and orders");
        await engine.Tenants.CreateAsync(Acme, "Acme Appliances GmbH", new TenantSettings("Europe/Berlin", "de-DE", "EUR")).ConfigureAwait(false);
        var acme = engine.ForTenant(Acme);
        var acmeWork = work.ForTenant(Acme);
        var team = await SetUpTeamAsync(acme, acmeWork, run).ConfigureAwait(false);
        await SetUpCalendarAndTemplatesAsync(acmeWork).ConfigureAwait(false);
        var acmePack = await rules.ForTenant(Acme, "consultant").ApplyAsync(await ReadPackAsync("acme.yaml").ConfigureAwait(false), "complaint-desk.yaml").ConfigureAwait(false);
        Say($"   rule pack complaint-desk.yaml live as rule-base version {acmePack.Version}");

        var order = await commerce.ForTenant(acme).SyncOrderAsync(new StorefrontOrder
        {
            Channel = "webshop",
            ExternalId = "WS-100234",
            OrderDate = new DateTimeOffset(2025, 11, 3, 10, 12, 0, TimeSpan.Zero),
            Status = OrderStatus.Delivered,
            Currency = "EUR",
            Customer = new StorefrontCustomer { ExternalId = "C-1001", CompanyName = "Müller Handels AG", FirstName = "Jan", LastName = "Schulz", Email = "jan.schulz@mueller.example", Phone = "+49 170 5550101" },
            Lines =
            [
                new StorefrontOrderLine { ExternalId = "1", Sku = "WM-500", ProductName = "Washing machine WM-500", UnitPrice = 649m, SerialNumber = "SN-WM500-4711", Barcode = "4006381333931", ShipDate = new DateOnly(2025, 11, 10), WarrantyMonths = 24 },
                new StorefrontOrderLine { ExternalId = "2", Sku = "TD-300", ProductName = "Tumble dryer TD-300", UnitPrice = 499m, SerialNumber = "SN-TD300-0815", ShipDate = new DateOnly(2023, 1, 16), WarrantyMonths = 24 },
            ],
        }).ConfigureAwait(false);
        await acmeWork.Responsibility.LinkCustomerAsync(order.AccountId, team.KeyAccounts).ConfigureAwait(false);
        Say($"   storefront order {order.OrderNumber} synced: customer {(order.CustomerCreated ? "created" : "found")}, {order.LineIds.Count} lines; the customer is served by the key-accounts unit");

        // ---- 1. The call ----
        Say("1. The customer calls the hotline; the call center identifies them by caller number and pops their data");
        var callId = await telephony.RingAsync(Acme, "+49 (170) 555 0101", "+49 30 9000").ConfigureAwait(false);
        await telephony.AnswerAsync(callId, team.Agent.ToString()).ConfigureAwait(false);
        var agent = acme.AsUser(team.Agent);
        var pop = await calls.ForTenant(agent).GetScreenPopAsync(callId).ConfigureAwait(false);
        run.ScreenPop = pop;
        Say($"   screen pop for {pop.Number}: {pop.Account?[AccountFields.Name]} / {pop.Contact?[ContactFields.Name]} ({pop.Matches.Count} match(es))");
        foreach (var recent in pop.RecentOrders)
        {
            Say($"   order {recent.OrderNumber} ({recent.Status}): {string.Join("; ", recent.Lines.Select(l => $"{l.ProductName} serial {l.SerialNumber} shipped {l.ShipDate:yyyy-MM-dd}"))}");
        }

        Say($"   open complaints: {pop.OpenCases.Count}; last interactions: {pop.LastInteractions.Count}");

        // ---- 2. The complaint from the order line ----
        Say("2. The agent opens a complaint from the washing machine's order line: product, serial and ship date come from it");
        var service = desk.ForTenant(agent);
        var complaint = await service.OpenFromOrderLineAsync(order.LineIds[0], new NewCase
        {
            Subject = "Washing machine leaks from the door seal",
            Description = "Water on the floor after every wash since last week.",
            Category = CaseCategory.Complaint,
            ComplaintType = ComplaintType.ProductQuality,
            Priority = CasePriority.Urgent,
            Origin = "phone",
        }).ConfigureAwait(false);
        await calls.ForTenant(agent).LinkCaseAsync(callId, complaint.Id).ConfigureAwait(false);
        await telephony.HangUpAsync(callId).ConfigureAwait(false);
        complaint = (await acme.Records.GetAsync(ServiceEntities.Case, complaint.Id).ConfigureAwait(false))!;
        Say($"   case {complaint[CaseFields.CaseNumber]}: {complaint[CaseFields.ProductName]}, serial {complaint[CaseFields.SerialNumber]}, shipped {Text(complaint[CaseFields.ShipDate])}, warranty until {Text(complaint[CaseFields.WarrantyUntil])}: {complaint[CaseFields.WarrantyStatus]}");

        var general = await service.OpenFromOrderLineAsync(order.LineIds[1], new NewCase
        {
            Subject = "Dryer makes a loud noise",
            Category = CaseCategory.Complaint,
            ComplaintType = ComplaintType.Other,
            Priority = CasePriority.General,
            Origin = "email",
        }).ConfigureAwait(false);
        Say($"   case {general[CaseFields.CaseNumber]} (dryer): warranty {general[CaseFields.WarrantyStatus]} (until {Text(general[CaseFields.WarrantyUntil])})");

        // ---- 3. and 4. Rules classify and route ----
        Say("3. Rules classify: urgent within 48 working hours, general within 5 business days (Berlin calendar, Easter holidays)");
        complaint = (await acme.Records.GetAsync(ServiceEntities.Case, complaint.Id).ConfigureAwait(false))!;
        general = (await acme.Records.GetAsync(ServiceEntities.Case, general.Id).ConfigureAwait(false))!;
        Say($"   {complaint[CaseFields.CaseNumber]} urgent: SLA due {Local(complaint[CaseFields.SlaDueAt])} ({complaint[CaseFields.SlaState]})");
        Say($"   {general[CaseFields.CaseNumber]} general: SLA due {Local(general[CaseFields.SlaDueAt])} ({general[CaseFields.SlaState]})");
        Say("4. The product-quality complaint goes to the customer's sales, quality, procurement and general managers, each on their channel");
        await DeliverOutboxAsync().ConfigureAwait(false);

        // ---- 5. No plan in 2 days: escalation ----
        Say("5. The quality manager proposes no plan within 2 business days: the case escalates (rule + durable timer)");
        await AdvanceToAsync(new DateTimeOffset(2026, 3, 31, 12, 30, 0, TimeSpan.Zero)).ConfigureAwait(false);
        complaint = (await acme.Records.GetAsync(ServiceEntities.Case, complaint.Id).ConfigureAwait(false))!;
        Say($"   Tuesday 14:30: escalated = {Text(complaint[CaseFields.Escalated])}");

        // ---- 6. The plan, its tasks, and a task closed ----
        Say("6. The quality manager submits the plan; its tasks have owners and deadlines; closing one tells the agent and the service manager");
        var quality = desk.ForTenant(acme.AsUser(team.Quality));
        var plan = await quality.SubmitPlanAsync(complaint.Id, "Replace the door seal, test the batch, inform the customer.",
        [
            new PlanTask("Replace the door seal at the customer's site", team.Procurement) { Within = BusinessDuration.FromBusinessDays(1) },
            new PlanTask("Test 20 machines of batch 2025-44", team.Quality) { Within = BusinessDuration.FromBusinessDays(3) },
        ]).ConfigureAwait(false);
        foreach (var task in plan.Tasks)
        {
            Say($"   task '{task[ActivityFields.Subject]}' due {Local(task[ActivityFields.DueAt])}");
        }

        await AdvanceToAsync(new DateTimeOffset(2026, 4, 1, 9, 0, 0, TimeSpan.Zero)).ConfigureAwait(false);
        await acme.AsUser(team.Procurement).Activities.CompleteAsync(plan.Tasks[0].Id).ConfigureAwait(false);
        await DeliverOutboxAsync().ConfigureAwait(false);
        var progress = await quality.GetProgressAsync(complaint.Id).ConfigureAwait(false);
        Say($"   progress: {progress.Completed} of {progress.Total} tasks done, {progress.Overdue} overdue");

        // ---- 7. Root cause and preventive measures, reviewed by the sales manager ----
        Say("7. Root cause and preventive measures are recorded and reviewed by the sales manager");
        await quality.RecordRootCauseAsync(complaint.Id, "Door seals of supplier batch 2025-44 shrink at 60 °C.").ConfigureAwait(false);
        var supplier = await quality.ProposeMeasureAsync(complaint.Id, new NewMeasure("Switch door seals to the second supplier") { OwnerId = team.Procurement, DueDate = new DateOnly(2026, 4, 30) }).ConfigureAwait(false);
        var inspection = await quality.ProposeMeasureAsync(complaint.Id, new NewMeasure("Inspect every machine before shipping") { OwnerId = team.Quality }).ConfigureAwait(false);
        var sales = desk.ForTenant(acme.AsUser(team.Sales));
        await sales.ReviewMeasureAsync(supplier.Id, MeasureDecision.Approve, "Agreed with procurement.").ConfigureAwait(false);
        await sales.ReviewMeasureAsync(inspection.Id, MeasureDecision.Reject, "Too costly; sampling is enough.").ConfigureAwait(false);
        await sales.MarkFedBackAsync(supplier.Id).ConfigureAwait(false);
        Say("   'Switch door seals to the second supplier' approved and fed back to the customer; 'Inspect every machine' rejected");
        await quality.ResolveAsync(complaint.Id, "Door seal replaced; supplier changed.").ConfigureAwait(false);
        run.Complaint = await acme.Records.GetAsync(ServiceEntities.Case, complaint.Id).ConfigureAwait(false);
        run.GeneralComplaint = await acme.Records.GetAsync(ServiceEntities.Case, general.Id).ConfigureAwait(false);
        Say($"   resolved: SLA {run.Complaint![CaseFields.SlaState]}");

        // ---- 8. The complaint document ----
        Say("8. The complaint document is generated from the tenant's template");
        run.Document = await quality.GenerateDocumentAsync(complaint.Id, "complaint.document").ConfigureAwait(false);
        foreach (var line in ((string)run.Document[CaseDocumentFields.Body]!).Split('\n'))
        {
            Say($"   | {line.TrimEnd()}");
        }

        // ---- 9. Reports ----
        Say("9. Reports: complaint status, and preventive measures with whether each was fed back to the customer");
        var manager = acme.AsUser(team.ServiceManager);
        run.StatusReport = await reports.RunAsync(manager, "service.complaintStatus").ConfigureAwait(false);
        run.MeasuresReport = await reports.RunAsync(manager, "service.preventiveMeasures").ConfigureAwait(false);
        PrintReport(run.StatusReport, Say);
        PrintReport(run.MeasuresReport, Say);

        // ---- Another tenant, other rules, no shared data; a rule change without a restart ----
        Say("10. Tenant globex in the same engine: its own rule pack (3 days, quality manager only), none of acme's data");
        await engine.Tenants.CreateAsync(Globex, "Globex Corporation", new TenantSettings("America/New_York", "en-US", "USD")).ConfigureAwait(false);
        var globex = engine.ForTenant(Globex);
        var globexWork = work.ForTenant(Globex);
        await globex.Organization.DefineRoleAsync(new CrmRole("qualityManager", "Quality manager", null)).ConfigureAwait(false);
        var globexQuality = await globex.Organization.CreateUserAsync(new NewUser("qa", "Quentin QA (Globex)") { Email = "qa@globex.example" }).ConfigureAwait(false);
        await globex.Organization.GrantRoleAsync(new RoleAssignment(globexQuality.Id, "qualityManager", null)).ConfigureAwait(false);
        run.Users[globexQuality.DisplayName] = ("email", "qa@globex.example");
        await globexWork.Templates.SaveAsync(new TemplateDefinition("complaint.new", "New complaint {{ case.caseNumber }}", "{{ recipient.name }}, please look at: {{ case.subject }}")).ConfigureAwait(false);
        var globexRules = rules.ForTenant(Globex, "consultant");
        var v1 = await globexRules.ApplyAsync(await ReadPackAsync("globex.yaml").ConfigureAwait(false), "complaint-desk.yaml").ConfigureAwait(false);
        var globexAccount = await globex.Accounts.CreateAsync(new NewAccount("Initech")).ConfigureAwait(false);
        var globexDesk = desk.ForTenant(globex);
        var first = await globexDesk.OpenCaseAsync(new NewCase { Subject = "Printer jams", Category = CaseCategory.Complaint, Priority = CasePriority.Urgent, AccountId = globexAccount.Id }).ConfigureAwait(false);
        first = (await globex.Records.GetAsync(ServiceEntities.Case, first.Id).ConfigureAwait(false))!;
        var globexCases = await globex.Records.CountAsync(RecordQuery.For(ServiceEntities.Case)).ConfigureAwait(false);
        var acmeSeen = await globex.Records.GetAsync(ServiceEntities.Case, complaint.Id).ConfigureAwait(false) is not null;
        run.Isolation = (globexCases, acmeSeen);
        await DeliverOutboxAsync().ConfigureAwait(false);
        Say($"   globex sees {globexCases} case(s) (its own), acme's complaint: {(acmeSeen ? "visible" : "not visible")}; urgent complaint due {Local(first[CaseFields.SlaDueAt], NewYork)} New York time (3 business days)");

        Say("11. The consultant changes globex's rule pack (urgent within 1 business day): it takes effect at once, no restart");
        var v2 = await globexRules.ApplyAsync(await ReadPackAsync("globex-v2.yaml").ConfigureAwait(false), "complaint-desk.yaml").ConfigureAwait(false);
        var second = await globexDesk.OpenCaseAsync(new NewCase { Subject = "Printer smokes", Category = CaseCategory.Complaint, Priority = CasePriority.Urgent, AccountId = globexAccount.Id }).ConfigureAwait(false);
        second = (await globex.Records.GetAsync(ServiceEntities.Case, second.Id).ConfigureAwait(false))!;
        await DeliverOutboxAsync().ConfigureAwait(false);
        run.GlobexChange = (first[CaseFields.SlaDueAt] as DateTimeOffset?, second[CaseFields.SlaDueAt] as DateTimeOffset?, v1.Version, v2.Version);
        Say($"   rule base v{v1.Version} -> v{v2.Version}: the next urgent complaint is due {Local(second[CaseFields.SlaDueAt], NewYork)} New York time (1 business day)");

        await host.StopAsync().ConfigureAwait(false);
        return run;
    }

    private sealed record Team(Guid Agent, Guid ServiceManager, Guid Sales, Guid Quality, Guid Procurement, Guid General, Guid KeyAccounts);

    private static async Task<Team> SetUpTeamAsync(ICrmTenant acme, ITenantWork work, ComplaintDeskRun run)
    {
        var org = acme.Organization;
        var desk = await org.CreateUnitAsync("Service desk").ConfigureAwait(false);
        var keyAccounts = await org.CreateUnitAsync("Key accounts").ConfigureAwait(false);
        foreach (var (key, name) in new[] { ("salesManager", "Sales manager"), ("qualityManager", "Quality manager"), ("procurementManager", "Procurement manager"), ("generalManager", "General manager"), ("serviceManager", "Service manager") })
        {
            await org.DefineRoleAsync(new CrmRole(key, name, null)).ConfigureAwait(false);
        }

        // Security: the agent works the desk's cases and reads the orders complaints are filed against; the managers
        // work complaints tenant-wide.
        await acme.Security.SaveRoleAsync(new SecurityRole("complaint-agent", "Complaint desk agent")
        {
            Privileges =
            [
                new(EntityPrivilege.AnyEntity, RecordPrivilege.Create, AccessDepth.Unit),
                new(EntityPrivilege.AnyEntity, RecordPrivilege.Read, AccessDepth.Unit),
                new(EntityPrivilege.AnyEntity, RecordPrivilege.Write, AccessDepth.Unit),
                .. new[] { CoreEntities.Account, CoreEntities.Contact, CoreEntities.Activity, CommerceEntities.Order, CommerceEntities.OrderLine, CommerceEntities.Product }
                    .Select(e => new EntityPrivilege(e, RecordPrivilege.Read, AccessDepth.Tenant)),
            ],
        }).ConfigureAwait(false);
        await acme.Security.SaveRoleAsync(new SecurityRole("complaint-manager", "Complaint manager")
        {
            Privileges =
            [
                new(EntityPrivilege.AnyEntity, RecordPrivilege.Read, AccessDepth.Tenant),
                new(EntityPrivilege.AnyEntity, RecordPrivilege.Create, AccessDepth.Tenant),
                new(EntityPrivilege.AnyEntity, RecordPrivilege.Write, AccessDepth.Tenant),
            ],
        }).ConfigureAwait(false);

        async Task<Guid> UserAsync(string login, string name, Guid unit, string channel, string securityRole, string? jobRole, Guid? scope)
        {
            var phone = "+49 170 9000" + (run.Users.Count + 1).ToString("000", CultureInfo.InvariantCulture);
            var user = await org.CreateUserAsync(new NewUser(login, name) { Email = $"{login}@acme.example", Phone = phone, UnitId = unit }).ConfigureAwait(false);
            run.Users[name] = (channel, channel switch { "email" => $"{login}@acme.example", "sms" => phone, _ => user.Id.ToString() });
            await acme.Security.GrantRoleAsync(SecurityPrincipal.User(user.Id), securityRole).ConfigureAwait(false);
            if (jobRole is not null)
            {
                await org.GrantRoleAsync(new RoleAssignment(user.Id, jobRole, scope)).ConfigureAwait(false);
            }

            await work.Notifications.SetUserPreferencesAsync(user.Id, new ChannelPreferences(false, false, channel)).ConfigureAwait(false);
            return user.Id;
        }

        return new Team(
            Agent: await UserAsync("anna", "Anna Agent", desk.Id, "email", "complaint-agent", null, null).ConfigureAwait(false),
            ServiceManager: await UserAsync("sven", "Sven Service", desk.Id, "im", "complaint-manager", "serviceManager", null).ConfigureAwait(false),
            Sales: await UserAsync("sara", "Sara Sales", keyAccounts.Id, "email", "complaint-manager", "salesManager", keyAccounts.Id).ConfigureAwait(false),
            Quality: await UserAsync("quinn", "Quinn Quality", keyAccounts.Id, "im", "complaint-manager", "qualityManager", keyAccounts.Id).ConfigureAwait(false),
            Procurement: await UserAsync("paul", "Paul Procurement", keyAccounts.Id, "sms", "complaint-manager", "procurementManager", keyAccounts.Id).ConfigureAwait(false),
            General: await UserAsync("gina", "Gina General", keyAccounts.Id, "email", "complaint-manager", "generalManager", keyAccounts.Id).ConfigureAwait(false),
            KeyAccounts: keyAccounts.Id);
    }

    private static async Task SetUpCalendarAndTemplatesAsync(ITenantWork work)
    {
        IReadOnlyList<WorkingInterval> day = [new(new TimeOnly(9, 0), new TimeOnly(17, 0))];
        await work.Calendars.SaveAsync(new BusinessCalendarDefinition
        {
            Key = BusinessCalendarDefinition.DefaultKey,
            TimeZone = "Europe/Berlin",
            WorkingHours = new Dictionary<DayOfWeek, IReadOnlyList<WorkingInterval>>
            {
                [DayOfWeek.Monday] = day, [DayOfWeek.Tuesday] = day, [DayOfWeek.Wednesday] = day, [DayOfWeek.Thursday] = day, [DayOfWeek.Friday] = day,
            },
            Holidays = [new DateOnly(2026, 4, 3), new DateOnly(2026, 4, 6)], // Good Friday, Easter Monday
        }).ConfigureAwait(false);
        await work.Templates.SaveAsync(new TemplateDefinition("complaint.new",
            "New {{ case.priority }} complaint {{ case.caseNumber }}: {{ case.subject }}",
            "{{ recipient.name }}, as {{ recipient.role }} of the customer please look at complaint {{ case.caseNumber }} ({{ case.productName }}, serial {{ case.serialNumber }}).")).ConfigureAwait(false);
        await work.Templates.SaveAsync(new TemplateDefinition("complaint.escalated",
            "Escalated: complaint {{ case.caseNumber }} has no handling plan",
            "{{ recipient.name }}, the quality manager proposed no plan for {{ case.caseNumber }} within 2 business days.")).ConfigureAwait(false);
        await work.Templates.SaveAsync(new TemplateDefinition("complaint.document", "Complaint {{ case.caseNumber }}",
            """
            COMPLAINT REPORT {{ case.caseNumber }}
            Customer: {{ customer.name }} - contact {{ contact.name }}
            Product: {{ orderLine.productName }}, serial {{ orderLine.serialNumber }}, shipped {{ orderLine.shipDate }}
            Complaint: {{ case.subject }} ({{ case.priority }}, warranty: {{ case.warrantyStatus }})
            Plan: {{ plan }}
            Root cause: {{ rootCause }}
            {% for m in measures %}Measure: {{ m.description }} - {{ m.status }}{% if m.fedBackToCustomer %}, fed back to the customer{% endif %}
            {% endfor %}
            """)).ConfigureAwait(false);
    }

    private static async Task<string> ReadPackAsync(string name) =>
        await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "rule-packs", name)).ConfigureAwait(false);

    private static void PrintReport(ReportResult report, Action<string> say)
    {
        say($"   {report.Title}");
        var widths = report.Columns.Select((c, i) => Math.Max(c.Label.Length, report.Rows.Select(r => Text(r[i]).Length).DefaultIfEmpty(0).Max())).ToArray();
        say("   " + string.Join(" | ", report.Columns.Select((c, i) => c.Label.PadRight(widths[i]))));
        foreach (var row in report.Rows)
        {
            say("   " + string.Join(" | ", row.Select((v, i) => Text(v).PadRight(widths[i]))));
        }

        foreach (var line in report.Summary)
        {
            say($"   {line.Key}: {Text(line.Value)}");
        }
    }

    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    private static string Local(object? instant, TimeZoneInfo? zone = null) => instant is DateTimeOffset at
        ? TimeZoneInfo.ConvertTime(at, zone ?? Berlin).ToString("ddd d MMM HH:mm", CultureInfo.InvariantCulture)
        : "(none)";

    private static string Text(object? value) => value switch
    {
        null => string.Empty,
        DateOnly date => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTimeOffset at => Local(at),
        bool flag => flag ? "yes" : "no",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}
