using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Organization;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Security;
using Crm.Engine.Abstractions.Tenancy;
using Crm.Engine.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static Crm.Engine.Tests.EngineFixture;

namespace Crm.Engine.Tests.Security;

/// <summary>The audit trail: every write path recorded with who, when, through what and the values; read with ReadAudit only.</summary>
public class AuditTrailTests(EngineFixture fixture) : IClassFixture<EngineFixture>
{
    private static async Task<IReadOnlyList<AuditEntry>> EntriesAsync(ICrmTenant crm, AuditQuery query)
    {
        var all = new List<AuditEntry>();
        string? token = null;
        do
        {
            var page = await crm.Audit.QueryAsync(query with { ContinuationToken = token });
            all.AddRange(page.Entries);
            token = page.ContinuationToken;
        }
        while (token is not null);
        return all;
    }

    private static Task<IReadOnlyList<AuditEntry>> OfRecordAsync(ICrmTenant crm, Guid id) => EntriesAsync(crm, new AuditQuery { RecordId = id });

    private static async Task<CrmUser> UserAsync(ICrmTenant crm, string name, string role)
    {
        var user = await crm.Organization.CreateUserAsync(new NewUser(name, name.ToUpperInvariant()));
        await crm.Security.GrantRoleAsync(SecurityPrincipal.User(user.Id), role);
        return user;
    }

    [Fact]
    public async Task EveryRecordWritePath_RecordsOneEntryEach_WithOldAndNewValues()
    {
        var crm = await fixture.NewTenantAsync();
        var owner = await UserAsync(crm, "olga", SystemRoles.SalesRep);

        var contact = await crm.Contacts.CreateAsync(new NewContact("Ada", "Lovelace") { Email = "ada@example.test" });
        var updated = await crm.Records.UpdateAsync(CoreEntities.Contact, contact.Id, contact.Version, V((ContactFields.LastName, "King")));
        await crm.Records.AssignAsync(CoreEntities.Contact, contact.Id, owner.Id);
        await crm.Security.ShareAsync(new RecordRef(CoreEntities.Contact, contact.Id), SecurityPrincipal.User(owner.Id), ShareRights.Read | ShareRights.Write);
        await crm.Security.UnshareAsync(new RecordRef(CoreEntities.Contact, contact.Id), SecurityPrincipal.User(owner.Id));
        var doomed = await crm.Accounts.CreateAsync(new NewAccount("Short-lived Ltd"));
        await crm.Records.DeleteAsync(CoreEntities.Account, doomed.Id);

        var entries = await OfRecordAsync(crm, contact.Id);
        Assert.Equal([AuditAction.Unshare, AuditAction.Share, AuditAction.Assign, AuditAction.Update, AuditAction.Create], entries.Select(e => e.Action));
        Assert.True(entries.Zip(entries.Skip(1)).All(p => p.First.Id > p.Second.Id), "newest first");

        var create = entries[^1];
        Assert.Contains(new AuditChange(ContactFields.LastName, null, "Lovelace"), create.Changes);
        Assert.Contains(new AuditChange(ContactFields.Email, null, "ada@example.test"), create.Changes);
        var update = entries[^2];
        Assert.Contains(new AuditChange(ContactFields.LastName, "Lovelace", "King"), update.Changes);
        Assert.Contains(new AuditChange(ContactFields.Name, "Ada Lovelace", "Ada King"), update.Changes);
        Assert.DoesNotContain(update.Changes, c => c.Field == ContactFields.Email);
        Assert.Equal(2, updated.Version);
        var assign = entries[2];
        Assert.Contains(assign.Changes, c => c.Field == "ownerId" && Equals(c.NewValue, owner.Id.ToString("D")));
        Assert.Contains(owner.Id.ToString("D"), entries[1].Detail);
        Assert.Contains(entries[1].Changes, c => c.NewValue is string s && s.Contains("Write", StringComparison.Ordinal));
        Assert.Contains(entries[0].Changes, c => c.OldValue is not null && c.NewValue is null);

        var deleted = Assert.Single(await OfRecordAsync(crm, doomed.Id), e => e.Action == AuditAction.Delete);
        Assert.Equal(CoreEntities.Account, deleted.EntityType);
        Assert.Contains(new AuditChange(AccountFields.Name, "Short-lived Ltd", null), deleted.Changes);
    }

