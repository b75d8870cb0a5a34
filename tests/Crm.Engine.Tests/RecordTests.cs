using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Organization;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Security;
using static Crm.Engine.Tests.EngineFixture;

namespace Crm.Engine.Tests;

public class RecordTests(EngineFixture fixture) : IClassFixture<EngineFixture>
{
    [Fact]
    public async Task CreateGetUpdateDelete_Account_VersionsAndStampsMaintained()
    {
        var admin = await fixture.NewTenantAsync();
        var user = await admin.Organization.CreateUserAsync(new NewUser("anna", "Anna"));
        await admin.Security.GrantRoleAsync(SecurityPrincipal.User(user.Id), SystemRoles.SalesRep);
        var crm = admin.AsUser(user.Id);
        var createdAt = fixture.Host.Clock.GetUtcNow();

        var created = await crm.Records.CreateAsync(CoreEntities.Account, V((AccountFields.Name, "Acme"), (AccountFields.City, "Berlin")));
        fixture.Host.Clock.Advance(TimeSpan.FromMinutes(5));
        var updated = await crm.Records.UpdateAsync(CoreEntities.Account, created.Id, 1, V((AccountFields.City, null), (AccountFields.Industry, "Retail")));
        var read = await crm.Records.GetAsync(CoreEntities.Account, created.Id);

        Assert.Equal((CoreEntities.Account, 1L), (created.EntityType, created.Version));
        Assert.Equal(new RecordStamps(user.Id, createdAt, user.Id, createdAt, user.Id), created.Stamps);
        Assert.Equal(2, updated.Version);
        Assert.Equal(createdAt.AddMinutes(5), updated.Stamps.ModifiedAt);
        Assert.Equal(createdAt, updated.Stamps.CreatedAt);
        Assert.False(read!.Values.ContainsKey(AccountFields.City));
        Assert.Equal(("Acme", "Retail", 2L), (read["name"], read[AccountFields.Industry], read.Version));
        Assert.Equal(updated.Stamps, read.Stamps);

        await crm.Records.DeleteAsync(CoreEntities.Account, created.Id, expectedVersion: 2);

        Assert.Null(await crm.Records.GetAsync(CoreEntities.Account, created.Id));
        Assert.Equal(0, await CountAsync(crm, CoreEntities.Account));
    }

    [Fact]
    public async Task CreateAsync_SystemContext_NoUserStamped()
    {
        var crm = await fixture.NewTenantAsync();

        var created = await crm.Records.CreateAsync(CoreEntities.Account, V((AccountFields.Name, "Acme")));

        Assert.Null(created.Stamps.CreatedBy);
        Assert.Null(created.OwnerId);
        Assert.True(crm.Caller.IsSystem);
    }

    [Fact]
    public async Task CreateAsync_GivenIdAndOwner_UsedAndDuplicateIdRejected()
    {
        var crm = await fixture.NewTenantAsync();
        var id = Guid.NewGuid();
        var owner = (await crm.Organization.CreateUserAsync(new NewUser("owner", "Owner"))).Id;

        var created = await crm.Records.CreateAsync(CoreEntities.Account, V((AccountFields.Name, "Acme")), new CreateOptions { Id = id, OwnerId = owner });
        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => crm.Records.CreateAsync(CoreEntities.Contact, V((ContactFields.LastName, "X")), new CreateOptions { Id = id }));

