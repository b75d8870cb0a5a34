using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Metadata;

namespace Crm.Plugins.CallCenter;

/// <summary>The entity types of the call center module and their fields' API names (the module's record contract).</summary>
public static class CallCenterEntities
{
    /// <summary>A telephone call, inbound or outbound, known caller or not (<see cref="CallFields"/>).</summary>
    public const string Call = "call";

    /// <summary>An outbound call list of a campaign (<see cref="CallListFields"/>).</summary>
    public const string CallList = "callList";

    /// <summary>One contact to call on a call list (<see cref="CallListItemFields"/>).</summary>
    public const string CallListItem = "callListItem";

    // Records of other modules, used by their API names (no reference to their assemblies).
    internal const string Case = "case";

    /// <summary>The definitions the plugin registers.</summary>
    public static IReadOnlyList<EntityDefinition> Definitions { get; } =
    [
        new()
        {
            ApiName = Call,
            DisplayName = "Call",
            PluralName = "Calls",
            PrimaryField = CallFields.Subject,
            Description = "The call center's record of a telephone call: who called which line, how long they waited and talked, who answered and how it ended.",
            Fields =
            [
                new() { ApiName = CallFields.Subject, Type = FieldType.Text, MaxLength = 200, Description = "A short title, e.g. 'Inbound call from +49 30 1234567' (set by the module when not given)." },
                new() { ApiName = CallFields.ExternalCallId, Type = FieldType.Text, MaxLength = 200, Indexed = true, Label = "External call id", Description = "The telephony system's id of the call." },
                new() { ApiName = CallFields.Adapter, Type = FieldType.Text, MaxLength = 100, Description = "The telephony adapter that reported the call (e.g. simulated, twilio)." },
                Choice(CallFields.Direction, true, (CallDirection.Inbound, "Inbound"), (CallDirection.Outbound, "Outbound")),
                new() { ApiName = CallFields.FromNumber, Type = FieldType.Phone, Label = "From", Description = "The calling number." },
                new() { ApiName = CallFields.ToNumber, Type = FieldType.Phone, Label = "To / line", Description = "The number dialled: the hotline's line for inbound calls, the customer's number for outbound calls." },
                new() { ApiName = CallFields.AccountId, Type = FieldType.Lookup, LookupTarget = CoreEntities.Account, Label = "Customer" },
                new() { ApiName = CallFields.ContactId, Type = FieldType.Lookup, LookupTarget = CoreEntities.Contact },
                new() { ApiName = CallFields.MatchCount, Type = FieldType.Number, Precision = 0, MinValue = 0, Description = "How many contacts and accounts had the caller's number when the call came in." },
                Choice(CallFields.Status, true, (CallStatus.Ringing, "Ringing"), (CallStatus.Queued, "Queued"), (CallStatus.Answered, "Answered"), (CallStatus.Abandoned, "Abandoned"), (CallStatus.Completed, "Completed")),
                new() { ApiName = CallFields.Queue, Type = FieldType.Text, MaxLength = 200, Description = "The work queue the call was routed to." },
                new() { ApiName = CallFields.Skill, Type = FieldType.Text, MaxLength = 100 },
                new() { ApiName = CallFields.Language, Type = FieldType.Text, MaxLength = 35 },
                new() { ApiName = CallFields.QueueItemId, Type = FieldType.Text, MaxLength = 36, Description = "The core queue item of the call (completed when the call ends, so the agent's load goes down)." },
                new() { ApiName = CallFields.AgentUserId, Type = FieldType.Text, MaxLength = 200, Label = "Agent", Description = "Who answered: the CRM user id, or the telephony system's agent id." },
                new() { ApiName = CallFields.ReceivedAt, Type = FieldType.DateTime },
                new() { ApiName = CallFields.AnsweredAt, Type = FieldType.DateTime },
                new() { ApiName = CallFields.EndedAt, Type = FieldType.DateTime },
                new() { ApiName = CallFields.WaitSeconds, Type = FieldType.Number, Precision = 0, MinValue = 0, Description = "Seconds from ringing to answer (or to hang-up, for an abandoned call)." },
                new() { ApiName = CallFields.TalkSeconds, Type = FieldType.Number, Precision = 0, MinValue = 0, Description = "Seconds from answer to end." },
                new() { ApiName = CallFields.Resolved, Type = FieldType.Bool, Description = "Whether the caller's matter was resolved in this call (first-call resolution)." },
                new() { ApiName = CallFields.Satisfaction, Type = FieldType.Number, Precision = 0, MinValue = 1, MaxValue = 5, Description = "The caller's rating, 1 (poor) to 5 (excellent)." },
                new() { ApiName = CallFields.CaseId, Type = FieldType.Lookup, LookupTarget = Case, Label = "Case" },
                new() { ApiName = CallFields.Notes, Type = FieldType.Text, MaxLength = 10000 },
                new() { ApiName = CallFields.ActivityId, Type = FieldType.Lookup, LookupTarget = CoreEntities.Activity, Label = "Logged activity", Description = "The call activity on the customer's timeline (set when the call ends)." },
                new() { ApiName = CallFields.CallListItemId, Type = FieldType.Lookup, LookupTarget = CallListItem, Label = "Call list item", Description = "The call list entry an outbound call was made for." },
            ],
        },
        new()
        {
            ApiName = CallList,
            DisplayName = "Call list",
            PluralName = "Call lists",
            Description = "Contacts to call for a campaign.",
            Fields =
            [
                new() { ApiName = CallListFields.Name, Type = FieldType.Text, Required = true, MaxLength = 200 },
                new() { ApiName = CallListFields.Campaign, Type = FieldType.Text, MaxLength = 200, Description = "The campaign the list belongs to (its name or id)." },
                new() { ApiName = CallListFields.CallerLine, Type = FieldType.Phone, Description = "The number outbound calls of the list are made from." },
                new() { ApiName = CallListFields.MaxAttempts, Type = FieldType.Number, Precision = 0, MinValue = 1, MaxValue = 20, Description = "How often a contact is tried before the item is given up (default 3)." },
                Choice(CallListFields.Status, false, (CallListStatus.Active, "Active"), (CallListStatus.Completed, "Completed")),
                new() { ApiName = CallListFields.Description, Type = FieldType.Text, MaxLength = 4000 },
            ],
        },
        new()
        {
            ApiName = CallListItem,
            DisplayName = "Call list item",
            PluralName = "Call list items",
            PrimaryField = CallListItemFields.Phone,
            Description = "A contact to call on a call list, with the attempts made and the outcome.",
            Fields =
            [
                new() { ApiName = CallListItemFields.CallListId, Type = FieldType.Lookup, LookupTarget = CallList, Required = true },
                new() { ApiName = CallListItemFields.ContactId, Type = FieldType.Lookup, LookupTarget = CoreEntities.Contact, Required = true },
                new() { ApiName = CallListItemFields.AccountId, Type = FieldType.Lookup, LookupTarget = CoreEntities.Account, Label = "Customer" },
                new() { ApiName = CallListItemFields.Phone, Type = FieldType.Phone, Required = true },
                new() { ApiName = CallListItemFields.Position, Type = FieldType.Number, Precision = 0, MinValue = 1, Description = "The item's place in the list (calls are made in this order)." },
                Choice(CallListItemFields.Status, true, (CallListItemStatus.Pending, "Pending"), (CallListItemStatus.InProgress, "In progress"), (CallListItemStatus.Done, "Done"), (CallListItemStatus.Failed, "Failed"), (CallListItemStatus.Skipped, "Skipped")),
                new() { ApiName = CallListItemFields.Attempts, Type = FieldType.Number, Precision = 0, MinValue = 0 },
                Choice(
                    CallListItemFields.Outcome,
                    false,
                    (CallOutcome.Reached, "Reached"),
                    (CallOutcome.NoAnswer, "No answer"),
                    (CallOutcome.Busy, "Busy"),
                    (CallOutcome.Voicemail, "Voicemail"),
                    (CallOutcome.CallBack, "Call back"),
                    (CallOutcome.WrongNumber, "Wrong number"),
                    (CallOutcome.DoNotCall, "Do not call")),
                new() { ApiName = CallListItemFields.AgentUserId, Type = FieldType.Text, MaxLength = 200, Label = "Agent" },
                new() { ApiName = CallListItemFields.LastAttemptAt, Type = FieldType.DateTime },
                new() { ApiName = CallListItemFields.CallId, Type = FieldType.Lookup, LookupTarget = Call, Label = "Last call" },
                new() { ApiName = CallListItemFields.Notes, Type = FieldType.Text, MaxLength = 4000 },
            ],
        },
    ];

