using System.Collections.Concurrent;
using Crm.Engine;
using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Events;
using Crm.Engine.Abstractions.Pipeline;
using Crm.Engine.Abstractions.Plugins;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Security;
using Crm.Engine.Abstractions.Work;
using Crm.Engine.Abstractions.Organization;
using Crm.Engine.RulePacks;
using Crm.Engine.RulePacks.RuleBases;
using Crm.Engine.Testing;
using Crm.Plugins.Commerce;
using Crm.Plugins.Sales;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Plugins.Marketing.Tests;

/// <summary>
/// A real engine with commerce, sales and marketing (in that order), in-process e-mail and SMS channels that record what
/// they deliver; optionally rule packs. Leads are converted and opportunities won through the sales module's typed API.
/// </summary>
internal sealed class MarketingWorld : IAsyncDisposable
{
    private MarketingWorld(CrmTestHost host, ICrmTenant tenant, ConcurrentQueue<NotificationMessage> sent)
    {
        Host = host;
        Tenant = tenant;
        Sent = sent;
    }

    public CrmTestHost Host { get; }

    /// <summary>The tenant's system view.</summary>
    public ICrmTenant Tenant { get; }

    /// <summary>Every message the channels delivered.</summary>
    public ConcurrentQueue<NotificationMessage> Sent { get; }

    public ITenantWork Work => Host.Services.GetRequiredService<IWorkServices>().ForTenant("test");

    public static async Task<MarketingWorld> StartAsync(bool rules = false)
    {
        var sent = new ConcurrentQueue<NotificationMessage>();
        Task Deliver(NotificationMessage message, CancellationToken _)
        {
            sent.Enqueue(message);
            return Task.CompletedTask;
        }

        var host = await CrmTestHost.StartAsync(b =>
        {
            b.AddPlugin<CommercePlugin>(CommercePlugin.Id).AddPlugin<SalesPlugin>(SalesPlugin.Id).AddPlugin<MarketingPlugin>(MarketingPlugin.Id)
                .AddInProcessChannel("email", Deliver, NotificationAddressKind.Email)
                .AddInProcessChannel("sms", Deliver, NotificationAddressKind.Phone);
            if (rules)
            {
                b.AddRulePacks();
            }
        });
        var tenant = await host.CreateTenantAsync();
        return new MarketingWorld(host, tenant, sent);
    }

    public IMarketingTenant Marketing(ICrmTenant? as_ = null) => Host.Services.GetRequiredService<IMarketing>().For(as_ ?? Tenant);

    /// <summary>The sales module's API for a caller (the tenant's system view by default).</summary>
    public ISalesTenant Sales(ICrmTenant? as_ = null) => Host.Services.GetRequiredService<ISales>().For(as_ ?? Tenant);

    public IRuleBaseService Rules => Host.Services.GetRequiredService<IRuleBases>().ForTenant("test", "test");

    public async Task<CrmRecord> CampaignAsync(string name, string channel = CampaignChannel.Email, decimal? actualCost = null, decimal? budget = null, ICrmTenant? as_ = null) =>
        await (as_ ?? Tenant).Records.CreateAsync(MarketingEntities.Campaign, new Dictionary<string, object?>
        {
            [CampaignFields.Name] = name,
            [CampaignFields.Channel] = channel,
            [CampaignFields.Status] = CampaignStatus.Active,
            [CampaignFields.ActualCost] = actualCost,
            [CampaignFields.Budget] = budget,
        });

    public async Task<CrmRecord> ContactAsync(string lastName, string? email = null, string? mobile = null, bool doNotEmail = false, bool doNotCall = false, string? preferred = null, string? language = null, Guid? accountId = null) =>
        await Tenant.Records.CreateAsync(CoreEntities.Contact, new Dictionary<string, object?>
        {
            [ContactFields.LastName] = lastName,
            [ContactFields.Email] = email,
            [ContactFields.MobilePhone] = mobile,
            [ContactFields.DoNotEmail] = doNotEmail,
            [ContactFields.DoNotCall] = doNotCall,
            [ContactFields.PreferredChannel] = preferred,
            [ContactFields.Language] = language,
            [ContactFields.AccountId] = accountId,
        });

