using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Reports;

namespace Crm.Engine.Reports;

/// <summary><c>core.accountsByOwner</c>: how many accounts each user owns (the caller sees only what they may read).</summary>
internal sealed class AccountsByOwnerReport : IReport
{
    public ReportDefinition Definition { get; } = new()
    {
        Name = "core.accountsByOwner",
        Title = "Accounts by owner",
        Description = "The number of accounts each user owns, most first.",
    };

    public async Task<ReportResult> RunAsync(ReportContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var rows = await context.Tenant.Records.AggregateAsync(
            new AggregateQuery { EntityType = CoreEntities.Account, GroupBy = ["ownerId"], Aggregates = [new(AggregateFunction.Count, null, "accounts")] },
            cancellationToken).ConfigureAwait(false);
        var owners = await CoreReportSupport.UserNamesAsync(context.Tenant, cancellationToken).ConfigureAwait(false);
        var table = rows
            .Select(r => (Owner: CoreReportSupport.OwnerName(owners, r.Keys["ownerId"]), Count: Convert.ToInt64(r.Values["accounts"], System.Globalization.CultureInfo.InvariantCulture)))
            .OrderByDescending(r => r.Count).ThenBy(r => r.Owner, StringComparer.CurrentCulture)
            .Select(r => (IReadOnlyList<object?>)[r.Owner, r.Count])
            .ToList();
        return new ReportResult
        {
            Report = Definition.Name,
            Title = Definition.Title,
            Columns = [new("owner", "Owner"), new("accounts", "Accounts", FieldType.Number)],
            Rows = table,
            Summary = [new("Accounts", table.Sum(r => (long)r[1]!))],
        };
    }
}

/// <summary><c>core.activeAccounts</c>: accounts with activities in the last N days, most recent first.</summary>
internal sealed class ActiveAccountsReport : IReport
{
    public ReportDefinition Definition { get; } = new()
    {
        Name = "core.activeAccounts",
        Title = "Active accounts",
        Description = "Accounts with at least one activity (call, e-mail, meeting, task, note) in the last N days.",
        Parameters = [new("days", FieldType.Number, Required: false, "How many days back an activity counts (default 90).")],
    };

    public async Task<ReportResult> RunAsync(ReportContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var days = context.Get("days", 90m);
        if (days is <= 0 or > 36500)
        {
            throw new Abstractions.Errors.CrmValidationException(new Abstractions.Errors.CrmValidationError(
                "report", "days", days, "range", $"Parameter 'days' of report '{Definition.Name}' must be between 1 and 36500; it is {days}."));
        }

        var since = context.Now.AddDays(-(double)days);
        var activity = await context.Tenant.Records.AggregateAsync(new AggregateQuery
        {
            EntityType = CoreEntities.Activity,
            Filters = [new(ActivityFields.OccurredAt, FilterOperator.GreaterOrEqual, since), new(ActivityFields.AccountId, FilterOperator.IsNotNull)],
            GroupBy = [ActivityFields.AccountId],
            Aggregates = [new(AggregateFunction.Count, null, "activities"), new(AggregateFunction.Max, ActivityFields.OccurredAt, "last")],
        }, cancellationToken).ConfigureAwait(false);
        var byAccount = activity
            .Where(r => r.Keys[ActivityFields.AccountId] is Guid)
            .ToDictionary(r => (Guid)r.Keys[ActivityFields.AccountId]!, r => r.Values);
        var accounts = await CoreReportSupport.ReadByIdsAsync(context.Tenant, CoreEntities.Account, byAccount.Keys, cancellationToken).ConfigureAwait(false);
        var owners = await CoreReportSupport.UserNamesAsync(context.Tenant, cancellationToken).ConfigureAwait(false);
        var rows = accounts
            .Select(a => (Account: a, Values: byAccount[a.Id]))
            .OrderByDescending(x => x.Values["last"] as DateTimeOffset?)
            .Select(x => (IReadOnlyList<object?>)[x.Account[AccountFields.Name], CoreReportSupport.OwnerName(owners, x.Account.OwnerId), Convert.ToInt64(x.Values["activities"], System.Globalization.CultureInfo.InvariantCulture), x.Values["last"]])
            .ToList();
        return new ReportResult
        {
            Report = Definition.Name,
            Title = Definition.Title,
            Columns = [new("account", "Account"), new("owner", "Owner"), new("activities", "Activities", FieldType.Number), new("lastActivity", "Last activity", FieldType.DateTime)],
            Rows = rows,
            Summary = [new("Active accounts", (long)rows.Count), new("Since", since)],
        };
    }
}