    private static FieldDefinition Choice(string apiName, bool required, params (string Value, string Label)[] options) =>
        new() { ApiName = apiName, Type = FieldType.Choice, Required = required, Options = [.. options.Select(o => new ChoiceOption(o.Value, o.Label))] };
}

/// <summary>API names of the <see cref="CallCenterEntities.Call"/> fields.</summary>
public static class CallFields
{
    /// <summary>A short title (primary field).</summary>
    public const string Subject = "subject";

    /// <summary>The telephony system's id of the call.</summary>
    public const string ExternalCallId = "externalCallId";

    /// <summary>The telephony adapter that reported the call.</summary>
    public const string Adapter = "adapter";

    /// <summary>Inbound or outbound (<see cref="CallDirection"/>).</summary>
    public const string Direction = "direction";

    /// <summary>The calling number.</summary>
    public const string FromNumber = "fromNumber";

    /// <summary>The number dialled (the line, for inbound calls).</summary>
    public const string ToNumber = "toNumber";

    /// <summary>The identified customer.</summary>
    public const string AccountId = "accountId";

    /// <summary>The identified contact.</summary>
    public const string ContactId = "contactId";

    /// <summary>How many records had the caller's number.</summary>
    public const string MatchCount = "matchCount";

    /// <summary>Status (<see cref="CallStatus"/>).</summary>
    public const string Status = "status";

