using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Records;

namespace Crm.Engine.Customers;

/// <summary>Typed account operations over the generic record API (same pipeline, same validation).</summary>
internal sealed class AccountService(RecordService records) : IAccountService
{
    public Task<CrmRecord> CreateAsync(NewAccount account, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        var values = Merge(account.Fields);
        values[AccountFields.Name] = account.Name;
        SetIfGiven(values, AccountFields.ParentAccountId, account.ParentAccountId);
        SetIfGiven(values, AccountFields.Phone, account.Phone);
        SetIfGiven(values, AccountFields.Email, account.Email);
        return records.CreateAsync(CoreEntities.Account, values, new CreateOptions { OwnerId = account.OwnerId }, cancellationToken);
    }

    public Task<CrmRecord?> GetAsync(Guid id, CancellationToken cancellationToken = default) =>
        records.GetAsync(CoreEntities.Account, id, cancellationToken);

    public async Task<IReadOnlyList<CrmRecord>> ListChildrenAsync(Guid parentId, CancellationToken cancellationToken = default) =>
        await ReadAllAsync(records, RecordQuery.For(CoreEntities.Account).Where(AccountFields.ParentAccountId, parentId).OrderBy(AccountFields.Name), cancellationToken).ConfigureAwait(false);

    internal static Dictionary<string, object?> Merge(IReadOnlyDictionary<string, object?>? fields) =>
        fields is null ? new(StringComparer.Ordinal) : new(fields, StringComparer.Ordinal);

    internal static void SetIfGiven(Dictionary<string, object?> values, string field, object? value)
    {
        if (value is not null)
        {
            values[field] = value;
        }
    }

    internal static async Task<IReadOnlyList<CrmRecord>> ReadAllAsync(IRecordService records, RecordQuery query, CancellationToken cancellationToken)
    {
        var all = new List<CrmRecord>();
        string? token = null;
        do
        {
            var page = await records.QueryAsync(query.Take(RecordQuery.MaxPageSize).After(token), cancellationToken).ConfigureAwait(false);
            all.AddRange(page.Records);
            token = page.ContinuationToken;
        }
        while (token is not null);
        return all;
    }
}

/// <summary>Typed contact operations, and look-up by phone or e-mail across contacts and accounts.</summary>
internal sealed class ContactService(RecordService records) : IContactService
{
    public Task<CrmRecord> CreateAsync(NewContact contact, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(contact);
        var values = AccountService.Merge(contact.Fields);
        AccountService.SetIfGiven(values, ContactFields.FirstName, contact.FirstName);
        values[ContactFields.LastName] = contact.LastName;
        AccountService.SetIfGiven(values, ContactFields.AccountId, contact.AccountId);
        AccountService.SetIfGiven(values, ContactFields.Email, contact.Email);
        AccountService.SetIfGiven(values, ContactFields.Phone, contact.Phone);
        AccountService.SetIfGiven(values, ContactFields.MobilePhone, contact.MobilePhone);
        return records.CreateAsync(CoreEntities.Contact, values, new CreateOptions { OwnerId = contact.OwnerId }, cancellationToken);
    }

    public Task<IReadOnlyList<CrmRecord>> ListForAccountAsync(Guid accountId, CancellationToken cancellationToken = default) =>
        AccountService.ReadAllAsync(records, RecordQuery.For(CoreEntities.Contact).Where(ContactFields.AccountId, accountId).OrderBy(ContactFields.Name), cancellationToken);

    public async Task<IReadOnlyList<CrmRecord>> FindByPhoneAsync(string phoneNumber, CancellationToken cancellationToken = default)
    {
        var (prefix, shorter) = LookupKeys.PhoneSearch(phoneNumber ?? string.Empty)
            ?? throw new CrmValidationException(new CrmValidationError(CoreEntities.Contact, ContactFields.Phone, phoneNumber, "format", $"'{phoneNumber}' has fewer than 3 significant digits; it is not a telephone number."));
        var exact = LookupKeys.PhoneKey(phoneNumber!);
        var found = await records.FindByKeysAsync(LookupKeys.PhoneKind, prefix, shorter, cancellationToken).ConfigureAwait(false);
        return Rank(found, r => r.Values.Values.OfType<string>().Any(v => LookupKeys.PhoneKey(v) == exact));
    }

    public async Task<IReadOnlyList<CrmRecord>> FindByEmailAsync(string email, CancellationToken cancellationToken = default)
    {
        var key = LookupKeys.Key(Abstractions.Metadata.FieldType.Email, email ?? string.Empty)
            ?? throw new CrmValidationException(new CrmValidationError(CoreEntities.Contact, ContactFields.Email, email, "required", "an e-mail address is required."));
        var found = await records.FindByKeysAsync(LookupKeys.EmailKind, null, [key], cancellationToken).ConfigureAwait(false);
        return Rank(found, _ => true);
    }

    /// <summary>
    /// Contacts and accounts only (other records, e.g. a logged call's number, are not who is calling); exact matches
    /// before suffix matches, contacts before accounts, then by name.
    /// </summary>
    private static List<CrmRecord> Rank(IEnumerable<CrmRecord> found, Func<CrmRecord, bool> exact) =>
        found.Where(r => r.EntityType is CoreEntities.Contact or CoreEntities.Account)
            .OrderBy(r => exact(r) ? 0 : 1)
            .ThenBy(r => r.EntityType == CoreEntities.Contact ? 0 : 1)
            .ThenBy(r => r["name"] as string, StringComparer.OrdinalIgnoreCase)
            .ToList();
}

/// <summary>Logging activities and reading a customer's timeline.</summary>
internal sealed class ActivityService(RecordService records) : IActivityService
{
    public Task<CrmRecord> LogAsync(NewActivity activity, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(activity);
        var values = AccountService.Merge(activity.Fields);
        values[ActivityFields.ActivityType] = activity.ActivityType;
        values[ActivityFields.Subject] = activity.Subject;
        values[ActivityFields.Regarding] = activity.Regarding;
        AccountService.SetIfGiven(values, ActivityFields.Description, activity.Description);
        AccountService.SetIfGiven(values, ActivityFields.OccurredAt, activity.OccurredAt);
        AccountService.SetIfGiven(values, ActivityFields.Direction, activity.Direction);
        AccountService.SetIfGiven(values, ActivityFields.Status, activity.Status);
        return records.CreateAsync(CoreEntities.Activity, values, new CreateOptions { OwnerId = activity.OwnerId }, cancellationToken);
    }

    public Task<CrmRecord> CompleteAsync(Guid id, CancellationToken cancellationToken = default) =>
        records.UpdateAsync(CoreEntities.Activity, id, null, new Dictionary<string, object?> { [ActivityFields.Status] = ActivityStatuses.Completed }, cancellationToken);

    public async Task<RecordPage> GetTimelineAsync(Guid accountId, int pageSize = 50, string? continuationToken = null, CancellationToken cancellationToken = default)
    {
        if (await records.GetAsync(CoreEntities.Account, accountId, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new CrmNotFoundException(CoreEntities.Account, accountId);
        }

        return await records.QueryAsync(
            RecordQuery.For(CoreEntities.Activity)
                .Where(ActivityFields.AccountId, accountId)
                .OrderByDescending(ActivityFields.OccurredAt)
                .Take(pageSize)
                .After(continuationToken),
            cancellationToken).ConfigureAwait(false);
    }
}