/// <summary><c>core.contactRoles</c>: the contacts of each account with their role (job title) and how to reach them.</summary>
internal sealed class ContactRolesReport : IReport
{
    public ReportDefinition Definition { get; } = new()
    {
        Name = "core.contactRoles",
        Title = "Contact roles",
        Description = "Each account's contacts with their role (job title), e-mail and phone, by account.",
        Parameters = [new("account", FieldType.Text, Required: false, "Only accounts whose name contains this text.")],
    };

    public async Task<ReportResult> RunAsync(ReportContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var accountQuery = RecordQuery.For(CoreEntities.Account);
        if (context.Get<string>("account") is { } name)
        {
            accountQuery = accountQuery.Where(AccountFields.Name, FilterOperator.Contains, name);
        }

        var accounts = await context.Tenant.Records.ReadAllAsync(accountQuery, cancellationToken).ConfigureAwait(false);
        var names = accounts.ToDictionary(a => a.Id, a => a[AccountFields.Name] as string);
        var contacts = await context.Tenant.Records.ReadAllAsync(RecordQuery.For(CoreEntities.Contact).Where(ContactFields.AccountId, FilterOperator.IsNotNull), cancellationToken).ConfigureAwait(false);
        var rows = contacts
            .Where(c => c[ContactFields.AccountId] is Guid id && names.ContainsKey(id))
            .Select(c => (Account: names[(Guid)c[ContactFields.AccountId]!] ?? string.Empty, Contact: c))
            .OrderBy(x => x.Account, StringComparer.CurrentCulture).ThenBy(x => x.Contact[ContactFields.Name] as string, StringComparer.CurrentCulture)
            .Select(x => (IReadOnlyList<object?>)[x.Account, x.Contact[ContactFields.Name], x.Contact[ContactFields.JobTitle], x.Contact[ContactFields.Email], x.Contact[ContactFields.Phone] ?? x.Contact[ContactFields.MobilePhone]])
            .ToList();
        return new ReportResult
        {
            Report = Definition.Name,
            Title = Definition.Title,
            Columns = [new("account", "Account"), new("contact", "Contact"), new("role", "Role"), new("email", "E-mail"), new("phone", "Phone")],
            Rows = rows,
            Summary = [new("Contacts", (long)rows.Count), new("Without a role", (long)rows.Count(r => r[2] is null))],
        };
    }
}

/// <summary>Reading helpers the core reports share (a module's reports can do the same through the public API).</summary>
internal static class CoreReportSupport
{
    public static async Task<Dictionary<Guid, string>> UserNamesAsync(ICrmTenant tenant, CancellationToken cancellationToken) =>
        (await tenant.Organization.ListUsersAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(u => u.Id, u => u.DisplayName);

    public static string OwnerName(Dictionary<Guid, string> users, object? ownerId) => ownerId switch
    {
        Guid id when users.TryGetValue(id, out var name) => name,
        Guid id => id.ToString(),
        _ => "(no owner)",
    };

    public static async Task<List<CrmRecord>> ReadByIdsAsync(ICrmTenant tenant, string entityType, IEnumerable<Guid> ids, CancellationToken cancellationToken)
    {
        var records = new List<CrmRecord>();
        foreach (var chunk in ids.Chunk(500))
        {
            records.AddRange(await tenant.Records.ReadAllAsync(RecordQuery.For(entityType).Where("id", FilterOperator.In, chunk), cancellationToken).ConfigureAwait(false));
        }

        return records;
    }
}