    /// <summary>The work queue the call was routed to.</summary>
    public const string Queue = "queue";

    /// <summary>The skill the call needs.</summary>
    public const string Skill = "skill";

    /// <summary>The language the call needs.</summary>
    public const string Language = "language";

    /// <summary>The core queue item of the call.</summary>
    public const string QueueItemId = "queueItemId";

    /// <summary>Who answered (user id or the telephony system's agent id).</summary>
    public const string AgentUserId = "agentUserId";

    /// <summary>When the call came in (or was dialled).</summary>
    public const string ReceivedAt = "receivedAt";

    /// <summary>When it was answered.</summary>
    public const string AnsweredAt = "answeredAt";

    /// <summary>When it ended or was abandoned.</summary>
    public const string EndedAt = "endedAt";

    /// <summary>Seconds waited before answer or hang-up.</summary>
    public const string WaitSeconds = "waitSeconds";

    /// <summary>Seconds talked.</summary>
    public const string TalkSeconds = "talkSeconds";

    /// <summary>Whether the matter was resolved in the call.</summary>
    public const string Resolved = "resolved";

    /// <summary>The caller's rating, 1 to 5.</summary>
    public const string Satisfaction = "satisfaction";

    /// <summary>The case the call is about.</summary>
    public const string CaseId = "caseId";

    /// <summary>Notes.</summary>
    public const string Notes = "notes";

    /// <summary>The activity logged on the customer's timeline.</summary>
    public const string ActivityId = "activityId";

    /// <summary>The call list item of an outbound campaign call.</summary>
    public const string CallListItemId = "callListItemId";
}

/// <summary>Values of <see cref="CallFields.Direction"/>.</summary>
public static class CallDirection
{
    /// <summary>The customer called in.</summary>
    public const string Inbound = "inbound";

    /// <summary>An agent called out.</summary>
    public const string Outbound = "outbound";
}

/// <summary>Values of <see cref="CallFields.Status"/>.</summary>
public static class CallStatus
{
    /// <summary>Ringing, not routed yet.</summary>
    public const string Ringing = "ringing";

    /// <summary>Routed to a queue, waiting for an agent.</summary>
    public const string Queued = "queued";

