using Crm.Engine.Abstractions.Events;
using Crm.Engine.Abstractions.Pipeline;
using Crm.Engine.Abstractions.Plugins;
using Crm.Engine.Abstractions.Work;
using Crm.Plugins.Marketing.Attribution;
using Crm.Plugins.Marketing.Campaigns;
using Crm.Plugins.Marketing.Nurturing;
using Crm.Plugins.Marketing.Reports;
using Crm.Plugins.Marketing.Scoring;
using Crm.Plugins.Marketing.Segments;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Plugins.Marketing;

/// <summary>
/// The marketing module: campaigns with budgets and target lists built from segments (respecting consent), members
/// and responses, campaign → lead → opportunity attribution, lead scoring, consent-aware nurturing follow-ups on
/// durable timers, and campaign ROI and funnel reports. Typed API: <see cref="IMarketing"/>.
/// </summary>
public sealed class MarketingPlugin : ICrmPlugin
{
    /// <summary>The plugin id.</summary>
    public const string Id = "Crm.Plugins.Marketing";

    /// <inheritdoc />
    public void Configure(ICrmPluginBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        foreach (var entity in MarketingEntities.Definitions)
        {
            builder.AddEntity(entity);
        }

        builder.ExtendEntity(MarketingEntities.Lead, MarketingEntities.LeadExtensions);
        builder.ExtendEntity(MarketingEntities.Opportunity, MarketingEntities.OpportunityExtensions);

        foreach (var message in new[] { PipelineMessages.Create, PipelineMessages.Update })
        {
            builder.AddPipelineHandler<CampaignRevenueGuard>(message, MarketingEntities.Campaign, PipelineStage.PreValidation);
            builder.AddPipelineHandler<SegmentValidationHandler>(message, MarketingEntities.Segment, PipelineStage.PreValidation);
            builder.AddPipelineHandler<LeadConversionHandler>(message, MarketingEntities.Lead, PipelineStage.PostOperation);
        }

        foreach (var message in new[] { PipelineMessages.Create, PipelineMessages.Update, PipelineMessages.Delete })
        {
            builder.AddPipelineHandler<OpportunityRevenueHandler>(message, MarketingEntities.Opportunity, PipelineStage.PostOperation);
        }

        builder.AddPipelineHandler<MemberDefaultsHandler>(PipelineMessages.Create, MarketingEntities.CampaignMember, PipelineStage.PreValidation);
        builder.AddPipelineHandler<MemberAddedHandler>(PipelineMessages.Create, MarketingEntities.CampaignMember, PipelineStage.PostOperation);
        builder.AddPipelineHandler<ResponseDefaultsHandler>(PipelineMessages.Create, MarketingEntities.CampaignResponse, PipelineStage.PreValidation);
        builder.AddPipelineHandler<ResponseRecordedHandler>(PipelineMessages.Create, MarketingEntities.CampaignResponse, PipelineStage.PostOperation);
        builder.AddPipelineHandler<ScoreEntryDefaultsHandler>(PipelineMessages.Create, MarketingEntities.LeadScoreEntry, PipelineStage.PreValidation);
        builder.AddPipelineHandler<ScoreEntryChangedHandler>(PipelineMessages.Create, MarketingEntities.LeadScoreEntry, PipelineStage.PostOperation);
        builder.AddPipelineHandler<ScoreEntryChangedHandler>(PipelineMessages.Delete, MarketingEntities.LeadScoreEntry, PipelineStage.PostOperation);

        builder.Services.AddSingleton<IMarketing, Marketing>();
        builder.Services.AddSingleton<IDomainEventConsumer<CampaignRevenueChanged>, CampaignRevenueUpdater>();
        builder.Services.AddSingleton<IDomainEventConsumer<LeadConvertedFromCampaign>, AttributionUpdater>();
        builder.Services.AddSingleton<IDomainEventConsumer<DeadlineReached>, FollowUpSender>();

        foreach (var action in MarketingRuleActions.All())
        {
            builder.AddRuleAction(action);
        }

        builder.AddReport<CampaignRoiReport>();
        builder.AddReport<FunnelBySourceReport>();
        builder.AddReport<TimeToWinReport>();
    }
}
