using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Metadata;

namespace Crm.Plugins.Marketing;

/// <summary>The entity types of the marketing module and their fields' API names (the module's record contract).</summary>
public static class MarketingEntities
{
    /// <summary>A campaign (<see cref="CampaignFields"/>).</summary>
    public const string Campaign = "campaign";

    /// <summary>A contact or lead targeted by a campaign (<see cref="CampaignMemberFields"/>).</summary>
    public const string CampaignMember = "campaignMember";

    /// <summary>A member's response to a campaign (<see cref="CampaignResponseFields"/>).</summary>
    public const string CampaignResponse = "campaignResponse";

    /// <summary>A saved target group: filters over the fields of contacts, leads or accounts (<see cref="SegmentFields"/>).</summary>
    public const string Segment = "segment";

    /// <summary>One scoring of a lead: points with the reason and the rule or key that gave them (<see cref="LeadScoreEntryFields"/>).</summary>
    public const string LeadScoreEntry = "leadScoreEntry";

    /// <summary>The API name of the sales module's lead entity (used by name; the module does not reference the sales assembly).</summary>
    public const string Lead = "lead";

    /// <summary>The API name of the sales module's opportunity entity.</summary>
    public const string Opportunity = "opportunity";

    /// <summary>The definitions the plugin registers.</summary>
    public static IReadOnlyList<EntityDefinition> Definitions { get; } =
    [
        new()
        {
            ApiName = Campaign,
            DisplayName = "Campaign",
            PluralName = "Campaigns",
            Description = "A marketing campaign: channel, dates, budget, expected and actual cost and revenue.",
            Fields =
            [
                new() { ApiName = CampaignFields.Name, Type = FieldType.Text, Required = true, MaxLength = 200 },
                new()
                {
                    ApiName = CampaignFields.Channel,
                    Type = FieldType.Choice,
                    Required = true,
                    Options =
                    [
                        new(CampaignChannel.Email, "E-mail"), new(CampaignChannel.Sms, "SMS"), new(CampaignChannel.Phone, "Phone"),
                        new(CampaignChannel.Event, "Event"), new(CampaignChannel.Web, "Web"), new(CampaignChannel.Social, "Social"),
                    ],
                },
                new()
                {
                    ApiName = CampaignFields.Status,
                    Type = FieldType.Choice,
                    Options =
                    [
                        new(CampaignStatus.Planned, "Planned"), new(CampaignStatus.Active, "Active"),
                        new(CampaignStatus.Completed, "Completed"), new(CampaignStatus.Aborted, "Aborted"),
                    ],
                },
                new() { ApiName = CampaignFields.StartDate, Type = FieldType.Date },
                new() { ApiName = CampaignFields.EndDate, Type = FieldType.Date },
                new() { ApiName = CampaignFields.Budget, Type = FieldType.Money, MinValue = 0 },
                new() { ApiName = CampaignFields.ExpectedRevenue, Type = FieldType.Money, MinValue = 0 },
                new() { ApiName = CampaignFields.ActualCost, Type = FieldType.Money, MinValue = 0 },
                new()
                {
                    ApiName = CampaignFields.ActualRevenue,
                    Type = FieldType.Money,
                    Description = "The sum of the amounts of the won opportunities attributed to the campaign; computed by the marketing module, not set by callers.",
                },
                new() { ApiName = CampaignFields.Description, Type = FieldType.Text, MaxLength = 4000 },
            ],
        },
        new()
        {
            ApiName = CampaignMember,
            DisplayName = "Campaign member",
            PluralName = "Campaign members",
            PrimaryField = CampaignMemberFields.CampaignId,
            Description = "A contact or a lead on a campaign's target list, with where it stands.",
            Fields =
            [
                new() { ApiName = CampaignMemberFields.CampaignId, Type = FieldType.Lookup, LookupTarget = Campaign, Required = true },
                new() { ApiName = CampaignMemberFields.ContactId, Type = FieldType.Lookup, LookupTarget = CoreEntities.Contact },
                new() { ApiName = CampaignMemberFields.LeadId, Type = FieldType.Lookup, LookupTarget = Lead },
                new()
                {
                    ApiName = CampaignMemberFields.Status,
                    Type = FieldType.Choice,
                    Options =
                    [
                        new(CampaignMemberStatus.Targeted, "Targeted"), new(CampaignMemberStatus.Sent, "Sent"), new(CampaignMemberStatus.Responded, "Responded"),
                        new(CampaignMemberStatus.Converted, "Converted"), new(CampaignMemberStatus.OptedOut, "Opted out"),
                    ],
                },
                new() { ApiName = CampaignMemberFields.AddedAt, Type = FieldType.DateTime },
                new() { ApiName = CampaignMemberFields.LastFollowUpAt, Type = FieldType.DateTime, Description = "When the last nurturing follow-up was due." },
                new() { ApiName = CampaignMemberFields.LastFollowUpResult, Type = FieldType.Text, MaxLength = 50, Description = "What happened to it: queued, suppressed (consent), failed or skipped." },
                new() { ApiName = CampaignMemberFields.LastFollowUpNote, Type = FieldType.Text, MaxLength = 1000, Description = "The reason when the follow-up was not sent." },
            ],
        },
        new()
        {
            ApiName = CampaignResponse,
            DisplayName = "Campaign response",
            PluralName = "Campaign responses",
            PrimaryField = CampaignResponseFields.Type,
            Description = "A response of a campaign member: opened, clicked, registered, replied, purchased...",
            Fields =
            [
                new() { ApiName = CampaignResponseFields.CampaignId, Type = FieldType.Lookup, LookupTarget = Campaign, Required = true },
                new() { ApiName = CampaignResponseFields.MemberId, Type = FieldType.Lookup, LookupTarget = CampaignMember },
                new()
                {
                    ApiName = CampaignResponseFields.Type,
                    Type = FieldType.Choice,
                    Required = true,
                    Options =
                    [
                        new(CampaignResponseType.Opened, "Opened"), new(CampaignResponseType.Clicked, "Clicked"), new(CampaignResponseType.Registered, "Registered"),
                        new(CampaignResponseType.Attended, "Attended"), new(CampaignResponseType.Replied, "Replied"), new(CampaignResponseType.Purchased, "Purchased"),
                        new(CampaignResponseType.Unsubscribed, "Unsubscribed"),
                    ],
                },
                new() { ApiName = CampaignResponseFields.RespondedAt, Type = FieldType.DateTime },
                new() { ApiName = CampaignResponseFields.Notes, Type = FieldType.Text, MaxLength = 4000 },
            ],
        },
        new()
        {
            ApiName = Segment,
            DisplayName = "Segment",
            PluralName = "Segments",
            Description = "A target group: filters (JSON) over the fields of contacts, leads or accounts, checked against the tenant's metadata when saved.",
            Fields =
            [
                new() { ApiName = SegmentFields.Name, Type = FieldType.Text, Required = true, MaxLength = 200 },
                new()
                {
                    ApiName = SegmentFields.EntityType,
                    Type = FieldType.Choice,
                    Required = true,
                    Options = [new(CoreEntities.Contact, "Contact"), new(Lead, "Lead"), new(CoreEntities.Account, "Account")],
                },
                new()
                {
                    ApiName = SegmentFields.Filters,
                    Type = FieldType.Text,
                    MaxLength = 20000,
                    Description = "A JSON array of conditions, all of which must hold: [{\"field\":\"city\",\"op\":\"eq\",\"value\":\"Berlin\"}].",
                },
                new() { ApiName = SegmentFields.Description, Type = FieldType.Text, MaxLength = 4000 },
            ],
        },
        new()
        {
            ApiName = LeadScoreEntry,
            DisplayName = "Lead score entry",
            PluralName = "Lead score entries",
            PrimaryField = LeadScoreEntryFields.Reason,
            Description = "Points given to a lead, with the reason; the lead's score is their sum. One entry per lead and key, so a re-fired rule does not score twice.",
            Fields =
            [
                new() { ApiName = LeadScoreEntryFields.LeadId, Type = FieldType.Lookup, LookupTarget = Lead, Required = true },
                new() { ApiName = LeadScoreEntryFields.Key, Type = FieldType.Text, MaxLength = 300, Indexed = true, Description = "What gave the points (e.g. rule:<name>); unique per lead when given." },
                new() { ApiName = LeadScoreEntryFields.Points, Type = FieldType.Number, Required = true, MinValue = -10000, MaxValue = 10000 },
                new() { ApiName = LeadScoreEntryFields.Reason, Type = FieldType.Text, Required = true, MaxLength = 500 },
                new() { ApiName = LeadScoreEntryFields.ScoredAt, Type = FieldType.DateTime },
            ],
        },
    ];