    /// <summary>A qualified lead of a company (<c>&lt;lastName&gt; GmbH</c> unless given), ready to be converted.</summary>
    public async Task<CrmRecord> LeadAsync(string lastName, string? source = null, Guid? campaignId = null, string? email = null, string? phone = null, bool optOut = false, string? company = null) =>
        await Tenant.Records.CreateAsync(SalesEntities.Lead, new Dictionary<string, object?>
        {
            [LeadFields.LastName] = lastName,
            [LeadFields.Company] = company ?? $"{lastName} GmbH",
            [LeadFields.Source] = source,
            [LeadFields.Email] = email,
            [LeadFields.Phone] = phone,
            [LeadFields.Status] = LeadStatus.Qualified,
            [LeadMarketingFields.CampaignId] = campaignId,
            [LeadMarketingFields.MarketingOptOut] = optOut,
        });

    /// <summary>
    /// Converts a lead the way a tenant does, through <see cref="ISalesTenant.ConvertLeadAsync"/> as the caller (a new
    /// account from the lead's company, a contact and an opportunity of <paramref name="amount"/>); a lead not yet
    /// qualified is qualified first. Returns the opportunity as stored after the conversion's commit.
    /// </summary>
    public async Task<CrmRecord> ConvertAsync(CrmRecord lead, decimal amount, ICrmTenant? as_ = null, DateOnly? closeDate = null)
    {
        var caller = as_ ?? Tenant;
        var sales = Sales(caller);
        var current = await caller.Records.GetAsync(SalesEntities.Lead, lead.Id) ?? throw new InvalidOperationException($"lead {lead.Id} not found");
        if (current[LeadFields.Status] as string != LeadStatus.Qualified)
        {
            await sales.SetLeadStatusAsync(lead.Id, LeadStatus.Qualified);
        }

        var result = await sales.ConvertLeadAsync(lead.Id, new LeadConversionOptions { Amount = amount, CloseDate = closeDate });
        var opportunityId = result.OpportunityId ?? throw new InvalidOperationException("the conversion created no opportunity");
        return (await caller.Records.GetAsync(SalesEntities.Opportunity, opportunityId))!;
    }

    /// <summary>Wins an opportunity through <see cref="ISalesTenant.WinAsync"/>.</summary>
    public Task<CrmRecord> WinAsync(Guid opportunityId, string reason = "best offer") => Sales().WinAsync(opportunityId, reason);

    /// <summary>Loses an opportunity through <see cref="ISalesTenant.LoseAsync"/>.</summary>
    public Task<CrmRecord> LoseAsync(Guid opportunityId, string reason = "too expensive") => Sales().LoseAsync(opportunityId, reason);

    /// <summary>Moves an opportunity to an open stage through <see cref="ISalesTenant.SetStageAsync"/> (reopens a closed one).</summary>
    public Task<CrmRecord> ReopenAsync(Guid opportunityId, string stage) => Sales().SetStageAsync(opportunityId, stage);

    public async Task<ICrmTenant> UserAsync(string name, params string[] roles)
    {
        var user = await Tenant.Organization.CreateUserAsync(new NewUser(name, name) { Email = $"{name}@example.test" });
        foreach (var role in roles)
        {
            await Tenant.Security.GrantRoleAsync(SecurityPrincipal.User(user.Id), role);
        }

        return Tenant.AsUser(user.Id);
    }

    public List<T> Collect<T>()
        where T : IDomainEvent
    {
        var events = new List<T>();
        _ = Host.Engine.Events.Subscribe<T>((e, _) =>
        {
            lock (events)
            {
                events.Add(e);
            }

            return Task.CompletedTask;
        });
        return events;
    }

    public async Task<int> FireTimersAsync() => await Host.Services.GetRequiredService<ITimerProcessor>().FireDueAsync();

    public async Task<int> DispatchAsync() => await Host.Services.GetRequiredService<INotificationDispatcher>().DispatchDueAsync();

    public ValueTask DisposeAsync() => Host.DisposeAsync();
}

internal static class RecordAssertions
{
    /// <summary>A look-up's value, or <see langword="null"/>.</summary>
    public static Guid? Ref(this CrmRecord record, string field) => record[field] as Guid?;
}
