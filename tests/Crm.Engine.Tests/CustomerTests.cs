using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Records;
using static Crm.Engine.Tests.EngineFixture;

namespace Crm.Engine.Tests;

public class CustomerTests(EngineFixture fixture) : IClassFixture<EngineFixture>
{
    [Fact]
    public async Task AccountsCreateAsync_WithParent_StoredAndListedAsChild()
    {
        var crm = await fixture.NewTenantAsync();
        var parent = await crm.Accounts.CreateAsync(new NewAccount("Group") { Phone = "+49 30 1234567", Email = "info@group.example" });

        var childB = await crm.Accounts.CreateAsync(new NewAccount("Branch B") { ParentAccountId = parent.Id });
        var childA = await crm.Accounts.CreateAsync(new NewAccount("Branch A") { ParentAccountId = parent.Id });

        Assert.Equal(1, parent.Version);
        Assert.Equal(parent.Id, childA.Get<Guid?>(AccountFields.ParentAccountId));
        var read = await crm.Accounts.GetAsync(parent.Id);
        Assert.Equal("Group", read!["name"]);
        Assert.Equal("+49 30 1234567", read[AccountFields.Phone]);
        Assert.Equal([childA.Id, childB.Id], (await crm.Accounts.ListChildrenAsync(parent.Id)).Select(r => r.Id));
    }

    [Fact]
    public async Task AccountsCreateAsync_UnknownParent_LookupErrorAndNothingWritten()
    {
        var crm = await fixture.NewTenantAsync();
        var missing = Guid.NewGuid();

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => crm.Accounts.CreateAsync(new NewAccount("Orphan") { ParentAccountId = missing }));