    /// <summary>The fields the module adds to the sales module's lead.</summary>
    public static IReadOnlyList<FieldDefinition> LeadExtensions { get; } =
    [
        new() { ApiName = LeadMarketingFields.CampaignId, Type = FieldType.Lookup, LookupTarget = Campaign, Description = "The campaign the lead came from." },
        new() { ApiName = LeadMarketingFields.LeadScore, Type = FieldType.Number, Description = "The sum of the lead's score entries (kept by the marketing module)." },
        new() { ApiName = LeadMarketingFields.ScoreReasons, Type = FieldType.Text, MaxLength = 4000, Description = "Why the lead has its score, one line per score entry." },
        new() { ApiName = LeadMarketingFields.MarketingOptOut, Type = FieldType.Bool, Description = "The lead does not want marketing on any channel (the lead has no contact consent fields)." },
    ];

    /// <summary>The fields the module adds to the sales module's opportunity.</summary>
    public static IReadOnlyList<FieldDefinition> OpportunityExtensions { get; } =
    [
        new() { ApiName = OpportunityMarketingFields.CampaignId, Type = FieldType.Lookup, LookupTarget = Campaign, Description = "The campaign the opportunity is attributed to (taken from its lead on conversion)." },
    ];
}

/// <summary>API names of the <see cref="MarketingEntities.Campaign"/> fields.</summary>
public static class CampaignFields
{
    /// <summary>Name (required, primary).</summary>
    public const string Name = "name";

