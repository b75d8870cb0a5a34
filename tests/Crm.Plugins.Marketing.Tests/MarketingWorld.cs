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
/// they deliver, and the conversion stand-in; optionally rule packs.
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
                .AddPlugin<ConversionStandInPlugin>("Tests.ConversionStandIn")
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

    public async Task<CrmRecord> LeadAsync(string lastName, string? source = null, Guid? campaignId = null, string? email = null, string? phone = null, bool optOut = false) =>
        await Tenant.Records.CreateAsync(SalesEntities.Lead, new Dictionary<string, object?>
        {
            [LeadFields.LastName] = lastName,
            [LeadFields.Source] = source,
            [LeadFields.Email] = email,
            [LeadFields.Phone] = phone,
            [LeadFields.Status] = LeadStatus.Qualified,
            [LeadMarketingFields.CampaignId] = campaignId,
            [LeadMarketingFields.MarketingOptOut] = optOut,
        });

    /// <summary>Converts a lead the way the sales module does: an opportunity is created and the lead points to it.</summary>
    public async Task<CrmRecord> ConvertAsync(CrmRecord lead, decimal amount, ICrmTenant? as_ = null) =>
        await (as_ ?? Tenant).Records.CreateAsync(SalesEntities.Opportunity, new Dictionary<string, object?>
        {
            [OpportunityFields.Name] = ConversionStandIn.NameFor(lead.Id),
            [OpportunityFields.Amount] = amount,
            [OpportunityFields.Stage] = "prospecting",
        });

    public Task<CrmRecord> SetStageAsync(Guid opportunityId, string stage, DateOnly? closeDate = null)
    {
        var changes = new Dictionary<string, object?> { [OpportunityFields.Stage] = stage };
        if (closeDate is not null)
        {
            changes[OpportunityFields.CloseDate] = closeDate;
        }

        return Tenant.Records.UpdateAsync(SalesEntities.Opportunity, opportunityId, null, changes);
    }

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

/// <summary>
/// Stands in for the sales module's lead conversion (written in parallel, not in this clone): creating an opportunity
/// named "Convert &lt;lead id&gt;" marks that lead converted into it from a handler, the way a conversion sets the
/// read-only <c>convertedOpportunityId</c> (opportunity first, then the lead).
/// </summary>
public sealed class ConversionStandInPlugin : ICrmPlugin
{
    public void Configure(ICrmPluginBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddPipelineHandler<ConversionStandIn>(PipelineMessages.Create, SalesEntities.Opportunity, PipelineStage.PostOperation);
    }
}

public sealed class ConversionStandIn : IPipelineHandler
{
    private const string Prefix = "Convert ";

    public static string NameFor(Guid leadId) => Prefix + leadId;

    public async Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
    {
        if (context.PostImage?[OpportunityFields.Name] is string name && name.StartsWith(Prefix, StringComparison.Ordinal) && Guid.TryParse(name[Prefix.Length..], out var leadId))
        {
            await context.Records.UpdateAsync(SalesEntities.Lead, leadId, null, new Dictionary<string, object?>
            {
                [LeadFields.Status] = LeadStatus.Converted,
                [LeadFields.ConvertedOpportunityId] = context.RecordId,
            }, cancellationToken);
        }
    }
}

internal static class RecordAssertions
{
    /// <summary>A look-up's value, or <see langword="null"/>.</summary>
    public static Guid? Ref(this CrmRecord record, string field) => record[field] as Guid?;
}