        var error = Assert.Single(ex.Errors);
        Assert.Equal((CoreEntities.Account, AccountFields.ParentAccountId, "lookup"), (error.EntityType, error.Field, error.Rule));
        Assert.Equal(missing, error.Value);
        Assert.Equal(0, await CountAsync(crm, CoreEntities.Account));
    }

    [Fact]
    public async Task RecordsUpdateAsync_ParentMakesLoop_RejectedAndHierarchyUnchanged()
    {
        var crm = await fixture.NewTenantAsync();
        var top = await crm.Accounts.CreateAsync(new NewAccount("Top"));
        var middle = await crm.Accounts.CreateAsync(new NewAccount("Middle") { ParentAccountId = top.Id });
        var bottom = await crm.Accounts.CreateAsync(new NewAccount("Bottom") { ParentAccountId = middle.Id });

        var loop = await Assert.ThrowsAsync<CrmValidationException>(() =>
            crm.Records.UpdateAsync(CoreEntities.Account, top.Id, top.Version, V((AccountFields.ParentAccountId, bottom.Id))));
        var self = await Assert.ThrowsAsync<CrmValidationException>(() =>
            crm.Records.UpdateAsync(CoreEntities.Account, top.Id, top.Version, V((AccountFields.ParentAccountId, top.Id))));

        foreach (var ex in new[] { loop, self })
        {
            var error = Assert.Single(ex.Errors);
            Assert.Equal((CoreEntities.Account, AccountFields.ParentAccountId, "hierarchy"), (error.EntityType, error.Field, error.Rule));
        }

        var stored = await crm.Accounts.GetAsync(top.Id);
        Assert.Null(stored![AccountFields.ParentAccountId]);
        Assert.Equal(1, stored.Version);
    }

    [Fact]
    public async Task ContactsCreateAsync_FirstAndLastName_FullNameMaintained()
    {
        var crm = await fixture.NewTenantAsync();
        var account = await crm.Accounts.CreateAsync(new NewAccount("Acme"));

        var jan = await crm.Contacts.CreateAsync(new NewContact("  Jan ", "Schulz") { AccountId = account.Id });
        var solo = await crm.Contacts.CreateAsync(new NewContact(null, "Koch") { AccountId = account.Id });

        Assert.Equal("Jan Schulz", jan[ContactFields.Name]);
        Assert.Equal("Koch", solo[ContactFields.Name]);
        Assert.Equal(["Jan Schulz", "Koch"], (await crm.Contacts.ListForAccountAsync(account.Id)).Select(c => c[ContactFields.Name]));
    }

    [Fact]
    public async Task RecordsUpdateAsync_ContactFirstNameChanged_FullNameFollows()
    {
        var crm = await fixture.NewTenantAsync();
        var contact = await crm.Contacts.CreateAsync(new NewContact("Jan", "Schulz"));

        var renamed = await crm.Records.UpdateAsync(CoreEntities.Contact, contact.Id, contact.Version, V((ContactFields.FirstName, "Johann")));
        var lastOnly = await crm.Records.UpdateAsync(CoreEntities.Contact, contact.Id, renamed.Version, V((ContactFields.LastName, "Schulze")));
        var cleared = await crm.Records.UpdateAsync(CoreEntities.Contact, contact.Id, lastOnly.Version, V((ContactFields.FirstName, null)));
        var unrelated = await crm.Records.UpdateAsync(CoreEntities.Contact, contact.Id, cleared.Version, V((ContactFields.JobTitle, "Buyer")));

        Assert.Equal("Johann Schulz", renamed[ContactFields.Name]);
        Assert.Equal("Johann Schulze", lastOnly[ContactFields.Name]);
        Assert.Equal("Schulze", cleared[ContactFields.Name]);
        Assert.Equal("Schulze", unrelated[ContactFields.Name]);
        Assert.Equal("Schulze", (await crm.Records.GetAsync(CoreEntities.Contact, contact.Id))![ContactFields.Name]);
    }

    [Fact]
    public async Task ContactName_SetByCaller_ReadOnlyErrorOnCreateAndUpdate()
    {
        var crm = await fixture.NewTenantAsync();
        var contact = await crm.Contacts.CreateAsync(new NewContact("Jan", "Schulz"));

        var onCreate = await Assert.ThrowsAsync<CrmValidationException>(() =>
            crm.Records.CreateAsync(CoreEntities.Contact, V((ContactFields.LastName, "X"), (ContactFields.Name, "Fake Name"))));
        var onUpdate = await Assert.ThrowsAsync<CrmValidationException>(() =>
            crm.Records.UpdateAsync(CoreEntities.Contact, contact.Id, contact.Version, V((ContactFields.Name, "Fake Name"))));

        foreach (var ex in new[] { onCreate, onUpdate })
        {
            var error = Assert.Single(ex.Errors);
            Assert.Equal((CoreEntities.Contact, ContactFields.Name, "Fake Name", "read_only"), (error.EntityType, error.Field, error.Value, error.Rule));
        }

        Assert.Equal(1, await CountAsync(crm, CoreEntities.Contact));
        var stored = await crm.Records.GetAsync(CoreEntities.Contact, contact.Id);
        Assert.Equal(("Jan Schulz", 1L), (stored![ContactFields.Name], stored.Version));
    }

    [Fact]
    public async Task ContactsCreateAsync_MissingLastName_RequiredErrorAndNothingWritten()
    {
        var crm = await fixture.NewTenantAsync();

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => crm.Contacts.CreateAsync(new NewContact("Jan", "   ")));

        var error = Assert.Single(ex.Errors);
        Assert.Equal((CoreEntities.Contact, ContactFields.LastName, "required"), (error.EntityType, error.Field, error.Rule));
        Assert.Equal(0, await CountAsync(crm, CoreEntities.Contact));
    }

    [Fact]
    public async Task LogAsync_RegardingContact_CustomerDerivedAndDefaultsApplied()
    {
        var crm = await fixture.NewTenantAsync();
        var account = await crm.Accounts.CreateAsync(new NewAccount("Acme"));
        var contact = await crm.Contacts.CreateAsync(new NewContact("Jan", "Schulz") { AccountId = account.Id });

        var call = await crm.Activities.LogAsync(new NewActivity(ActivityTypes.Call, "Complaint", new RecordRef(CoreEntities.Contact, contact.Id)));
        var task = await crm.Activities.LogAsync(new NewActivity(ActivityTypes.Task, "Call back", new RecordRef(CoreEntities.Account, account.Id)));

        Assert.Equal(account.Id, call.Get<Guid?>(ActivityFields.AccountId));
        Assert.Equal(contact.Id, call.Get<Guid?>(ActivityFields.ContactId));
        Assert.Equal(new RecordRef(CoreEntities.Contact, contact.Id), call[ActivityFields.Regarding]);
        Assert.Equal(ActivityStatuses.Completed, call[ActivityFields.Status]);
        Assert.Equal(fixture.Host.Clock.GetUtcNow(), call.Get<DateTimeOffset>(ActivityFields.OccurredAt));
        Assert.Equal(account.Id, task.Get<Guid?>(ActivityFields.AccountId));
        Assert.Null(task[ActivityFields.ContactId]);
        Assert.Equal(ActivityStatuses.Open, task[ActivityFields.Status]);

        var completed = await crm.Activities.CompleteAsync(task.Id);
        Assert.Equal((ActivityStatuses.Completed, 2L), (completed[ActivityFields.Status], completed.Version));
    }

    [Fact]
    public async Task LogAsync_SettingCustomerDirectly_ReadOnlyError()
    {
        var crm = await fixture.NewTenantAsync();
        var account = await crm.Accounts.CreateAsync(new NewAccount("Acme"));
        var other = await crm.Accounts.CreateAsync(new NewAccount("Other"));

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => crm.Activities.LogAsync(
            new NewActivity(ActivityTypes.Note, "Note", new RecordRef(CoreEntities.Account, account.Id)) { Fields = V((ActivityFields.AccountId, other.Id)) }));

        Assert.Equal((ActivityFields.AccountId, "read_only"), (Assert.Single(ex.Errors).Field, ex.Errors[0].Rule));
        Assert.Equal(0, await CountAsync(crm, CoreEntities.Activity));
    }

    [Fact]
    public async Task LogAsync_RegardingMissingRecord_LookupErrorAndNothingWritten()
    {
        var crm = await fixture.NewTenantAsync();
        var missing = new RecordRef(CoreEntities.Contact, Guid.NewGuid());

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => crm.Activities.LogAsync(new NewActivity(ActivityTypes.Call, "Call", missing)));

        var error = Assert.Single(ex.Errors);
        Assert.Equal((CoreEntities.Activity, ActivityFields.Regarding, "lookup"), (error.EntityType, error.Field, error.Rule));
        Assert.Equal(missing, error.Value);
        Assert.Equal(0, await CountAsync(crm, CoreEntities.Activity));
    }

    [Fact]
    public async Task GetTimelineAsync_ManyActivities_NewestFirstPagedOnlyThatCustomer()
    {
        var crm = await fixture.NewTenantAsync();
        var account = await crm.Accounts.CreateAsync(new NewAccount("Acme"));
        var other = await crm.Accounts.CreateAsync(new NewAccount("Other"));
        var contact = await crm.Contacts.CreateAsync(new NewContact("Jan", "Schulz") { AccountId = account.Id });
        var start = fixture.Host.Clock.GetUtcNow().AddDays(-30);
        var expected = new List<Guid>();
        for (var i = 0; i < 23; i++)
        {
            var regarding = i % 2 == 0 ? new RecordRef(CoreEntities.Account, account.Id) : new RecordRef(CoreEntities.Contact, contact.Id);

            // Every third activity shares its instant with the previous one: ties must not lose or repeat rows.
            var at = start.AddHours(i - (i % 3 == 2 ? 1 : 0));
            var activity = await crm.Activities.LogAsync(new NewActivity(ActivityTypes.Note, $"Note {i}", regarding) { OccurredAt = at });
            expected.Add(activity.Id);
            await crm.Activities.LogAsync(new NewActivity(ActivityTypes.Note, $"Other {i}", new RecordRef(CoreEntities.Account, other.Id)) { OccurredAt = at });
        }

        var pages = new List<RecordPage>();
        string? token = null;
        do
        {
            var page = await crm.Activities.GetTimelineAsync(account.Id, pageSize: 5, continuationToken: token);
            pages.Add(page);
            token = page.ContinuationToken;
        }
        while (token is not null);

        var timeline = pages.SelectMany(p => p.Records).ToList();
        Assert.Equal(5, pages.Count);
        Assert.All(pages.Take(4), p => Assert.Equal(5, p.Records.Count));
        Assert.Equal(expected.Order(), timeline.Select(a => a.Id).Order());
        Assert.All(timeline, a => Assert.Equal(account.Id, a.Get<Guid?>(ActivityFields.AccountId)));
        var instants = timeline.Select(a => a.Get<DateTimeOffset>(ActivityFields.OccurredAt)).ToList();
        Assert.Equal(instants.OrderDescending(), instants);
    }

    [Fact]
    public async Task QueryAsync_ActivitiesByRegarding_FindsOnlyThatRecordsActivities()
    {
        var crm = await fixture.NewTenantAsync();
        var account = await crm.Accounts.CreateAsync(new NewAccount("Acme"));
        var contact = await crm.Contacts.CreateAsync(new NewContact("Jan", "Schulz") { AccountId = account.Id });
        var aboutContact = await crm.Activities.LogAsync(new NewActivity(ActivityTypes.Call, "Call", new RecordRef(CoreEntities.Contact, contact.Id)));
        await crm.Activities.LogAsync(new NewActivity(ActivityTypes.Note, "Note", new RecordRef(CoreEntities.Account, account.Id)));

        var byRef = await crm.Records.QueryAsync(RecordQuery.For(CoreEntities.Activity).Where(ActivityFields.Regarding, new RecordRef(CoreEntities.Contact, contact.Id)));
        var byText = await crm.Records.CountAsync(RecordQuery.For(CoreEntities.Activity).Where(ActivityFields.Regarding, $"contact/{contact.Id}"));
        var byContact = await crm.Records.CountAsync(RecordQuery.For(CoreEntities.Activity).Where(ActivityFields.ContactId, contact.Id));

        Assert.Equal(aboutContact.Id, Assert.Single(byRef.Records).Id);
        Assert.Equal((1L, 1L), (byText, byContact));
    }

    [Fact]
    public async Task GetTimelineAsync_UnknownAccount_NotFound()
    {
        var crm = await fixture.NewTenantAsync();
        var id = Guid.NewGuid();

        var ex = await Assert.ThrowsAsync<CrmNotFoundException>(() => crm.Activities.GetTimelineAsync(id));

        Assert.Equal((CoreEntities.Account, (Guid?)id), (ex.EntityType, ex.Id));
    }

    [Theory]
    [InlineData("0170 5550101")]
    [InlineData("0049170 5550101")]
    [InlineData("+49 (170) 555-0101")]
    [InlineData("+491705550101")]
    public async Task FindByPhoneAsync_OtherNotation_FindsContactExactMatchesFirst(string dialled)
    {
        var crm = await fixture.NewTenantAsync();
        var jan = await crm.Contacts.CreateAsync(new NewContact("Jan", "Schulz") { MobilePhone = "+49 170 5550101" });
        var local = await crm.Contacts.CreateAsync(new NewContact("Eva", "Local") { Phone = dialled });
        var account = await crm.Accounts.CreateAsync(new NewAccount("Acme") { Phone = "+49 170 5550101" });
        await crm.Contacts.CreateAsync(new NewContact("Nobody", "Else") { Phone = "+49 170 5550102" });

        var found = await crm.Contacts.FindByPhoneAsync(dialled);

        Assert.Equal(3, found.Count);
        Assert.Equal(local.Id, found[0].Id);
        Assert.Equal([jan.Id, account.Id], found.Skip(1).Select(r => r.Id));
    }

    [Theory]
    [InlineData("+49 89 999888", "089 999888")]
    [InlineData("089 999888", "+49 89 999888")]
    [InlineData("0049 89 999888", "089 999888")]
    public async Task FindByPhoneAsync_ShortNationalNumber_MatchesInternationalForm(string stored, string dialled)
    {
        var crm = await fixture.NewTenantAsync();
        var contact = await crm.Contacts.CreateAsync(new NewContact("Max", "Short") { Phone = stored });
        await crm.Contacts.CreateAsync(new NewContact("Other", "Number") { Phone = "+49 89 999887" });

        var found = await crm.Contacts.FindByPhoneAsync(dialled);

        Assert.Equal(contact.Id, Assert.Single(found).Id);
    }

    [Fact]
    public async Task FindByPhoneAsync_LoggedCallWithSameNumber_OnlyContactsAndAccountsReturned()
    {
        var crm = await fixture.NewTenantAsync();
        var jan = await crm.Contacts.CreateAsync(new NewContact("Jan", "Schulz") { MobilePhone = "+49 170 5550101", Email = "jan@acme.example" });
        await crm.Activities.LogAsync(new NewActivity(ActivityTypes.Call, "Inbound call", new RecordRef(CoreEntities.Contact, jan.Id))
        {
            Fields = V((ActivityFields.PhoneNumber, "0170 5550101")),
        });

        var found = await crm.Contacts.FindByPhoneAsync("0170 5550101");

        Assert.Equal(jan.Id, Assert.Single(found).Id);
    }

    [Fact]
    public async Task FindByPhoneAndEmail_RecordDeleted_NoLongerFound()
    {
        var crm = await fixture.NewTenantAsync();
        var jan = await crm.Contacts.CreateAsync(new NewContact("Jan", "Schulz") { MobilePhone = "+49 170 5550101", Email = "jan@acme.example" });

        await crm.Records.DeleteAsync(CoreEntities.Contact, jan.Id);

        Assert.Empty(await crm.Contacts.FindByPhoneAsync("0170 5550101"));
        Assert.Empty(await crm.Contacts.FindByEmailAsync("jan@acme.example"));
    }

    [Fact]
    public async Task FindByPhoneAsync_NumberChanged_OldNumberNoLongerFound()
    {
        var crm = await fixture.NewTenantAsync();
        var jan = await crm.Contacts.CreateAsync(new NewContact("Jan", "Schulz") { Phone = "+49 170 5550101" });

        await crm.Records.UpdateAsync(CoreEntities.Contact, jan.Id, jan.Version, V((ContactFields.Phone, "+49 89 1234 5678")));

        Assert.Empty(await crm.Contacts.FindByPhoneAsync("0170 5550101"));
        Assert.Equal(jan.Id, Assert.Single(await crm.Contacts.FindByPhoneAsync("089 1234 5678")).Id);
    }

    [Fact]
    public async Task FindByPhoneAsync_TooFewDigits_ValidationError()
    {
        var crm = await fixture.NewTenantAsync();

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => crm.Contacts.FindByPhoneAsync("12"));

        Assert.Equal("12", Assert.Single(ex.Errors).Value);
    }

    [Fact]
    public async Task FindByEmailAsync_OtherCase_FindsContactsBeforeAccounts()
    {
        var crm = await fixture.NewTenantAsync();
        var account = await crm.Accounts.CreateAsync(new NewAccount("Acme") { Email = "Info@Acme.example" });
        var contact = await crm.Contacts.CreateAsync(new NewContact("Jan", "Schulz") { Fields = V((ContactFields.Email2, "info@acme.EXAMPLE")) });
        await crm.Contacts.CreateAsync(new NewContact("Eva", "Koch") { Email = "eva@acme.example" });

        var found = await crm.Contacts.FindByEmailAsync("INFO@ACME.EXAMPLE");

        Assert.Equal([contact.Id, account.Id], found.Select(r => r.Id));
        Assert.Empty(await crm.Contacts.FindByEmailAsync("nobody@acme.example"));
    }

    [Fact]
    public async Task FindByEmailAsync_OtherTenant_NotFound()
    {
        var mine = await fixture.NewTenantAsync();
        var theirs = await fixture.NewTenantAsync();
        await theirs.Contacts.CreateAsync(new NewContact("Jan", "Schulz") { Email = "jan@x.example", Phone = "+49 170 5550101" });

        Assert.Empty(await mine.Contacts.FindByEmailAsync("jan@x.example"));
        Assert.Empty(await mine.Contacts.FindByPhoneAsync("0170 5550101"));
    }
}
