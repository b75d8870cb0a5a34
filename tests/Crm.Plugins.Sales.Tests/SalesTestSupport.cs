using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Organization;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Security;
using Crm.Engine.Abstractions.Work;
using Crm.Engine.RulePacks;
using Crm.Engine.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Plugins.Sales.Tests;

/// <summary>A started engine with the sales plugin and one tenant (system context).</summary>
internal sealed class SalesFixture : IAsyncDisposable
{
    private SalesFixture(CrmTestHost host, ICrmTenant tenant)
    {
        Host = host;
        Tenant = tenant;
    }

    public CrmTestHost Host { get; }

    public ICrmTenant Tenant { get; }

    public ISalesTenant Sales => For(Tenant);

    public ISalesTenant For(ICrmTenant tenant) => Host.Services.GetRequiredService<ISales>().For(tenant);

    public ITenantWork Work => Host.Services.GetRequiredService<IWorkServices>().ForTenant(Tenant.TenantId);

    public static async Task<SalesFixture> StartAsync(bool rulePacks = false)
    {
        var host = await CrmTestHost.StartAsync(b =>
        {
            b.AddPlugin<SalesPlugin>(SalesPlugin.Id);
            if (rulePacks)
            {
                b.AddRulePacks();
            }
        });
        return new SalesFixture(host, await host.CreateTenantAsync());
    }

    /// <summary>Creates a user holding one of the system security roles and returns the tenant acting as them.</summary>
    public async Task<(Guid Id, ICrmTenant Tenant)> UserAsync(string userName, string role)
    {
        var user = await Tenant.Organization.CreateUserAsync(new NewUser(userName, userName.ToUpperInvariant()));
        await Tenant.Security.GrantRoleAsync(SecurityPrincipal.User(user.Id), role);
        return (user.Id, Tenant.AsUser(user.Id));
    }

    public Task<CrmRecord> LeadAsync(string lastName, string? company = null, string? email = null, string? phone = null, string? status = null, Guid? owner = null, ICrmTenant? tenant = null)
    {
        var values = new Dictionary<string, object?> { [LeadFields.LastName] = lastName, [LeadFields.FirstName] = "Ada" };
        Add(values, LeadFields.Company, company);
        Add(values, LeadFields.Email, email);
        Add(values, LeadFields.Phone, phone);
        Add(values, LeadFields.Status, status);
        return (tenant ?? Tenant).Records.CreateAsync(SalesEntities.Lead, values, new CreateOptions { OwnerId = owner });
    }

    public Task<CrmRecord> OpportunityAsync(string name, decimal? amount = null, string? stage = null, DateOnly? closeDate = null, Guid? owner = null, string? territory = null, ICrmTenant? tenant = null)
    {
        var values = new Dictionary<string, object?> { [OpportunityFields.Name] = name };
        if (amount is not null)
        {
            values[OpportunityFields.Amount] = amount;
        }

        if (closeDate is not null)
        {
            values[OpportunityFields.CloseDate] = closeDate;
        }

        Add(values, OpportunityFields.Stage, stage);
        Add(values, OpportunityFields.Territory, territory);
        return (tenant ?? Tenant).Records.CreateAsync(SalesEntities.Opportunity, values, new CreateOptions { OwnerId = owner });
    }

    public async Task<long> CountAsync(string entityType) => await Tenant.Records.CountAsync(RecordQuery.For(entityType));

    public async Task<CrmRecord> AccountAsync(string name, string? phone = null)
    {
        var values = new Dictionary<string, object?> { [AccountFields.Name] = name };
        Add(values, AccountFields.Phone, phone);
        return await Tenant.Records.CreateAsync(CoreEntities.Account, values);
    }

    public ValueTask DisposeAsync() => Host.DisposeAsync();

    private static void Add(Dictionary<string, object?> values, string field, string? value)
    {
        if (value is not null)
        {
            values[field] = value;
        }
    }
}