    [Fact]
    public async Task MergeAsync_RecordsMergeEntryOnSurvivor_WithTheDuplicateNamed()
    {
        var crm = await fixture.NewTenantAsync();
        var survivor = await crm.Contacts.CreateAsync(new NewContact("Grace", "Hopper"));
        var duplicate = await crm.Contacts.CreateAsync(new NewContact("G.", "Hopper") { Email = "grace@example.test" });

        await crm.Records.MergeAsync(CoreEntities.Contact, survivor.Id, duplicate.Id);

        var merge = Assert.Single(await OfRecordAsync(crm, survivor.Id), e => e.Action == AuditAction.Merge);
        Assert.Contains(duplicate.Id.ToString(), merge.Detail, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(merge.Changes, c => c.Field == ContactFields.Email && Equals(c.OldValue, "grace@example.test"));
    }

    [Fact]
    public async Task SecurityChanges_AreAuditedAsSecurityEntries()
    {
        var crm = await fixture.NewTenantAsync();
        var user = await crm.Organization.CreateUserAsync(new NewUser("sam", "Sam"));

        await crm.Security.GrantRoleAsync(SecurityPrincipal.User(user.Id), SystemRoles.ReadOnly);
        await crm.Security.SetFieldSecuredAsync(CoreEntities.Contact, ContactFields.JobTitle, true);
        await crm.Security.CopyRoleAsync(SystemRoles.ReadOnly, "auditor", "Auditor");

        var security = await EntriesAsync(crm, new AuditQuery { EntityType = "security" });
        Assert.All(security, e => Assert.Equal((AuditAction.Security, Guid.Empty), (e.Action, e.RecordId)));
        Assert.Contains(security, e => e.Changes.Any(c => c.Field == $"grant:user:{user.Id:D}" && Equals(c.NewValue, SystemRoles.ReadOnly)));
        Assert.Contains(security, e => e.Changes.Any(c => c.Field == "secured:contact.jobTitle" && Equals(c.NewValue, true)));
        Assert.Contains(security, e => e.Changes.Any(c => c.Field == "role:auditor" && c.OldValue is null));
    }

    [Fact]
    public async Task Entries_RecordWhoWhenAndThroughWhat_ForSystemUserAndRuleCallers()
    {
        var crm = await fixture.NewTenantAsync();
        var admin = await UserAsync(crm, "alex", SystemRoles.Administrator);
        var at = fixture.Host.Clock.GetUtcNow();

        var bySystem = await crm.Accounts.CreateAsync(new NewAccount("By system"));
        fixture.Host.Clock.Advance(TimeSpan.FromMinutes(5));
        var byUser = await crm.AsUser(admin.Id).Accounts.CreateAsync(new NewAccount("By user"));
        var rule = fixture.Engine.ForTenant(new CallerContext(crm.TenantId, null, OperationSource.Rule, "rule:x@v2"));
        var byRule = await rule.Accounts.CreateAsync(new NewAccount("By rule"));

        var system = Assert.Single(await OfRecordAsync(crm, bySystem.Id));
        Assert.Equal((null, OperationSource.System, "api", at), (system.UserId, system.Source, system.SourceName, system.At));
        var user = Assert.Single(await OfRecordAsync(crm, byUser.Id));
        Assert.Equal((admin.Id, OperationSource.Api, at.AddMinutes(5)), (user.UserId, user.Source, user.At));
        var ruled = Assert.Single(await OfRecordAsync(crm, byRule.Id));
        Assert.Equal((null, OperationSource.Rule, "rule:x@v2"), (ruled.UserId, ruled.Source, ruled.SourceName));
    }

    [Fact]
    public async Task QueryAsync_ByUserAndTime_ReturnsOnlyMatchingEntries()
    {
        var crm = await fixture.NewTenantAsync();
        var ann = await UserAsync(crm, "ann", SystemRoles.Administrator);
        var bob = await UserAsync(crm, "bob", SystemRoles.Administrator);
        var start = fixture.Host.Clock.GetUtcNow();

        await crm.AsUser(ann.Id).Accounts.CreateAsync(new NewAccount("Ann 1"));
        fixture.Host.Clock.Advance(TimeSpan.FromHours(1));
        await crm.AsUser(bob.Id).Accounts.CreateAsync(new NewAccount("Bob 1"));
        await crm.AsUser(ann.Id).Accounts.CreateAsync(new NewAccount("Ann 2"));

        var byAnn = await EntriesAsync(crm, new AuditQuery { UserId = ann.Id });
        Assert.Equal(2, byAnn.Count);
        Assert.All(byAnn, e => Assert.Equal(ann.Id, e.UserId));
        var annLater = await EntriesAsync(crm, new AuditQuery { UserId = ann.Id, From = start.AddMinutes(30) });
        Assert.Equal("Ann 2", Assert.Single(annLater).Changes.Single(c => c.Field == AccountFields.Name).NewValue);
        var early = await EntriesAsync(crm, new AuditQuery { EntityType = CoreEntities.Account, To = start.AddMinutes(30) });
        Assert.Equal("Ann 1", Assert.Single(early).Changes.Single(c => c.Field == AccountFields.Name).NewValue);
    }

    [Fact]
    public async Task QueryAsync_Paged_ReadsEveryEntryOnceNewestFirst()
    {
        var crm = await fixture.NewTenantAsync();
        for (var i = 0; i < 7; i++)
        {
            await crm.Accounts.CreateAsync(new NewAccount($"Account {i}"));
        }

        var first = await crm.Audit.QueryAsync(new AuditQuery { EntityType = CoreEntities.Account, PageSize = 3 });
        var all = await EntriesAsync(crm, new AuditQuery { EntityType = CoreEntities.Account, PageSize = 3 });

        Assert.Equal(3, first.Entries.Count);
        Assert.NotNull(first.ContinuationToken);
        Assert.Equal(7, all.Count);
        Assert.Equal(all.Select(e => e.Id).OrderDescending(), all.Select(e => e.Id));
        Assert.Equal(7, all.Select(e => e.RecordId).Distinct().Count());
        Assert.Equal("Account 6", all[0].Changes.Single(c => c.Field == AccountFields.Name).NewValue);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1001)]
    public async Task QueryAsync_PageSizeOutOfRange_ValidationErrorNamesPageSize(int pageSize)
    {
        var crm = await fixture.NewTenantAsync();

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => crm.Audit.QueryAsync(new AuditQuery { PageSize = pageSize }));

