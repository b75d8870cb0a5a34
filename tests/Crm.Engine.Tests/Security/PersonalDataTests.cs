using System.Text;
using System.Text.Json;
using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Organization;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Security;
using Crm.Engine.Abstractions.Work;
using Crm.Engine.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Crm.Engine.Tests.EngineFixture;

namespace Crm.Engine.Tests.Security;

/// <summary>An engine with e-mail and in-app channels, so notifications to contacts and users can be queued.</summary>
public sealed class PersonalDataFixture : EngineFixture
{
    public static void Channels(CrmEngineBuilder builder) => builder
        .AddInProcessChannel("email", (_, _) => Task.CompletedTask, NotificationAddressKind.Email)
        .AddInProcessChannel("im", (_, _) => Task.CompletedTask);

    public override Task InitializeAsync() => StartAsync(Channels);
}

/// <summary>Personal-data requests: the export holds everything about a contact; the erasure leaves nothing of it, anywhere in the file.</summary>
public class PersonalDataTests(PersonalDataFixture fixture) : IClassFixture<PersonalDataFixture>
{
    private const string FirstName = "Annabel";
    private const string LastName = "Quistorp";
    private const string OldEmail = "a.quistorp@example.org";
    private const string Email = "annabel.quistorp@example.org";
    private const string Phone = "+44 20 7946 0958";
    private const string JobTitle = "Chief Tea Taster";
    private const string NoteText = "prefers calls after lunch on Tuesdays";

    /// <summary>What must not survive an erasure, in any table, in the database file or its log.</summary>
    private static readonly string[] Needles =
    [
        FirstName, LastName, "annabel", "quistorp", OldEmail, Email, "7946 0958", "8590649702", JobTitle, NoteText,
    ];

    private sealed record World(ICrmTenant Crm, ICrmTenant Admin, CrmRecord Account, CrmRecord Contact, CrmRecord Note, CrmRecord Call, CrmUser Colleague, Guid QueueId);

    private Task<World> WorldAsync() => WorldAsync(fixture.Host, fixture.NewTenantAsync("pd"));

    private static async Task<World> WorldAsync(CrmTestHost host, Task<ICrmTenant> tenant)
    {
        var crm = await tenant;
        var admin = await crm.Organization.CreateUserAsync(new NewUser("dpo", "Data Protection Officer"));
        await crm.Security.GrantRoleAsync(SecurityPrincipal.User(admin.Id), SystemRoles.Administrator);
        var colleague = await crm.Organization.CreateUserAsync(new NewUser("colin", "Colin Colleague"));
        var work = host.Services.GetRequiredService<IWorkServices>().ForTenant(crm.TenantId);

        var account = await crm.Accounts.CreateAsync(new NewAccount("Tea Traders Ltd"));
        var contact = await crm.Contacts.CreateAsync(new NewContact(FirstName, LastName)
        {
            AccountId = account.Id,
            Email = OldEmail,
            MobilePhone = Phone,
            Fields = V((ContactFields.JobTitle, JobTitle), (ContactFields.DoNotCall, true)),
        });
        contact = await crm.Records.UpdateAsync(CoreEntities.Contact, contact.Id, null, V((ContactFields.Email, Email)));
        var contactRef = new RecordRef(CoreEntities.Contact, contact.Id);
        var note = await crm.Activities.LogAsync(new NewActivity(ActivityTypes.Note, $"Call with {FirstName} {LastName}", contactRef) { Description = NoteText });
        var call = await crm.Activities.LogAsync(new NewActivity(ActivityTypes.Call, "Inbound call", contactRef)
        {
            Fields = V((ActivityFields.DurationMinutes, 15m), (ActivityFields.PhoneNumber, Phone)),
        });
        await crm.Activities.LogAsync(new NewActivity(ActivityTypes.Call, "Account call", new RecordRef(CoreEntities.Account, account.Id))
        {
            Fields = V((ActivityFields.DurationMinutes, 30m)),
        });
        await crm.Security.ShareAsync(contactRef, SecurityPrincipal.User(colleague.Id), ShareRights.Read);

        await work.Notifications.EnqueueAsync(new Notification
        {
            Recipient = NotificationRecipient.Contact(contact.Id), Channel = "email", IdempotencyKey = "welcome",
            Subject = $"Welcome {FirstName}", Body = $"Dear {FirstName} {LastName}, thank you.", RecordId = contact.Id,
        });
        await work.Notifications.EnqueueAsync(new Notification
        {
            Recipient = NotificationRecipient.User(colleague.Id), Channel = "im", IdempotencyKey = "callback",
            Body = $"Call {FirstName} {LastName} back on {Phone}", RecordId = call.Id,
        });
        await work.Timers.ScheduleAsync(new TimerRequest
        {
            Key = $"contact:{contact.Id}:follow-up", EventName = "followUp", DueAt = host.Clock.GetUtcNow().AddDays(3), RecordId = contact.Id,
            Payload = new Dictionary<string, string?> { ["reason"] = $"ask {FirstName} about {NoteText}", ["accountId"] = account.Id.ToString() },
        });
        var queue = await work.Queues.CreateQueueAsync($"Callbacks {crm.TenantId}", AssignmentStrategy.RoundRobin);
        await work.Queues.AddItemAsync(queue.Id, contact.Id);

        return new World(crm, crm.AsUser(admin.Id), account, contact, note, call, colleague, queue.Id);
    }