    /// <summary>An agent is talking to the caller.</summary>
    public const string Answered = "answered";

    /// <summary>The caller hung up before an agent answered.</summary>
    public const string Abandoned = "abandoned";

    /// <summary>Answered and ended (or, for an outbound call, ended).</summary>
    public const string Completed = "completed";
}

/// <summary>API names of the <see cref="CallCenterEntities.CallList"/> fields.</summary>
public static class CallListFields
{
    /// <summary>Name (required, primary).</summary>
    public const string Name = "name";

    /// <summary>The campaign.</summary>
    public const string Campaign = "campaign";

    /// <summary>The line outbound calls are made from.</summary>
    public const string CallerLine = "callerLine";

    /// <summary>How often a contact is tried.</summary>
    public const string MaxAttempts = "maxAttempts";

    /// <summary>Status (<see cref="CallListStatus"/>).</summary>
    public const string Status = "status";

    /// <summary>Description.</summary>
    public const string Description = "description";
}

/// <summary>Values of <see cref="CallListFields.Status"/>.</summary>
public static class CallListStatus
{
    /// <summary>Being called.</summary>
    public const string Active = "active";

    /// <summary>Every item is done, failed or skipped.</summary>
    public const string Completed = "completed";
}

/// <summary>API names of the <see cref="CallCenterEntities.CallListItem"/> fields.</summary>
public static class CallListItemFields
{
    /// <summary>The call list.</summary>
    public const string CallListId = "callListId";

    /// <summary>The contact to call.</summary>
    public const string ContactId = "contactId";

    /// <summary>The contact's account.</summary>
    public const string AccountId = "accountId";

    /// <summary>The number to call (primary field).</summary>
    public const string Phone = "phone";

    /// <summary>The place in the list.</summary>
    public const string Position = "position";

    /// <summary>Status (<see cref="CallListItemStatus"/>).</summary>
    public const string Status = "status";

    /// <summary>How many calls were made.</summary>
    public const string Attempts = "attempts";

    /// <summary>The outcome of the last call (<see cref="CallOutcome"/>).</summary>
    public const string Outcome = "outcome";

    /// <summary>The agent who made the last call.</summary>
    public const string AgentUserId = "agentUserId";

    /// <summary>When the last call was made.</summary>
    public const string LastAttemptAt = "lastAttemptAt";

    /// <summary>The last call.</summary>
    public const string CallId = "callId";

    /// <summary>Notes.</summary>
    public const string Notes = "notes";
}

/// <summary>Values of <see cref="CallListItemFields.Status"/>.</summary>
public static class CallListItemStatus
{
    /// <summary>To be called.</summary>
    public const string Pending = "pending";

    /// <summary>Handed to an agent by <see cref="ICallCenterTenant.NextCallAsync"/>.</summary>
    public const string InProgress = "inProgress";

    /// <summary>Finished (reached, or an outcome that ends the item).</summary>
    public const string Done = "done";

    /// <summary>Given up after the list's maximum attempts.</summary>
    public const string Failed = "failed";

    /// <summary>Not called: the contact asked not to be called after the list was built.</summary>
    public const string Skipped = "skipped";
}

/// <summary>Values of <see cref="CallListItemFields.Outcome"/>.</summary>
public static class CallOutcome
{
    /// <summary>The contact was reached (ends the item).</summary>
    public const string Reached = "reached";

    /// <summary>Nobody answered (tried again up to the list's maximum attempts).</summary>
    public const string NoAnswer = "noAnswer";

    /// <summary>The line was busy (tried again).</summary>
    public const string Busy = "busy";

    /// <summary>A voicemail answered (tried again).</summary>
    public const string Voicemail = "voicemail";

    /// <summary>The contact asked to be called back later (tried again).</summary>
    public const string CallBack = "callBack";

    /// <summary>The number is wrong (ends the item as failed).</summary>
    public const string WrongNumber = "wrongNumber";

    /// <summary>The contact asked not to be called (ends the item; sets the contact's doNotCall).</summary>
    public const string DoNotCall = "doNotCall";
}