        Assert.Equal(("pageSize", "range"), (ex.Errors[0].Field, ex.Errors[0].Rule));
    }

    [Fact]
    public async Task QueryAsync_ForgedContinuationToken_ValidationErrorNamesTheToken()
    {
        var crm = await fixture.NewTenantAsync();

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => crm.Audit.QueryAsync(new AuditQuery { ContinuationToken = "seq<999 OR 1=1" }));

        Assert.Equal("continuationToken", Assert.Single(ex.Errors).Field);
    }

    [Fact]
    public async Task QueryAsync_ReaderWithoutFieldAccess_DoesNotSeeSecuredFieldValues()
    {
        var crm = await fixture.NewTenantAsync();
        await crm.Security.SaveRoleAsync(new SecurityRole("auditor", "Auditor")
        {
            Privileges = [new EntityPrivilege(EntityPrivilege.AnyEntity, RecordPrivilege.Read, AccessDepth.Tenant)],
            TenantPrivileges = [TenantPrivilege.ReadAudit],
        });
        var auditor = await UserAsync(crm, "audrey", "auditor");
        var admin = await UserAsync(crm, "adam", SystemRoles.Administrator);
        await crm.Security.SetFieldSecuredAsync(CoreEntities.Contact, ContactFields.JobTitle, true);
        var contact = await crm.Contacts.CreateAsync(new NewContact("Max", "Secret") { Fields = V((ContactFields.JobTitle, "Undercover")) });
        await crm.Records.UpdateAsync(CoreEntities.Contact, contact.Id, null, V((ContactFields.JobTitle, "Spy"), (ContactFields.FirstName, "Maxine")));

        var seenByAuditor = await OfRecordAsync(crm.AsUser(auditor.Id), contact.Id);
        var seenByAdmin = await OfRecordAsync(crm.AsUser(admin.Id), contact.Id);

        Assert.Equal(2, seenByAuditor.Count);
        Assert.All(seenByAuditor, e => Assert.DoesNotContain(e.Changes, c => c.Field == ContactFields.JobTitle));
        Assert.Contains(seenByAuditor[0].Changes, c => c.Field == ContactFields.FirstName && Equals(c.NewValue, "Maxine"));
        Assert.Contains(seenByAdmin[0].Changes, c => c.Field == ContactFields.JobTitle && Equals(c.OldValue, "Undercover") && Equals(c.NewValue, "Spy"));
    }

    [Fact]
    public async Task QueryAsync_UserWithoutReadAudit_AccessDenied()
    {
        var crm = await fixture.NewTenantAsync();
        var rep = await UserAsync(crm, "rita", SystemRoles.SalesRep);
        await crm.AsUser(rep.Id).Accounts.CreateAsync(new NewAccount("Own account"));

        var ex = await Assert.ThrowsAsync<CrmAccessDeniedException>(() => crm.AsUser(rep.Id).Audit.QueryAsync(new AuditQuery { UserId = rep.Id }));

        Assert.Contains(nameof(TenantPrivilege.ReadAudit), ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<CrmAccessDeniedException>(() => crm.AsUser(rep.Id).Audit.GetRetentionDaysAsync());
    }

    [Fact]
    public void AuditService_OffersNoWayToChangeOrDeleteSingleEntries()
    {
        var methods = typeof(IAuditService).GetMethods().Select(m => m.Name).Order(StringComparer.Ordinal);

        Assert.Equal(["GetRetentionDaysAsync", "PurgeExpiredAsync", "QueryAsync", "SetRetentionDaysAsync"], methods);
    }

    [Fact]
    public async Task PurgeExpiredAsync_DeletesOnlyEntriesOlderThanTheRetention()
    {
        var crm = await fixture.NewTenantAsync();
        var old = await crm.Accounts.CreateAsync(new NewAccount("Old"));
        Assert.Equal(0, await crm.Audit.PurgeExpiredAsync());
        await crm.Audit.SetRetentionDaysAsync(30);
        fixture.Host.Clock.Advance(TimeSpan.FromDays(29));
        var recent = await crm.Accounts.CreateAsync(new NewAccount("Recent"));

        Assert.Equal(0, await crm.Audit.PurgeExpiredAsync());
        fixture.Host.Clock.Advance(TimeSpan.FromDays(2));
        var purged = await crm.Audit.PurgeExpiredAsync();

        Assert.Equal(2, purged);
        Assert.Empty(await OfRecordAsync(crm, old.Id));
        Assert.Single(await OfRecordAsync(crm, recent.Id));
        Assert.Equal(30, await crm.Audit.GetRetentionDaysAsync());
    }

    [Fact]
    public async Task SetRetentionDaysAsync_IsAuditedAndValidated()
    {
        var crm = await fixture.NewTenantAsync();
        var rep = await UserAsync(crm, "rick", SystemRoles.SalesRep);
        Assert.Null(await crm.Audit.GetRetentionDaysAsync());

        await crm.Audit.SetRetentionDaysAsync(365);
        await crm.Audit.SetRetentionDaysAsync(null);

        var entries = await EntriesAsync(crm, new AuditQuery { EntityType = "security" });
        var retention = entries.SelectMany(e => e.Changes).Where(c => c.Field == "audit:retentionDays").ToList();
        Assert.Equal([new AuditChange("audit:retentionDays", 365m, null), new AuditChange("audit:retentionDays", null, 365m)], retention);
        Assert.Null(await crm.Audit.GetRetentionDaysAsync());
        var invalid = await Assert.ThrowsAsync<CrmValidationException>(() => crm.Audit.SetRetentionDaysAsync(0));
        Assert.Equal("retentionDays", Assert.Single(invalid.Errors).Field);
        await Assert.ThrowsAsync<CrmAccessDeniedException>(() => crm.AsUser(rep.Id).Audit.SetRetentionDaysAsync(1));
        Assert.Null(await crm.Audit.GetRetentionDaysAsync());
    }

    [Fact]
    public async Task RetentionBackgroundService_PurgesEveryTenantOnceADayOfTheEngineClock()
    {
        await using var host = await CrmTestHost.StartAsync();
        var a = await host.CreateTenantAsync("tenant-a");
        var b = await host.CreateTenantAsync("tenant-b");
        await a.Audit.SetRetentionDaysAsync(1);
        var expiring = await a.Accounts.CreateAsync(new NewAccount("Expiring"));
        var kept = await b.Accounts.CreateAsync(new NewAccount("Kept forever"));

        var service = host.Services.GetServices<IHostedService>().Single(s => s.GetType().Name == "AuditRetentionBackgroundService");
        await service.StartAsync(CancellationToken.None);
        try
        {
            // Move the fake clock a day at a time until the daily run has seen the entry expire.
            var purged = await PollAsync(async () =>
            {
                host.Clock.Advance(TimeSpan.FromDays(1));
                return (await a.Audit.QueryAsync(new AuditQuery { RecordId = expiring.Id })).Entries.Count == 0;
            });
            Assert.True(purged);
            Assert.Single((await b.Audit.QueryAsync(new AuditQuery { RecordId = kept.Id })).Entries);
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>Polls a condition with a generous bound (for a background loop, never for engine time).</summary>
    private static async Task<bool> PollAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(50);
        }

        return await condition();
    }
}