    /// <summary>The channel (<see cref="CampaignChannel"/>, required).</summary>
    public const string Channel = "channel";

    /// <summary>Lifecycle status (<see cref="CampaignStatus"/>).</summary>
    public const string Status = "status";

    /// <summary>First day.</summary>
    public const string StartDate = "startDate";

    /// <summary>Last day.</summary>
    public const string EndDate = "endDate";

    /// <summary>Planned spend.</summary>
    public const string Budget = "budget";

    /// <summary>Revenue the campaign is expected to bring.</summary>
    public const string ExpectedRevenue = "expectedRevenue";

    /// <summary>What the campaign actually cost.</summary>
    public const string ActualCost = "actualCost";

    /// <summary>Sum of the won opportunities attributed to the campaign (computed by the module).</summary>
    public const string ActualRevenue = "actualRevenue";

    /// <summary>Free text.</summary>
    public const string Description = "description";
}

/// <summary>Values of <see cref="CampaignFields.Channel"/>.</summary>
public static class CampaignChannel
{
    /// <summary>E-mail: members need an e-mail address and no do-not-email.</summary>
    public const string Email = "email";

    /// <summary>Text messages: members need a (mobile) phone number and no do-not-call.</summary>
    public const string Sms = "sms";

    /// <summary>Calls: members need a phone number and no do-not-call.</summary>
    public const string Phone = "phone";

    /// <summary>An event.</summary>
    public const string Event = "event";

    /// <summary>The web site.</summary>
    public const string Web = "web";

    /// <summary>Social media.</summary>
    public const string Social = "social";
}

/// <summary>Values of <see cref="CampaignFields.Status"/>.</summary>
public static class CampaignStatus
{
    /// <summary>Being planned.</summary>
    public const string Planned = "planned";

    /// <summary>Running.</summary>
    public const string Active = "active";

    /// <summary>Finished.</summary>
    public const string Completed = "completed";

    /// <summary>Stopped early.</summary>
    public const string Aborted = "aborted";
}

/// <summary>API names of the <see cref="MarketingEntities.CampaignMember"/> fields.</summary>
public static class CampaignMemberFields
{
    /// <summary>The campaign (required).</summary>
    public const string CampaignId = "campaignId";

    /// <summary>The contact, for a contact member.</summary>
    public const string ContactId = "contactId";

    /// <summary>The lead, for a lead member.</summary>
    public const string LeadId = "leadId";

    /// <summary>Where the member stands (<see cref="CampaignMemberStatus"/>).</summary>
    public const string Status = "status";

    /// <summary>When the member was added.</summary>
    public const string AddedAt = "addedAt";

