using System.Globalization;
using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Rules;
using Crm.Engine.Abstractions.Tenancy;
using Crm.Engine.Abstractions.Work;
using Crm.Plugins.Marketing.Nurturing;
using Crm.Plugins.Marketing.Scoring;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Plugins.Marketing;

/// <summary>The rule actions the marketing module offers to tenants' rule packs: <c>scoreLead</c> and <c>startNurture</c>.</summary>
internal static class MarketingRuleActions
{
    public const string ScoreLead = "scoreLead";
    public const string StartNurture = "startNurture";

    public static IEnumerable<RuleActionDefinition> All()
    {
        yield return new RuleActionDefinition
        {
            Name = ScoreLead,
            Description = "Gives a matched lead points with a reason (its leadScore is the sum, scoreReasons lists why). Once per rule and lead: a re-fired rule does not add the points again.",
            Parameters =
            [
                new("record", RuleParameterType.Record, true, "The alias of the matched lead."),
                new("points", RuleParameterType.Number, true, "The points (negative to lower the score)."),
                new("reason", RuleParameterType.Text, false, "Why; by default the rule's name."),
            ],
            Handler = async ctx =>
            {
                var lead = RecordOf(ctx, MarketingEntities.Lead);
                // A points expression without a value (e.g. an empty field) is an error naming the rule, not a silent 0.
                var points = ctx.Parameters.GetValueOrDefault("points") is decimal p ? p
                    : throw new InvalidOperationException($"scoreLead in rule '{ctx.RuleName}': 'points' has no number (it gave {ctx.Parameters.GetValueOrDefault("points") ?? "nothing"}).");
                await LeadScoring.ScoreAsync(Tenant(ctx), lead.Id, points, ctx.GetParameter<string>("reason") ?? ctx.RuleName, $"rule:{ctx.RuleName}", ctx.CancellationToken).ConfigureAwait(false);
            },
        };

        yield return new RuleActionDefinition
        {
            Name = StartNurture,
            Description = "Schedules a nurturing follow-up (a durable timer on the tenant's default business calendar): when due, the contact or lead (or the campaign member's) is notified through the outbox on their preferred channel unless consent forbids it (then the skip is recorded). A pending follow-up with the same key is kept, so a re-fired rule does not push it.",
            Parameters =
            [
                new("record", RuleParameterType.Record, true, "The alias of the matched contact, lead or campaignMember."),
                new("template", RuleParameterType.Text, true, "The notification template's key."),
                new("after", RuleParameterType.BusinessDuration, true, "When, from now: days(n)/weeks(n) are business days, hours(n)/minutes(n) working time."),
                new("channel", RuleParameterType.Text, false, "A channel instead of the recipient's preferred one."),
                new("key", RuleParameterType.Text, false, "The timer's key; by default 'marketing:followUp:<record id>:<template>'."),
            ],
            Handler = async ctx =>
            {
                var record = RecordOf(ctx, null);
                var request = new FollowUpRequest
                {
                    MemberId = record.EntityType == MarketingEntities.CampaignMember ? record.Id : null,
                    ContactId = record.EntityType == CoreEntities.Contact ? record.Id : null,
                    LeadId = record.EntityType == MarketingEntities.Lead ? record.Id : null,
                    After = ctx.Parameters.GetValueOrDefault("after") is BusinessDuration after ? after : BusinessDuration.FromWorkingTime(TimeSpan.Zero),
                    TemplateKey = ctx.GetParameter<string>("template") ?? string.Empty,
                    Channel = ctx.GetParameter<string>("channel"),
                    Key = ctx.GetParameter<string>("key"),
                };
                if (request.MemberId is null && request.ContactId is null && request.LeadId is null)
                {
                    throw new CrmValidationException(new CrmValidationError(StartNurture, "record", record.EntityType, "entity_type",
                        $"startNurture follows up a contact, lead or campaignMember; the record of rule '{ctx.RuleName}' is a {record.EntityType}."));
                }

                var caller = Caller(ctx);
                var work = ctx.Services.GetRequiredService<IWorkServices>().ForCaller(caller);
                var clock = ctx.Services.GetRequiredService<TimeProvider>();
                await FollowUps.ScheduleAsync(Tenant(ctx), work, clock, request, keepPending: true, ctx.CancellationToken).ConfigureAwait(false);
            },
        };
    }

    /// <summary>The caller a rule's changes are made as, as the rule packs name it: <c>rule:&lt;name&gt;@v&lt;version&gt;</c>.</summary>
    private static CallerContext Caller(IRuleActionContext ctx) =>
        new(ctx.TenantId, null, OperationSource.Rule, string.Create(CultureInfo.InvariantCulture, $"rule:{ctx.RuleName}@v{ctx.RuleBaseVersion}"));

    private static ICrmTenant Tenant(IRuleActionContext ctx) => ctx.Services.GetRequiredService<ICrmEngine>().ForTenant(Caller(ctx));

    private static CrmRecord RecordOf(IRuleActionContext ctx, string? entityType)
    {
        var record = ctx.GetParameter<CrmRecord>("record")
            ?? throw new CrmValidationException(new CrmValidationError(ctx.ActionName, "record", null, "required", $"{ctx.ActionName} in rule '{ctx.RuleName}' needs the alias of a matched record."));
        if (entityType is not null && record.EntityType != entityType)
        {
            throw new CrmValidationException(new CrmValidationError(ctx.ActionName, "record", record.EntityType, "entity_type",
                $"{ctx.ActionName} works on a {entityType}; the record of rule '{ctx.RuleName}' is a {record.EntityType}."));
        }

        return record;
    }
}