    private static async Task<JsonDocument> ExportAsync(ICrmTenant crm, Guid contactId)
    {
        using var stream = new MemoryStream();
        await crm.PersonalData.ExportContactAsync(contactId, stream);
        return JsonDocument.Parse(stream.ToArray());
    }

    private static async Task<string> ExportTextAsync(ICrmTenant crm, Guid contactId)
    {
        using var stream = new MemoryStream();
        await crm.PersonalData.ExportContactAsync(contactId, stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>The needles found in the database file and its write-ahead log, read as they lie on disk.</summary>
    private static List<string> NeedlesOnDisk(CrmTestHost host)
    {
        var found = new List<string>();
        foreach (var path in new[] { host.DatabasePath, host.DatabasePath + "-wal" }.Where(File.Exists))
        {
            byte[] bytes;
            using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            using (var copy = new MemoryStream())
            {
                file.CopyTo(copy);
                bytes = copy.ToArray();
            }

            found.AddRange(Needles.Where(n => bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(n)) >= 0).Select(n => $"{n} in {Path.GetFileName(path)}"));
        }

        return found;
    }

    private static async Task<(long Count, decimal? Minutes)> CallTotalsAsync(ICrmTenant crm) =>
        (await crm.Records.AggregateAsync(new AggregateQuery
        {
            EntityType = CoreEntities.Activity,
            Aggregates = [new AggregateSpec(AggregateFunction.Count, null, "n"), new AggregateSpec(AggregateFunction.Sum, ActivityFields.DurationMinutes, "minutes")],
        })).Select(r => (Convert.ToInt64(r.Values["n"], System.Globalization.CultureInfo.InvariantCulture), r.Values["minutes"] as decimal?)).Single();

    [Fact]
    public async Task ExportContactAsync_HoldsContactRelatedRecordsSharesWorkAndAudit()
    {
        var w = await WorldAsync();

        using var doc = await ExportAsync(w.Admin, w.Contact.Id);

        var root = doc.RootElement;
        var fields = root.GetProperty("contact").GetProperty("fields");
        Assert.Equal((Email, Phone, JobTitle, true), (fields.GetProperty(ContactFields.Email).GetString(), fields.GetProperty(ContactFields.MobilePhone).GetString(), fields.GetProperty(ContactFields.JobTitle).GetString(), fields.GetProperty(ContactFields.DoNotCall).GetBoolean()));
        Assert.Equal(w.Account.Id.ToString(), fields.GetProperty(ContactFields.AccountId).GetString());
        var related = root.GetProperty("relatedRecords").EnumerateArray().ToList();
        Assert.Equal(new[] { w.Note.Id, w.Call.Id }.Order(), related.Select(r => Guid.Parse(r.GetProperty("id").GetString()!)).Order());
        Assert.Contains(related, r => r.GetProperty("fields").TryGetProperty(ActivityFields.Description, out var d) && d.GetString() == NoteText);
        Assert.Contains(related, r => r.GetProperty("fields").TryGetProperty(ActivityFields.DurationMinutes, out var m) && m.GetDecimal() == 15m);
        Assert.Equal(w.Colleague.Id.ToString(), Assert.Single(root.GetProperty("shares").EnumerateArray()).GetProperty("principalId").GetString());
        Assert.Equal(w.Contact.Id.ToString(), Assert.Single(root.GetProperty("queueItems").EnumerateArray()).GetProperty("recordId").GetString());
        Assert.Contains(NoteText, Assert.Single(root.GetProperty("timers").EnumerateArray()).GetProperty("payload").GetProperty("reason").GetString(), StringComparison.Ordinal);
        var notifications = root.GetProperty("notifications").EnumerateArray().ToList();
        Assert.Equal(2, notifications.Count);
        Assert.Contains(notifications, n => n.GetProperty("address").GetString() == Email);
        var audit = root.GetProperty("auditEntries").EnumerateArray().ToList();
        Assert.Contains(audit, a => a.GetProperty("action").GetString() == "Update" && a.GetProperty("changes").EnumerateArray().Any(c => c.GetProperty("old").GetString() == OldEmail));
        Assert.Contains(audit, a => a.GetProperty("action").GetString() == "Share");
        Assert.Equal(3, audit.Count(a => a.GetProperty("action").GetString() == "Create"));
    }

    [Fact]
    public async Task EraseContactAsync_LeavesNoPersonalValueInAnyTableOrInTheFile_AndKeepsAggregates()
    {
        // A database of its own: the scan covers the whole file.
        await using var host = await CrmTestHost.StartAsync(PersonalDataFixture.Channels);
        var w = await WorldAsync(host, host.CreateTenantAsync("erase"));
        var totalsBefore = await CallTotalsAsync(w.Crm);
        var activitiesBefore = await CountAsync(w.Crm, CoreEntities.Activity);
        Assert.Equal(Needles.Length, NeedlesOnDisk(host).Select(n => n.Split(" in ")[0]).Distinct().Count()); // the scan finds what is there

        var report = await w.Admin.PersonalData.EraseContactAsync(w.Contact.Id);

        Assert.Equal(Array.Empty<string>(), NeedlesOnDisk(host));
        Assert.Equal((w.Contact.Id, 3), (report.ContactId, report.RecordsAnonymised));
        Assert.True(report.AuditEntriesScrubbed >= 4, $"scrubbed {report.AuditEntriesScrubbed} audit entries");
        Assert.True(report.OtherRowsScrubbed >= 3, $"scrubbed {report.OtherRowsScrubbed} other rows");

        var contact = (await w.Crm.Records.GetAsync(CoreEntities.Contact, w.Contact.Id))!;
        Assert.Equal(("[erased]", "[erased]", w.Contact.Version + 1), (contact[ContactFields.LastName], contact[ContactFields.Name], contact.Version));
        Assert.All(new[] { ContactFields.FirstName, ContactFields.Email, ContactFields.MobilePhone, ContactFields.JobTitle }, f => Assert.Null(contact[f]));
        Assert.Equal((w.Account.Id, true), (contact.Get<Guid?>(ContactFields.AccountId), contact.Get<bool?>(ContactFields.DoNotCall)));
        var note = (await w.Crm.Records.GetAsync(CoreEntities.Activity, w.Note.Id))!;
        Assert.Equal(("[erased]", null, ActivityTypes.Note), (note[ActivityFields.Subject], note[ActivityFields.Description], note[ActivityFields.ActivityType]));
        Assert.Equal(w.Contact.Id, note.Get<Guid?>(ActivityFields.ContactId));
        var call = (await w.Crm.Records.GetAsync(CoreEntities.Activity, w.Call.Id))!;
        Assert.Equal((15m, null), (call[ActivityFields.DurationMinutes], call[ActivityFields.PhoneNumber]));
        Assert.Equal(totalsBefore, await CallTotalsAsync(w.Crm));
        Assert.Equal(activitiesBefore, await CountAsync(w.Crm, CoreEntities.Activity));
        Assert.Equal("Tea Traders Ltd", (await w.Crm.Accounts.GetAsync(w.Account.Id))![AccountFields.Name]);

        Assert.Empty(await w.Crm.Contacts.FindByEmailAsync(Email));
        Assert.Empty(await w.Crm.Contacts.FindByPhoneAsync(Phone));
        var work = host.Services.GetRequiredService<IWorkServices>().ForTenant(w.Crm.TenantId);
        var timer = (await work.Timers.GetAsync($"contact:{w.Contact.Id}:follow-up"))!;
        Assert.Equal(("[erased]", w.Account.Id.ToString()), (timer.Payload["reason"], timer.Payload["accountId"]));
        var welcome = (await work.Notifications.GetAsync("welcome"))!;
        Assert.Equal(("[erased]", "[erased]", NotificationStatus.Suppressed), (welcome.Address, welcome.Body, welcome.Status));
        var callback = (await work.Notifications.GetAsync("callback"))!;
        Assert.DoesNotContain(LastName, callback.Body, StringComparison.OrdinalIgnoreCase);
        Assert.Single(await work.Queues.ListItemsAsync(w.QueueId));
    }

    [Fact]
    public async Task EraseContactAsync_ScrubsAuditValuesKeepsFieldNames_AndWritesOneErasureEntry()
    {
        var w = await WorldAsync();

        var report = await w.Admin.PersonalData.EraseContactAsync(w.Contact.Id);

        var entries = (await w.Crm.Audit.QueryAsync(new AuditQuery { RecordId = w.Contact.Id, PageSize = 1000 })).Entries;
        var erase = Assert.Single(entries, e => e.Action == AuditAction.Erase);
        Assert.Equal((report.AuditEntryId, w.Admin.Caller.UserId), (erase.Id, erase.UserId));
        Assert.Equal(entries[0], erase);
        Assert.Empty(erase.Changes);
        Assert.DoesNotContain(Needles, n => erase.Detail!.Contains(n, StringComparison.OrdinalIgnoreCase));
        var update = Assert.Single(entries, e => e.Action == AuditAction.Update);
        Assert.Contains(new AuditChange(ContactFields.Email, "[erased]", "[erased]"), update.Changes);
        var create = Assert.Single(entries, e => e.Action == AuditAction.Create);
        Assert.Contains(new AuditChange(ContactFields.DoNotCall, null, true), create.Changes);
        Assert.Contains(create.Changes, c => c.Field == ContactFields.AccountId && Equals(c.NewValue, w.Account.Id.ToString()));
        var everything = (await w.Crm.Audit.QueryAsync(new AuditQuery { PageSize = 1000 })).Entries;
        var text = JsonSerializer.Serialize(everything);
        Assert.DoesNotContain(Needles, n => text.Contains(n, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task ExportContactAsync_AfterErasure_HoldsNoPersonalValue()
    {
        var w = await WorldAsync();
        await w.Admin.PersonalData.EraseContactAsync(w.Contact.Id);

        var text = await ExportTextAsync(w.Admin, w.Contact.Id);

        Assert.DoesNotContain(Needles, n => text.Contains(n, StringComparison.OrdinalIgnoreCase));
        using var doc = JsonDocument.Parse(text);
        Assert.Equal(2, doc.RootElement.GetProperty("relatedRecords").GetArrayLength());
        Assert.Contains(doc.RootElement.GetProperty("auditEntries").EnumerateArray(), a => a.GetProperty("action").GetString() == "Erase");
    }

    [Fact]
    public async Task EraseContactAsync_ContactWithOnlyALastName_AnonymisedAndErasableAgain()
    {
        var crm = await fixture.NewTenantAsync("pd");
        var contact = await crm.Contacts.CreateAsync(new NewContact(null, "Solitaire"));

        var first = await crm.PersonalData.EraseContactAsync(contact.Id);
        var again = await crm.PersonalData.EraseContactAsync(contact.Id);

        Assert.Equal((1, 0), (first.RecordsAnonymised, again.RecordsAnonymised));
        Assert.True(again.AuditEntryId > first.AuditEntryId);
        var stored = (await crm.Records.GetAsync(CoreEntities.Contact, contact.Id))!;
        Assert.Equal(("[erased]", "[erased]", 2L), (stored[ContactFields.LastName], stored[ContactFields.Name], stored.Version));
        var create = Assert.Single((await crm.Audit.QueryAsync(new AuditQuery { RecordId = contact.Id })).Entries, e => e.Action == AuditAction.Create);
        Assert.Contains(new AuditChange(ContactFields.LastName, null, "[erased]"), create.Changes);
    }

    [Fact]
    public async Task PersonalDataRequests_UnknownContactOrOtherRecord_NotFound()
    {
        var w = await WorldAsync();
        using var sink = new MemoryStream();

        await Assert.ThrowsAsync<CrmNotFoundException>(() => w.Admin.PersonalData.ExportContactAsync(Guid.NewGuid(), sink));
        await Assert.ThrowsAsync<CrmNotFoundException>(() => w.Admin.PersonalData.EraseContactAsync(Guid.NewGuid()));
        await Assert.ThrowsAsync<CrmNotFoundException>(() => w.Admin.PersonalData.EraseContactAsync(w.Account.Id));

        Assert.Equal(0, sink.Length);
        Assert.DoesNotContain((await w.Crm.Audit.QueryAsync(new AuditQuery())).Entries, e => e.Action == AuditAction.Erase);
    }

    [Fact]
    public async Task PersonalDataRequests_WithoutThePrivilege_DeniedAndNothingChanged()
    {
        var w = await WorldAsync();
        var rep = await w.Crm.Organization.CreateUserAsync(new NewUser("rep", "Sales Rep"));
        await w.Crm.Security.GrantRoleAsync(SecurityPrincipal.User(rep.Id), SystemRoles.SalesManager);
        using var sink = new MemoryStream();

        var export = await Assert.ThrowsAsync<CrmAccessDeniedException>(() => w.Crm.AsUser(rep.Id).PersonalData.ExportContactAsync(w.Contact.Id, sink));
        var erase = await Assert.ThrowsAsync<CrmAccessDeniedException>(() => w.Crm.AsUser(rep.Id).PersonalData.EraseContactAsync(w.Contact.Id));

        Assert.All(new[] { export, erase }, ex => Assert.Contains(nameof(TenantPrivilege.PersonalData), ex.Message, StringComparison.Ordinal));
        Assert.Equal(0, sink.Length);
        Assert.Equal(Email, (await w.Crm.Records.GetAsync(CoreEntities.Contact, w.Contact.Id))![ContactFields.Email]);
    }
}
