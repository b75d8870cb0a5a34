using System.Collections.Concurrent;
using Crm.Engine;
using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Organization;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Security;
using Crm.Engine.Abstractions.Tenancy;
using Crm.Engine.Abstractions.Work;
using Crm.Engine.Testing;
using Crm.Plugins.Commerce;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Plugins.Service.Tests;

/// <summary>An engine with the commerce and service modules, a Berlin tenant, an in-process e-mail channel, and shortcuts.</summary>
internal sealed class ServiceFixture : IAsyncDisposable
{
    /// <summary>Friday 27 March 2026, 15:00 in Berlin (CET, before the clocks change on the 29th).</summary>
    public static readonly DateTimeOffset FridayAfternoon = new(2026, 3, 27, 14, 0, 0, TimeSpan.Zero);

    private ServiceFixture(CrmTestHost host, ICrmTenant tenant, ConcurrentQueue<NotificationMessage> sent)
    {
        Host = host;
        Tenant = tenant;
        Sent = sent;
    }

    public CrmTestHost Host { get; }

    public ICrmTenant Tenant { get; }

    public ConcurrentQueue<NotificationMessage> Sent { get; }

    public ITenantWork Work => Host.Services.GetRequiredService<IWorkServices>().ForTenant(Tenant.TenantId);

    public IServiceDeskTenant Desk => DeskFor(Tenant);

    public static async Task<ServiceFixture> StartAsync(DateTimeOffset? start = null, Action<CrmEngineBuilder>? configure = null, string timeZone = "Europe/Berlin")
    {
        var sent = new ConcurrentQueue<NotificationMessage>();
        var host = await CrmTestHost.StartAsync(
            b =>
            {
                b.AddPlugin<CommercePlugin>(CommercePlugin.Id).AddPlugin<ServicePlugin>(ServicePlugin.Id)
                    .AddInProcessChannel("email", (m, _) => { sent.Enqueue(m); return Task.CompletedTask; }, NotificationAddressKind.Email);
                configure?.Invoke(b);
            },
            start: start ?? FridayAfternoon);
        var tenant = await host.CreateTenantAsync("acme", new TenantSettings(timeZone, "de-DE", "EUR"));
        return new ServiceFixture(host, tenant, sent);
    }

    public IServiceDeskTenant DeskFor(ICrmTenant tenant) => Host.Services.GetRequiredService<IServiceDesk>().For(tenant);

    public Task<int> FireTimersAsync() => Host.Services.GetRequiredService<ITimerProcessor>().FireDueAsync();

    public Task<int> DispatchAsync() => Host.Services.GetRequiredService<INotificationDispatcher>().DispatchDueAsync();

    public async Task<CrmRecord> AccountAsync(string name = "Brewer GmbH") =>
        await Tenant.Records.CreateAsync(CoreEntities.Account, new Dictionary<string, object?> { [AccountFields.Name] = name });

    public async Task<CrmUser> UserAsync(string userName, string securityRole, Guid? unitId = null)
    {
        var user = await Tenant.Organization.CreateUserAsync(new NewUser(userName, char.ToUpperInvariant(userName[0]) + userName[1..]) { Email = $"{userName}@acme.test", UnitId = unitId });
        await Tenant.Security.GrantRoleAsync(SecurityPrincipal.User(user.Id), securityRole);
        return user;
    }

    public async Task DefineJobRoleAsync(string key, Guid userId, Guid? scope = null)
    {
        await Tenant.Organization.DefineRoleAsync(new CrmRole(key, key, null));
        await Tenant.Organization.GrantRoleAsync(new RoleAssignment(userId, key, scope));
    }

    /// <summary>A product, an order of the account (with a contact) and one shipped line.</summary>
    public async Task<(CrmRecord Product, CrmRecord Order, CrmRecord Line, CrmRecord Contact)> OrderLineAsync(Guid accountId, DateOnly shipDate, int warrantyMonths, string serial = "SN-1001", Guid? ownerId = null)
    {
        var contact = await Tenant.Records.CreateAsync(CoreEntities.Contact, new Dictionary<string, object?>
        {
            [ContactFields.FirstName] = "Clara",
            [ContactFields.LastName] = "Kunde",
            [ContactFields.AccountId] = accountId,
        });
        var owner = ownerId is null ? null : new CreateOptions { OwnerId = ownerId };
        var product = await Tenant.Records.CreateAsync(CommerceEntities.Product, new Dictionary<string, object?> { [ProductFields.Name] = "Espresso machine X2", [ProductFields.WarrantyMonths] = (decimal)warrantyMonths }, owner);
        var order = await Tenant.Records.CreateAsync(CommerceEntities.Order, new Dictionary<string, object?> { [OrderFields.AccountId] = accountId, [OrderFields.ContactId] = contact.Id }, owner);
        var line = await Tenant.Records.CreateAsync(CommerceEntities.OrderLine, new Dictionary<string, object?>
        {
            [OrderLineFields.OrderId] = order.Id,
            [OrderLineFields.AccountId] = accountId,
            [OrderLineFields.ProductId] = product.Id,
            [OrderLineFields.ProductName] = "Espresso machine X2",
            [OrderLineFields.SerialNumber] = serial,
            [OrderLineFields.Barcode] = "4006381333931",
            [OrderLineFields.ShipDate] = shipDate,
            [OrderLineFields.WarrantyMonths] = (decimal)warrantyMonths,
        }, owner);
        return (product, order, line, contact);
    }

    public ValueTask DisposeAsync() => Host.DisposeAsync();
}
