namespace Crm.Engine.Abstractions.Customers;

/// <summary>The API names of the entity types the core defines.</summary>
public static class CoreEntities
{
    /// <summary>A customer organisation.</summary>
    public const string Account = "account";

    /// <summary>A person, usually working for an account.</summary>
    public const string Contact = "contact";

    /// <summary>A call, e-mail, meeting, task or note, linked to any record.</summary>
    public const string Activity = "activity";
}

/// <summary>The system fields of <see cref="CoreEntities.Account"/>.</summary>
public static class AccountFields
{
    /// <summary>The account's name (primary field).</summary>
    public const string Name = "name";

    /// <summary>The parent account (look-up to account).</summary>
    public const string ParentAccountId = "parentAccountId";

    /// <summary>The customer number.</summary>
    public const string AccountNumber = "accountNumber";

    /// <summary>The main telephone number.</summary>
    public const string Phone = "phone";

    /// <summary>The main e-mail address.</summary>
    public const string Email = "email";

    /// <summary>The web site.</summary>
    public const string Website = "website";

    /// <summary>The industry.</summary>
    public const string Industry = "industry";

    /// <summary>The city.</summary>
    public const string City = "city";

    /// <summary>The country.</summary>
    public const string Country = "country";
}

/// <summary>The system fields of <see cref="CoreEntities.Contact"/>.</summary>
public static class ContactFields
{
    /// <summary>The full name (primary field, maintained by the engine from first and last name).</summary>
    public const string Name = "name";

    /// <summary>The first name.</summary>
    public const string FirstName = "firstName";

    /// <summary>The last name.</summary>
    public const string LastName = "lastName";

    /// <summary>The account the contact works for (look-up to account).</summary>
    public const string AccountId = "accountId";

    /// <summary>The job title.</summary>
    public const string JobTitle = "jobTitle";

    /// <summary>The main e-mail address.</summary>
    public const string Email = "email";

    /// <summary>A second e-mail address.</summary>
    public const string Email2 = "email2";

    /// <summary>The business telephone number.</summary>
    public const string Phone = "phone";

    /// <summary>The mobile telephone number.</summary>
    public const string MobilePhone = "mobilePhone";

    /// <summary>Another telephone number (home, switchboard...).</summary>
    public const string OtherPhone = "otherPhone";

    /// <summary>The preferred language (culture name).</summary>
    public const string Language = "language";

    /// <summary>Consent: never e-mail this contact (respected by the notification outbox).</summary>
    public const string DoNotEmail = "doNotEmail";

    /// <summary>Consent: never call or text this contact (respected by the notification outbox).</summary>
    public const string DoNotCall = "doNotCall";

    /// <summary>The notification channel used when a notification asks for the preferred one.</summary>
    public const string PreferredChannel = "preferredChannel";
}

/// <summary>The system fields of <see cref="CoreEntities.Activity"/>.</summary>
public static class ActivityFields
{
    /// <summary>The subject (primary field).</summary>
    public const string Subject = "subject";

    /// <summary>The kind: one of <see cref="ActivityTypes"/>.</summary>
    public const string ActivityType = "activityType";

    /// <summary>The details.</summary>
    public const string Description = "description";

    /// <summary>The record the activity is about (any entity type).</summary>
    public const string Regarding = "regarding";

    /// <summary>The customer on whose timeline the activity appears (maintained by the engine from <see cref="Regarding"/>).</summary>
    public const string AccountId = "accountId";

    /// <summary>The contact involved (maintained from <see cref="Regarding"/> when it is a contact).</summary>
    public const string ContactId = "contactId";

    /// <summary>Inbound or outbound.</summary>
    public const string Direction = "direction";

    /// <summary>Open, completed or canceled.</summary>
    public const string Status = "status";

    /// <summary>When the activity happened or is due (defaults to the time of logging).</summary>
    public const string OccurredAt = "occurredAt";

    /// <summary>When a task is due.</summary>
    public const string DueAt = "dueAt";

    /// <summary>How long a call or meeting took, in minutes.</summary>
    public const string DurationMinutes = "durationMinutes";

    /// <summary>The telephone number of a call.</summary>
    public const string PhoneNumber = "phoneNumber";
}

/// <summary>The kinds of activity.</summary>
public static class ActivityTypes
{
    /// <summary>A telephone call.</summary>
    public const string Call = "call";

    /// <summary>An e-mail.</summary>
    public const string Email = "email";

    /// <summary>A meeting.</summary>
    public const string Meeting = "meeting";

    /// <summary>A task with a due date.</summary>
    public const string Task = "task";

    /// <summary>A note.</summary>
    public const string Note = "note";
}

/// <summary>The statuses of an activity.</summary>
public static class ActivityStatuses
{
    /// <summary>Not done yet.</summary>
    public const string Open = "open";

    /// <summary>Done.</summary>
    public const string Completed = "completed";

    /// <summary>Will not be done.</summary>
    public const string Canceled = "canceled";
}
