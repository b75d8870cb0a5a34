using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Organization;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Security;
using CsCheck;
using static Crm.Engine.Tests.EngineFixture;

namespace Crm.Engine.Tests.Security;

/// <summary>
/// Random organisations, roles, owners and shares: what each user can read (and change) through every read path
/// equals what a plain reference model of the privilege rules allows.
/// </summary>
public class AccessPropertyTests(EngineFixture fixture) : IClassFixture<EngineFixture>
{
    private const string Entity = CoreEntities.Contact;

    private static readonly RecordPrivilege[] Modelled = [RecordPrivilege.Read, RecordPrivilege.Write, RecordPrivilege.Export];

    /// <summary>A role: a depth per modelled privilege on contacts, and optionally a '*' entry for read.</summary>
    private sealed record RoleSpec(AccessDepth Read, AccessDepth Write, AccessDepth Export, AccessDepth? AnyRead);

    /// <summary>Owner: 0 none, 1..n user n-1, -1..-m team m-1.</summary>
    private sealed record RecordSpec(int Owner, int Phone);

    private sealed record ShareSpec(int Record, bool ToTeam, int Principal, bool Write);

    private sealed record World(
        int[] UnitParents,
        int[] UserUnits,
        int[] TeamUnits,
        bool[][] TeamMembers,
        RoleSpec[] Roles,
        bool[][] UserRoles,
        bool[][] TeamRoles,
        RecordSpec[] Records,
        ShareSpec[] Shares)
    {
        public override string ToString() =>
            $"units {string.Join(",", UnitParents)}; users {string.Join(",", UserUnits)}; teams {string.Join(",", TeamUnits)} members " +
            $"{string.Join("|", TeamMembers.Select(m => string.Concat(m.Select(b => b ? '1' : '0'))))}; roles {string.Join(" ", Roles.Select(r => $"[{r.Read}/{r.Write}/{r.Export}/*{r.AnyRead}]"))}; " +
            $"userRoles {string.Join("|", UserRoles.Select(m => string.Concat(m.Select(b => b ? '1' : '0'))))}; teamRoles {string.Join("|", TeamRoles.Select(m => string.Concat(m.Select(b => b ? '1' : '0'))))}; " +
            $"records {string.Join(",", Records.Select(r => $"{r.Owner}:{r.Phone}"))}; shares {string.Join(",", Shares.Select(s => $"{s.Record}>{(s.ToTeam ? "t" : "u")}{s.Principal}{(s.Write ? "w" : "r")}"))}";
    }

    private static readonly Gen<World> GenWorld =
        from units in Gen.Int[1, 4]
        from parents in Gen.Int[0, 100].Array[units]
        from users in Gen.Int[1, 4]
        from userUnits in Gen.Int[0, units].Array[users]
        from teamUnits in Gen.Int[0, units].Array[2]
        from members in Gen.Bool.Array[users].Array[2]
        from roles in Gen.Select(Gen.Enum<AccessDepth>(), Gen.Enum<AccessDepth>(), Gen.Enum<AccessDepth>(), Gen.Int[-1, 4].Select(i => i < 0 ? (AccessDepth?)null : (AccessDepth)i), (r, w, e, a) => new RoleSpec(r, w, e, a)).Array[1, 3]
        from userRoles in Gen.Bool.Array[roles.Length].Array[users]
        from teamRoles in Gen.Bool.Array[roles.Length].Array[2]
        from records in Gen.Select(Gen.Int[-2, users], Gen.Int[0, 2], (o, p) => new RecordSpec(o, p)).Array[2, 8]
        from shares in Gen.Select(Gen.Int[0, 100], Gen.Bool, Gen.Int[0, 100], Gen.Bool, (r, t, p, w) => new ShareSpec(r, t, p, w)).Array[0, 4]
        select new World(
            // unit i+1's parent is one of the units before it (0 = the root)
            [.. parents.Select((p, i) => p % (i + 1))],
            userUnits, teamUnits, members, roles, userRoles, teamRoles, records,
            [.. shares.Select(s => s with { Record = s.Record % records.Length, Principal = s.Principal % (s.ToTeam ? 2 : users) })]);

    [Fact]
    public async Task EveryReadPath_RandomOrganisationsRolesAndShares_MatchesTheReferenceModel()
    {
        await GenWorld.SampleAsync(CheckWorldAsync, iter: 25, threads: 1);
    }

    private async Task CheckWorldAsync(World world)
    {
        var crm = await fixture.NewTenantAsync("acl");

        // Organisation: unit 0 is the tenant's root.
        var units = new List<Guid> { (await crm.Organization.GetRootUnitAsync()).Id };
        foreach (var parent in world.UnitParents)
        {
            units.Add((await crm.Organization.CreateUnitAsync($"u{units.Count}", units[parent])).Id);
        }

        var users = new List<Guid>();
        foreach (var unit in world.UserUnits)
        {
            users.Add((await crm.Organization.CreateUserAsync(new NewUser($"user{users.Count}", $"User {users.Count}") { UnitId = units[unit] })).Id);
        }

        var teams = new List<Guid>();
        foreach (var unit in world.TeamUnits)
        {
            var team = (await crm.Organization.CreateTeamAsync($"team{teams.Count}", units[unit])).Id;
            for (var u = 0; u < users.Count; u++)
            {
                if (world.TeamMembers[teams.Count][u])
                {
                    await crm.Organization.AddTeamMemberAsync(team, users[u]);
                }
            }

            teams.Add(team);
        }

        for (var r = 0; r < world.Roles.Length; r++)
        {
            var spec = world.Roles[r];
            List<EntityPrivilege> privileges =
            [
                new(Entity, RecordPrivilege.Read, spec.Read),
                new(Entity, RecordPrivilege.Write, spec.Write),
                new(Entity, RecordPrivilege.Export, spec.Export),
            ];
            if (spec.AnyRead is { } any)
            {
                // Named entries win over '*' within a role: this must not widen contact reads.
                privileges.Add(new(EntityPrivilege.AnyEntity, RecordPrivilege.Read, any));
            }

            await crm.Security.SaveRoleAsync(new SecurityRole($"r{r}", $"Role {r}") { Privileges = privileges });
            for (var u = 0; u < users.Count; u++)
            {
                if (world.UserRoles[u][r])
                {
                    await crm.Security.GrantRoleAsync(SecurityPrincipal.User(users[u]), $"r{r}");
                }
            }

            for (var t = 0; t < teams.Count; t++)
            {
                if (world.TeamRoles[t][r])
                {
                    await crm.Security.GrantRoleAsync(SecurityPrincipal.Team(teams[t]), $"r{r}");
                }
            }
        }

        Guid? OwnerOf(RecordSpec spec) => spec.Owner switch
        {
            0 => null,
            > 0 => users[spec.Owner - 1],
            _ => teams[-spec.Owner - 1],
        };

        var records = new List<CrmRecord>();
        foreach (var spec in world.Records)
        {
            records.Add(await crm.Records.CreateAsync(Entity, V((ContactFields.LastName, $"c{records.Count}"), (ContactFields.Phone, $"+49 30 555 000{spec.Phone}")), new CreateOptions { OwnerId = OwnerOf(spec) }));
        }

        foreach (var share in world.Shares)
        {
            var principal = share.ToTeam ? SecurityPrincipal.Team(teams[share.Principal]) : SecurityPrincipal.User(users[share.Principal]);
            await crm.Security.ShareAsync(new RecordRef(Entity, records[share.Record].Id), principal, share.Write ? ShareRights.Read | ShareRights.Write : ShareRights.Read);
        }

        var model = new Model(world, units, users, teams, records);
        for (var u = 0; u < users.Count; u++)
        {
            await CheckUserAsync(crm.AsUser(users[u]), model, u);
        }
    }

    private static async Task CheckUserAsync(ICrmTenant me, Model model, int user)
    {
        var readable = model.Records.Where((r, i) => model.Allows(user, i, RecordPrivilege.Read)).Select(r => r.Id).Order().ToList();
        var context = $"user {user}";

        // Query (paged with tokens), count, total count.
        var all = await ReadAllPagesAsync(me, RecordQuery.For(Entity).Take(3));
        Assert.True(readable.SequenceEqual(all.Select(r => r.Id).Order()), $"{context}: query returned {all.Count}, model allows {readable.Count}");
        Assert.Equal(readable.Count, await me.Records.CountAsync(RecordQuery.For(Entity)));
        Assert.Equal(readable.Count, (await me.Records.QueryAsync(RecordQuery.For(Entity).Take(1) with { IncludeTotalCount = true })).TotalCount);

        // Get by id: readable ones come back, the others look missing.
        for (var i = 0; i < model.Records.Count; i++)
        {
            var got = await me.Records.GetAsync(Entity, model.Records[i].Id);
            Assert.True(readable.Contains(model.Records[i].Id) == got is not null, $"{context}: get of record {i}");
        }

        // Report: counts per owner only over readable records.
        var report = await me.Records.AggregateAsync(AggregateQuery.For(Entity) with { GroupBy = ["ownerId"] });
        var expectedGroups = model.Records.Where(r => readable.Contains(r.Id)).GroupBy(r => r.OwnerId).ToDictionary(g => g.Key?.ToString() ?? "-", g => (long)g.Count());
        Assert.Equal(expectedGroups.OrderBy(p => p.Key), report.ToDictionary(r => r.Keys["ownerId"]?.ToString() ?? "-", r => (long)r.Values["count"]!).OrderBy(p => p.Key));

        // Screen pop by phone number.
        foreach (var phone in model.Records.Select(r => (string)r[ContactFields.Phone]!).Distinct())
        {
            var found = await me.Contacts.FindByPhoneAsync(phone);
            var expected = model.Records.Where(r => (string)r[ContactFields.Phone]! == phone && readable.Contains(r.Id)).Select(r => r.Id).Order();
            Assert.True(expected.SequenceEqual(found.Select(r => r.Id).Order()), $"{context}: screen pop {phone}");
        }

        // Export: refused without the privilege, else exactly the exportable records.
        if (model.Depth(user, RecordPrivilege.Export) == AccessDepth.None)
        {
            await Assert.ThrowsAsync<CrmAccessDeniedException>(async () => await me.Records.ExportAsync(RecordQuery.For(Entity)).ToListAsync());
        }
        else
        {
            var exported = await me.Records.ExportAsync(RecordQuery.For(Entity)).ToListAsync();
            var expected = model.Records.Where((r, i) => model.Allows(user, i, RecordPrivilege.Read) && model.Covers(user, i, model.Depth(user, RecordPrivilege.Export)));
            Assert.True(expected.Select(r => r.Id).Order().SequenceEqual(exported.Select(r => r.Id).Order()), $"{context}: export");
        }

        // Writes: allowed, refused as missing, or refused as forbidden, as the model says.
        for (var i = 0; i < model.Records.Count; i++)
        {
            var id = model.Records[i].Id;
            var change = V((ContactFields.JobTitle, $"by user {user}"));
            if (model.Allows(user, i, RecordPrivilege.Write))
            {
                await me.Records.UpdateAsync(Entity, id, null, change);
            }
            else if (readable.Contains(id))
            {
                await Assert.ThrowsAsync<CrmAccessDeniedException>(() => me.Records.UpdateAsync(Entity, id, null, change));
            }
            else
            {
                await Assert.ThrowsAsync<CrmNotFoundException>(() => me.Records.UpdateAsync(Entity, id, null, change));
            }
        }
    }

    /// <summary>The reference model: the privilege rules of docs/security.md, written as plainly as possible.</summary>
    private sealed class Model(World world, List<Guid> units, List<Guid> users, List<Guid> teams, List<CrmRecord> records)
    {
        public List<CrmRecord> Records { get; } = records;

        public AccessDepth Depth(int user, RecordPrivilege privilege)
        {
            var depth = AccessDepth.None;
            for (var r = 0; r < world.Roles.Length; r++)
            {
                var held = world.UserRoles[user][r] || Enumerable.Range(0, teams.Count).Any(t => world.TeamMembers[t][user] && world.TeamRoles[t][r]);
                if (!held)
                {
                    continue;
                }

                var role = world.Roles[r];
                var d = privilege switch
                {
                    RecordPrivilege.Read => role.Read,
                    RecordPrivilege.Write => role.Write,
                    _ => role.Export,
                };
                depth = (AccessDepth)Math.Max((int)depth, (int)d);
            }

            return depth;
        }

        public bool Covers(int user, int record, AccessDepth depth)
        {
            var owner = Records[record].OwnerId;
            if (depth == AccessDepth.Tenant)
            {
                return true;
            }

            if (depth == AccessDepth.None || owner is null)
            {
                return false;
            }

            var teamIndex = teams.IndexOf(owner.Value);
            if (owner == users[user] || (teamIndex >= 0 && world.TeamMembers[teamIndex][user]))
            {
                return true;
            }

            var ownerUnit = teamIndex >= 0 ? world.TeamUnits[teamIndex] : world.UserUnits[users.IndexOf(owner.Value)];
            var userUnit = world.UserUnits[user];
            return depth switch
            {
                AccessDepth.Unit => ownerUnit == userUnit,
                AccessDepth.UnitAndBelow => IsAtOrBelow(ownerUnit, userUnit),
                _ => false,
            };
        }

        public bool Allows(int user, int record, RecordPrivilege privilege)
        {
            if (Covers(user, record, Depth(user, privilege)))
            {
                return true;
            }

            // Sharing the same record with the same principal again replaces the earlier rights.
            var shares = world.Shares.GroupBy(s => (s.Record, s.ToTeam, s.Principal)).Select(g => g.Last());
            return shares.Any(s =>
                s.Record == record
                && (s.ToTeam ? world.TeamMembers[s.Principal][user] : s.Principal == user)
                && (privilege == RecordPrivilege.Read || (privilege == RecordPrivilege.Write && s.Write)));
        }

        private bool IsAtOrBelow(int unit, int ancestor)
        {
            // Unit 0 is the root; unit i (i >= 1) has parent world.UnitParents[i - 1].
            for (var u = unit; ; u = world.UnitParents[u - 1])
            {
                if (u == ancestor)
                {
                    return true;
                }

                if (u == 0)
                {
                    return false;
                }
            }
        }

        public override string ToString() => $"{units.Count} units";
    }
}
