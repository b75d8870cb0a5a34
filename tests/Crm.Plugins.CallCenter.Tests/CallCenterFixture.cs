using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.RulePacks;
using Crm.Engine.Testing;
using Crm.Plugins.Commerce;
using Crm.Plugins.Service;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Plugins.CallCenter.Tests;

/// <summary>Starts the engine with Commerce, Service and CallCenter (in that order) and seeds customers.</summary>
internal static class CallCenterFixture
{
    public static Task<CrmTestHost> StartAsync(bool rulePacks = false) =>
        CrmTestHost.StartAsync(b =>
        {
            b.AddPlugin<CommercePlugin>(CommercePlugin.Id).AddPlugin<ServicePlugin>(ServicePlugin.Id).AddPlugin<CallCenterPlugin>(CallCenterPlugin.Id);
            if (rulePacks)
            {
                b.AddRulePacks();
            }
        });

    public static ICallCenter CallCenter(this CrmTestHost host) => host.Services.GetRequiredService<ICallCenter>();

    public static ICallCenterTenant Calls(this CrmTestHost host, ICrmTenant tenant) => host.CallCenter().ForTenant(tenant);

    public static Dictionary<string, object?> V(params (string Key, object? Value)[] values) =>
        values.ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal);

    /// <summary>A customer (account) with one contact who has a phone number.</summary>
    public static async Task<(CrmRecord Account, CrmRecord Contact)> CustomerAsync(ICrmTenant crm, string name, string phone, string contactLastName = "Smith")
    {
        var account = await crm.Accounts.CreateAsync(new NewAccount(name));
        var contact = await crm.Contacts.CreateAsync(new NewContact("Ann", contactLastName) { AccountId = account.Id, Phone = phone });
        return (account, contact);
    }

    public static Task<CrmRecord> OrderAsync(ICrmTenant crm, Guid accountId, DateTimeOffset orderDate, string status = OrderStatus.Shipped) =>
        crm.Records.CreateAsync(CommerceEntities.Order, V((OrderFields.AccountId, accountId), (OrderFields.OrderDate, orderDate), (OrderFields.Status, status), (OrderFields.TotalAmount, 99.5m)));

    public static Task<CrmRecord> OrderLineAsync(ICrmTenant crm, CrmRecord order, int lineNumber, string product, string serial, DateOnly shipDate) =>
        crm.Records.CreateAsync(CommerceEntities.OrderLine, V(
            (OrderLineFields.OrderId, order.Id),
            (OrderLineFields.AccountId, order[OrderFields.AccountId]),
            (OrderLineFields.LineNumber, (decimal)lineNumber),
            (OrderLineFields.ProductName, product),
            (OrderLineFields.SerialNumber, serial),
            (OrderLineFields.ShipDate, shipDate)));

    public static Task<CrmRecord> CaseAsync(ICrmTenant crm, Guid accountId, string subject, string status, string priority = CasePriority.General, DateTimeOffset? slaDueAt = null) =>
        crm.Records.CreateAsync(ServiceEntities.Case, V(
            (CaseFields.Subject, subject),
            (CaseFields.AccountId, accountId),
            (CaseFields.Status, status),
            (CaseFields.Priority, priority),
            (CaseFields.SlaDueAt, slaDueAt)));
}