        Assert.Equal((id, (Guid?)owner), (created.Id, created.OwnerId));
        Assert.Equal(("id", "duplicate"), (ex.Errors[0].Field, ex.Errors[0].Rule));
        Assert.Equal(0, await CountAsync(crm, CoreEntities.Contact));
    }

    [Fact]
    public async Task GetAsync_OtherEntityTypeOrUnknownId_Null()
    {
        var crm = await fixture.NewTenantAsync();
        var account = await crm.Accounts.CreateAsync(new NewAccount("Acme"));

        Assert.Null(await crm.Records.GetAsync(CoreEntities.Contact, account.Id));
        Assert.Null(await crm.Records.GetAsync(CoreEntities.Account, Guid.NewGuid()));
    }

    [Fact]
    public async Task AnyOperation_UnknownEntityType_NotFoundWithSuggestion()
    {
        var crm = await fixture.NewTenantAsync();

        var create = await Assert.ThrowsAsync<CrmNotFoundException>(() => crm.Records.CreateAsync("contcat", V(("lastName", "X"))));
        var query = await Assert.ThrowsAsync<CrmNotFoundException>(() => crm.Records.QueryAsync(RecordQuery.For("contcat")));

        Assert.Contains("did you mean 'contact'?", create.Message, StringComparison.Ordinal);
        Assert.Contains("'contcat'", query.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateAsync_StaleVersion_ConcurrencyErrorAndNothingWritten()
    {
        var crm = await fixture.NewTenantAsync();
        var account = await crm.Accounts.CreateAsync(new NewAccount("Acme"));
        await crm.Records.UpdateAsync(CoreEntities.Account, account.Id, 1, V((AccountFields.City, "Berlin")));

        var ex = await Assert.ThrowsAsync<CrmConcurrencyException>(() =>
            crm.Records.UpdateAsync(CoreEntities.Account, account.Id, 1, V((AccountFields.City, "Hamburg"))));

        Assert.Equal((CoreEntities.Account, account.Id, 1L, 2L), (ex.EntityType, ex.Id, ex.ExpectedVersion, ex.ActualVersion));
        Assert.Equal(CrmErrorCodes.Concurrency, ex.Code);
        var stored = await crm.Accounts.GetAsync(account.Id);
        Assert.Equal(("Berlin", 2L), (stored![AccountFields.City], stored.Version));
    }

    [Fact]
    public async Task UpdateAsync_NoExpectedVersion_LastWriterWins()
    {
        var crm = await fixture.NewTenantAsync();
        var account = await crm.Accounts.CreateAsync(new NewAccount("Acme"));
        await crm.Records.UpdateAsync(CoreEntities.Account, account.Id, null, V((AccountFields.City, "Berlin")));

        var updated = await crm.Records.UpdateAsync(CoreEntities.Account, account.Id, null, V((AccountFields.City, "Hamburg")));

        Assert.Equal(("Hamburg", 3L), (updated[AccountFields.City], updated.Version));
    }

    [Fact]
    public async Task UpdateAndDelete_UnknownRecord_NotFound()
    {
        var crm = await fixture.NewTenantAsync();
        var id = Guid.NewGuid();

        var update = await Assert.ThrowsAsync<CrmNotFoundException>(() => crm.Records.UpdateAsync(CoreEntities.Account, id, null, V((AccountFields.City, "X"))));
        var delete = await Assert.ThrowsAsync<CrmNotFoundException>(() => crm.Records.DeleteAsync(CoreEntities.Account, id));

        Assert.Equal((CoreEntities.Account, (Guid?)id), (update.EntityType, update.Id));
        Assert.Equal(id, delete.Id);
    }

    [Fact]
    public async Task DeleteAsync_StaleVersion_ConcurrencyErrorAndRecordKept()
    {
        var crm = await fixture.NewTenantAsync();
        var account = await crm.Accounts.CreateAsync(new NewAccount("Acme"));
        await crm.Records.UpdateAsync(CoreEntities.Account, account.Id, null, V((AccountFields.City, "Berlin")));

        await Assert.ThrowsAsync<CrmConcurrencyException>(() => crm.Records.DeleteAsync(CoreEntities.Account, account.Id, expectedVersion: 1));

        Assert.NotNull(await crm.Accounts.GetAsync(account.Id));
    }

    [Fact]
    public async Task DeleteAsync_ReferencedByLookups_InUseUntilReferrersGone()
    {
        var crm = await fixture.NewTenantAsync();
        var account = await crm.Accounts.CreateAsync(new NewAccount("Acme"));
        var contact = await crm.Contacts.CreateAsync(new NewContact("Jan", "Schulz") { AccountId = account.Id });
        var activity = await crm.Activities.LogAsync(new NewActivity(ActivityTypes.Call, "Call", new RecordRef(CoreEntities.Contact, contact.Id)));

        var accountInUse = await Assert.ThrowsAsync<CrmInUseException>(() => crm.Records.DeleteAsync(CoreEntities.Account, account.Id));
        var contactInUse = await Assert.ThrowsAsync<CrmInUseException>(() => crm.Records.DeleteAsync(CoreEntities.Contact, contact.Id));

        // References, not referring records: the activity refers to the contact twice (regarding and contactId).
        Assert.Equal(2, accountInUse.ReferenceCount);
        Assert.Equal(2, contactInUse.ReferenceCount);
        Assert.Equal(CrmErrorCodes.InUse, accountInUse.Code);
        Assert.NotNull(await crm.Accounts.GetAsync(account.Id));
        Assert.NotNull(await crm.Records.GetAsync(CoreEntities.Contact, contact.Id));

        await crm.Records.DeleteAsync(CoreEntities.Activity, activity.Id);
        await crm.Records.DeleteAsync(CoreEntities.Contact, contact.Id);
        await crm.Records.DeleteAsync(CoreEntities.Account, account.Id);
        Assert.Equal(0, await CountAsync(crm, CoreEntities.Account));
    }

    [Fact]
    public async Task DeleteAsync_LookupRepointed_OldTargetDeletable()
    {
        var crm = await fixture.NewTenantAsync();
        var first = await crm.Accounts.CreateAsync(new NewAccount("First"));
        var second = await crm.Accounts.CreateAsync(new NewAccount("Second"));
        var contact = await crm.Contacts.CreateAsync(new NewContact("Jan", "Schulz") { AccountId = first.Id });

        await crm.Records.UpdateAsync(CoreEntities.Contact, contact.Id, null, V((ContactFields.AccountId, second.Id)));
        await crm.Records.DeleteAsync(CoreEntities.Account, first.Id);

        Assert.Null(await crm.Accounts.GetAsync(first.Id));
        await Assert.ThrowsAsync<CrmInUseException>(() => crm.Records.DeleteAsync(CoreEntities.Account, second.Id));
    }

    [Fact]
    public async Task CreateAsync_LookupToOtherTenantsRecord_LookupErrorAndNothingWritten()
    {
        var mine = await fixture.NewTenantAsync();
        var theirs = await fixture.NewTenantAsync();
        var foreign = await theirs.Accounts.CreateAsync(new NewAccount("Their account"));

        var contact = await Assert.ThrowsAsync<CrmValidationException>(() => mine.Contacts.CreateAsync(new NewContact("Jan", "Schulz") { AccountId = foreign.Id }));
        var activity = await Assert.ThrowsAsync<CrmValidationException>(() =>
            mine.Activities.LogAsync(new NewActivity(ActivityTypes.Note, "Note", new RecordRef(CoreEntities.Account, foreign.Id))));

        Assert.Equal((ContactFields.AccountId, "lookup"), (contact.Errors[0].Field, contact.Errors[0].Rule));
        Assert.Equal((ActivityFields.Regarding, "lookup"), (activity.Errors[0].Field, activity.Errors[0].Rule));
        Assert.Equal(0, await CountAsync(mine, CoreEntities.Contact) + await CountAsync(mine, CoreEntities.Activity));
        await theirs.Records.DeleteAsync(CoreEntities.Account, foreign.Id);
    }

    [Fact]
    public async Task CreateAsync_SameIdInTwoTenants_KeptApart()
    {
        var a = await fixture.NewTenantAsync();
        var b = await fixture.NewTenantAsync();
        var id = Guid.NewGuid();

        await a.Records.CreateAsync(CoreEntities.Account, V((AccountFields.Name, "In A")), new CreateOptions { Id = id });
        await b.Records.CreateAsync(CoreEntities.Contact, V((ContactFields.LastName, "In B")), new CreateOptions { Id = id });
        await b.Records.UpdateAsync(CoreEntities.Contact, id, 1, V((ContactFields.LastName, "Changed in B")));
        await b.Records.DeleteAsync(CoreEntities.Contact, id);

        var inA = await a.Records.GetAsync(CoreEntities.Account, id);
        Assert.Equal(("In A", 1L), (inA!["name"], inA.Version));
        Assert.Null(await b.Records.GetAsync(CoreEntities.Account, id));
        Assert.Equal(0, await CountAsync(b, CoreEntities.Contact));
    }

    [Fact]
    public async Task AssignAsync_NewOwner_StoredAndVersionIncremented()
    {
        var crm = await fixture.NewTenantAsync();
        var account = await crm.Accounts.CreateAsync(new NewAccount("Acme"));
        var owner = (await crm.Organization.CreateUserAsync(new NewUser("owner", "Owner"))).Id;

        var assigned = await crm.Records.AssignAsync(CoreEntities.Account, account.Id, owner);

        Assert.Equal((owner, 2L), (assigned.OwnerId!.Value, assigned.Version));
        Assert.Equal(owner, (await crm.Accounts.GetAsync(account.Id))!.OwnerId);
        Assert.Equal(1, await crm.Records.CountAsync(RecordQuery.For(CoreEntities.Account).Where("ownerId", owner)));
    }
}
