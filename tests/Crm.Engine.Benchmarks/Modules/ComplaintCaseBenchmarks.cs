using BenchmarkDotNet.Attributes;
using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Organization;
using Crm.Engine.Abstractions.Security;
using Crm.Engine.Abstractions.Work;
using Crm.Engine.RulePacks;
using Crm.Engine.RulePacks.RuleBases;
using Crm.Engine.Testing;
using Crm.Plugins.Commerce;
using Crm.Plugins.Service;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Engine.Benchmarks.Modules;

/// <summary>
/// End to end, complaint cases per second: an agent opens a complaint from an order line (the service module reads the
/// line and its order, computes the warranty), the tenant's complaint-desk rule pack fires on it (startSla: the SLA on
/// the business calendar and two durable timers; notifyRoles: four managers resolved for the customer's unit and four
/// notifications rendered into the outbox; startTimer: the plan deadline), all in the case's transaction and the rule
/// evaluation after it. Cases per second = 1 / mean. The outbox's delivery is not included (it runs in the background).
/// </summary>
public class ComplaintCaseBenchmarks
{
    private CrmTestHost? _host;
    private IServiceDeskTenant? _desk;
    private Guid _orderLine;

    /// <summary>Whether the tenant has the complaint-desk rule pack (false: the module alone, the rules' share is the difference).</summary>
    [Params(false, true)]
    public bool RulePack { get; set; }

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    private async Task SetupAsync()
    {
        _host = await CrmTestHost.StartAsync(b => b
            .AddPlugin<CommercePlugin>(CommercePlugin.Id)
            .AddPlugin<ServicePlugin>(ServicePlugin.Id)
            .AddRulePacks()
            .AddInProcessChannel("email", (_, _) => Task.CompletedTask, NotificationAddressKind.Email)
            .ConfigureWork(o => o.RunBackgroundServices = false));
        var crm = await _host.CreateTenantAsync("bench", new Abstractions.Tenancy.TenantSettings("Europe/Berlin"));
        var work = _host.Services.GetRequiredService<IWorkServices>().ForTenant("bench");
        var unit = await crm.Organization.CreateUnitAsync("Key accounts");
        foreach (var role in new[] { "salesManager", "qualityManager", "procurementManager", "generalManager", "serviceManager" })
        {
            await crm.Organization.DefineRoleAsync(new CrmRole(role, role, null));
            var user = await crm.Organization.CreateUserAsync(new NewUser(role.ToUpperInvariant(), role) { Email = $"{role}@bench.example", UnitId = unit.Id });
            await crm.Organization.GrantRoleAsync(new RoleAssignment(user.Id, role, unit.Id));
        }

        var agent = await crm.Organization.CreateUserAsync(new NewUser("agent", "Agent") { Email = "agent@bench.example" });
        await crm.Security.GrantRoleAsync(SecurityPrincipal.User(agent.Id), SystemRoles.Administrator);
        foreach (var key in new[] { "complaint.new", "complaint.escalated" })
        {
            await work.Templates.SaveAsync(new TemplateDefinition(key, "Complaint {{ case.caseNumber }}: {{ case.subject }}", "{{ recipient.name }}, please look at {{ case.caseNumber }} ({{ case.productName }})."));
        }

        var pack = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "complaint-desk-acme.yaml"));
        if (RulePack)
        {
            await _host.Services.GetRequiredService<IRuleBases>().ForTenant("bench").ApplyAsync(pack, "complaint-desk.yaml");
        }

        var order = await _host.Services.GetRequiredService<ICommerce>().ForTenant(crm).SyncOrderAsync(new StorefrontOrder
        {
            Channel = "webshop",
            ExternalId = "B-1",
            Customer = new StorefrontCustomer { CompanyName = "Bench Customer AG", LastName = "Buyer", Email = "buyer@bench.example" },
            Lines = [new StorefrontOrderLine { Sku = "WM-500", ProductName = "Washing machine", UnitPrice = 649m, SerialNumber = "SN-1", ShipDate = new DateOnly(2025, 11, 10), WarrantyMonths = 24 }],
        });
        await work.Responsibility.LinkCustomerAsync(order.AccountId, unit.Id);
        _orderLine = order.LineIds[0];
        _desk = _host.Services.GetRequiredService<IServiceDesk>().ForTenant(crm.AsUser(agent.Id));

        // Measure the real thing: the rules must have set the SLA and queued the four managers' notifications.
        var probe = await OpenComplaint();
        var stored = await crm.Records.GetAsync(ServiceEntities.Case, probe.Id);
        var queued = (await work.Notifications.ListAsync()).Count;
        if (RulePack && (stored?[CaseFields.SlaDueAt] is null || queued != 4) || !RulePack && (stored is null || queued != 0))
        {
            throw new InvalidOperationException($"The complaint desk did not run as measured (rule pack: {RulePack}): SLA due {stored?[CaseFields.SlaDueAt] ?? "(none)"}, {queued} notifications queued.");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _host?.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Description = "complaint from an order line + rules + SLA timers + 4 outbox notifications")]
    public Task<Abstractions.Records.CrmRecord> OpenComplaint() => _desk!.OpenFromOrderLineAsync(_orderLine, new NewCase
    {
        Subject = "Leaks from the door seal",
        Category = CaseCategory.Complaint,
        ComplaintType = ComplaintType.ProductQuality,
        Priority = CasePriority.Urgent,
        Origin = "phone",
    });
}
