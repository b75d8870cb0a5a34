using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Pipeline;
using Crm.Engine.Abstractions.Plugins;

namespace Crm.Engine.Customers;

/// <summary>
/// The core module: accounts, contacts and activities, registered through the same plugin API as every module,
/// with the handlers that maintain derived fields (a contact's full name, an activity's customer).
/// </summary>
internal sealed class CoreModule : ICrmPlugin
{
    public const string Id = "core";

    private static readonly ChoiceOption[] ActivityTypeOptions =
    [
        new(ActivityTypes.Call, "Phone call"),
        new(ActivityTypes.Email, "E-mail"),
        new(ActivityTypes.Meeting, "Meeting"),
        new(ActivityTypes.Task, "Task"),
        new(ActivityTypes.Note, "Note"),
    ];

    public void Configure(ICrmPluginBuilder builder)
    {
        builder.AddEntity(new EntityDefinition
        {
            ApiName = CoreEntities.Account,
            DisplayName = "Account",
            PluralName = "Accounts",
            Description = "A customer organisation.",
            Fields =
            [
                new() { ApiName = AccountFields.Name, Type = FieldType.Text, Label = "Account name", Required = true, MaxLength = 200, Indexed = true },
                new() { ApiName = AccountFields.ParentAccountId, Type = FieldType.Lookup, Label = "Parent account", LookupTarget = CoreEntities.Account, Indexed = true },
                new() { ApiName = AccountFields.AccountNumber, Type = FieldType.Text, Label = "Account number", MaxLength = 50, Indexed = true },
                new() { ApiName = AccountFields.Phone, Type = FieldType.Phone, Label = "Phone" },
                new() { ApiName = AccountFields.Email, Type = FieldType.Email, Label = "E-mail" },
                new() { ApiName = AccountFields.Website, Type = FieldType.Text, Label = "Web site", MaxLength = 200 },
                new() { ApiName = AccountFields.Industry, Type = FieldType.Text, Label = "Industry", MaxLength = 100 },
                new() { ApiName = AccountFields.City, Type = FieldType.Text, Label = "City", MaxLength = 100 },
                new() { ApiName = AccountFields.Country, Type = FieldType.Text, Label = "Country", MaxLength = 100 },
            ],
        });
        builder.AddEntity(new EntityDefinition
        {
            ApiName = CoreEntities.Contact,
            DisplayName = "Contact",
            PluralName = "Contacts",
            Description = "A person, usually working for an account.",
            Fields =
            [
                new() { ApiName = ContactFields.Name, Type = FieldType.Text, Label = "Full name", MaxLength = 250, ReadOnly = true, Indexed = true },
                new() { ApiName = ContactFields.FirstName, Type = FieldType.Text, Label = "First name", MaxLength = 100 },
                new() { ApiName = ContactFields.LastName, Type = FieldType.Text, Label = "Last name", Required = true, MaxLength = 100 },
                new() { ApiName = ContactFields.AccountId, Type = FieldType.Lookup, Label = "Account", LookupTarget = CoreEntities.Account, Indexed = true },
                new() { ApiName = ContactFields.JobTitle, Type = FieldType.Text, Label = "Job title", MaxLength = 100 },
                new() { ApiName = ContactFields.Email, Type = FieldType.Email, Label = "E-mail" },
                new() { ApiName = ContactFields.Email2, Type = FieldType.Email, Label = "E-mail 2" },
                new() { ApiName = ContactFields.Phone, Type = FieldType.Phone, Label = "Business phone" },
                new() { ApiName = ContactFields.MobilePhone, Type = FieldType.Phone, Label = "Mobile phone" },
                new() { ApiName = ContactFields.OtherPhone, Type = FieldType.Phone, Label = "Other phone" },
                new() { ApiName = ContactFields.Language, Type = FieldType.Text, Label = "Language", MaxLength = 20 },
                new() { ApiName = ContactFields.DoNotEmail, Type = FieldType.Bool, Label = "Do not e-mail" },
                new() { ApiName = ContactFields.DoNotCall, Type = FieldType.Bool, Label = "Do not call or text" },
                new() { ApiName = ContactFields.PreferredChannel, Type = FieldType.Text, Label = "Preferred channel", MaxLength = 50 },
            ],
        });
        builder.AddEntity(new EntityDefinition
        {
            ApiName = CoreEntities.Activity,
            DisplayName = "Activity",
            PluralName = "Activities",
            PrimaryField = ActivityFields.Subject,
            Description = "A call, e-mail, meeting, task or note about any record.",
            Fields =
            [
                new() { ApiName = ActivityFields.Subject, Type = FieldType.Text, Label = "Subject", Required = true, MaxLength = 400 },
                new() { ApiName = ActivityFields.ActivityType, Type = FieldType.Choice, Label = "Activity type", Required = true, Options = ActivityTypeOptions, Indexed = true },
                new() { ApiName = ActivityFields.Description, Type = FieldType.Text, Label = "Description", MaxLength = 100_000 },
                new() { ApiName = ActivityFields.Regarding, Type = FieldType.Lookup, Label = "Regarding", LookupTarget = "*", Indexed = true },
                new() { ApiName = ActivityFields.AccountId, Type = FieldType.Lookup, Label = "Customer", LookupTarget = CoreEntities.Account, ReadOnly = true, Indexed = true },
                new() { ApiName = ActivityFields.ContactId, Type = FieldType.Lookup, Label = "Contact", LookupTarget = CoreEntities.Contact, ReadOnly = true, Indexed = true },
                new() { ApiName = ActivityFields.Direction, Type = FieldType.Choice, Label = "Direction", Options = [new("inbound", "Inbound"), new("outbound", "Outbound")] },
                new() { ApiName = ActivityFields.Status, Type = FieldType.Choice, Label = "Status", Required = true, Options = [new(ActivityStatuses.Open, "Open"), new(ActivityStatuses.Completed, "Completed"), new(ActivityStatuses.Canceled, "Canceled")] },
                new() { ApiName = ActivityFields.OccurredAt, Type = FieldType.DateTime, Label = "Date", Required = true },
                new() { ApiName = ActivityFields.DueAt, Type = FieldType.DateTime, Label = "Due" },
                new() { ApiName = ActivityFields.DurationMinutes, Type = FieldType.Number, Label = "Duration (minutes)", MinValue = 0, Precision = 0 },
                new() { ApiName = ActivityFields.PhoneNumber, Type = FieldType.Phone, Label = "Phone number" },
            ],
        });

        builder.AddReport<Reports.AccountsByOwnerReport>();
        builder.AddReport<Reports.ActiveAccountsReport>();
        builder.AddReport<Reports.ContactRolesReport>();
        builder.AddPipelineHandler<ContactNameHandler>(PipelineMessages.Create, CoreEntities.Contact, PipelineStage.PreValidation, order: -1000);
        builder.AddPipelineHandler<ContactNameHandler>(PipelineMessages.Update, CoreEntities.Contact, PipelineStage.PreValidation, order: -1000);
        builder.AddPipelineHandler<AccountHierarchyHandler>(PipelineMessages.Create, CoreEntities.Account, PipelineStage.PreOperation, order: -1000);
        builder.AddPipelineHandler<AccountHierarchyHandler>(PipelineMessages.Update, CoreEntities.Account, PipelineStage.PreOperation, order: -1000);
        builder.AddPipelineHandler<ActivityDefaultsHandler>(PipelineMessages.Create, CoreEntities.Activity, PipelineStage.PreValidation, order: -1000);
        builder.AddPipelineHandler<ActivityCustomerHandler>(PipelineMessages.Create, CoreEntities.Activity, PipelineStage.PreOperation, order: -1000);
        builder.AddPipelineHandler<ActivityCustomerHandler>(PipelineMessages.Update, CoreEntities.Activity, PipelineStage.PreOperation, order: -1000);
    }
}