    /// <summary>When the last nurturing follow-up was due.</summary>
    public const string LastFollowUpAt = "lastFollowUpAt";

    /// <summary>What happened to the last follow-up (queued, suppressed, failed, skipped).</summary>
    public const string LastFollowUpResult = "lastFollowUpResult";

    /// <summary>Why the last follow-up was not sent.</summary>
    public const string LastFollowUpNote = "lastFollowUpNote";
}

/// <summary>Values of <see cref="CampaignMemberFields.Status"/>.</summary>
public static class CampaignMemberStatus
{
    /// <summary>On the target list.</summary>
    public const string Targeted = "targeted";

    /// <summary>The campaign reached them.</summary>
    public const string Sent = "sent";

    /// <summary>They responded.</summary>
    public const string Responded = "responded";

    /// <summary>They became a customer or opportunity.</summary>
    public const string Converted = "converted";

    /// <summary>They asked not to receive the campaign; follow-ups skip them.</summary>
    public const string OptedOut = "optedOut";
}

/// <summary>API names of the <see cref="MarketingEntities.CampaignResponse"/> fields.</summary>
public static class CampaignResponseFields
{
    /// <summary>The campaign (required).</summary>
    public const string CampaignId = "campaignId";

    /// <summary>The member who responded.</summary>
    public const string MemberId = "memberId";

    /// <summary>The kind of response (<see cref="CampaignResponseType"/>).</summary>
    public const string Type = "type";

    /// <summary>When.</summary>
    public const string RespondedAt = "respondedAt";

    /// <summary>Free text.</summary>
    public const string Notes = "notes";
}

/// <summary>Values of <see cref="CampaignResponseFields.Type"/>.</summary>
public static class CampaignResponseType
{
    /// <summary>Opened the message.</summary>
    public const string Opened = "opened";

    /// <summary>Clicked a link.</summary>
    public const string Clicked = "clicked";

    /// <summary>Registered (e.g. for an event).</summary>
    public const string Registered = "registered";

    /// <summary>Attended the event.</summary>
    public const string Attended = "attended";

    /// <summary>Replied.</summary>
    public const string Replied = "replied";

    /// <summary>Bought something.</summary>
    public const string Purchased = "purchased";

    /// <summary>Asked to receive no more of the campaign: the member becomes <see cref="CampaignMemberStatus.OptedOut"/>.</summary>
    public const string Unsubscribed = "unsubscribed";
}

/// <summary>API names of the <see cref="MarketingEntities.Segment"/> fields.</summary>
public static class SegmentFields
{
    /// <summary>Name (required, primary).</summary>
    public const string Name = "name";

    /// <summary>What the segment selects: contact, lead or account.</summary>
    public const string EntityType = "entityType";

    /// <summary>The conditions, as a JSON array.</summary>
    public const string Filters = "filters";

    /// <summary>Free text.</summary>
    public const string Description = "description";
}

/// <summary>API names of the <see cref="MarketingEntities.LeadScoreEntry"/> fields.</summary>
public static class LeadScoreEntryFields
{
    /// <summary>The lead scored (required).</summary>
    public const string LeadId = "leadId";

    /// <summary>What gave the points; at most one entry per lead and key.</summary>
    public const string Key = "key";

    /// <summary>The points (negative to lower the score).</summary>
    public const string Points = "points";

    /// <summary>Why (required).</summary>
    public const string Reason = "reason";

    /// <summary>When.</summary>
    public const string ScoredAt = "scoredAt";
}

/// <summary>API names of the fields the marketing module adds to the sales module's lead.</summary>
public static class LeadMarketingFields
{
    /// <summary>The campaign the lead came from.</summary>
    public const string CampaignId = "campaignId";

    /// <summary>The lead's score.</summary>
    public const string LeadScore = "leadScore";

    /// <summary>The reasons of the score, one line per entry.</summary>
    public const string ScoreReasons = "scoreReasons";

    /// <summary>The lead does not want marketing.</summary>
    public const string MarketingOptOut = "marketingOptOut";
}

/// <summary>API names of the fields the marketing module adds to the sales module's opportunity.</summary>
public static class OpportunityMarketingFields
{
    /// <summary>The campaign the opportunity is attributed to.</summary>
    public const string CampaignId = "campaignId";
}
