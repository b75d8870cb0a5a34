using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Organization;
using Crm.Engine.Abstractions.Pipeline;
using Crm.Engine.Abstractions.Plugins;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Security;
using static Crm.Engine.Tests.EngineFixture;

namespace Crm.Engine.Tests.Security;

/// <summary>
/// A plugin with a plain entity type (deal) for the access tests, and one handler that, when a deal is updated with
/// <c>command = "touch:{id}"</c>, changes another deal through the pipeline context (as a plugin would).
/// </summary>
public sealed class DealPlugin : ICrmPlugin
{
    public const string Deal = "deal";

    public void Configure(ICrmPluginBuilder builder)
    {
        builder.AddEntity(new EntityDefinition
        {
            ApiName = Deal,
            DisplayName = "Deal",
            PrimaryField = "title",
            Fields =
            [
                new() { ApiName = "title", Type = FieldType.Text, Required = true, MaxLength = 200 },
                new() { ApiName = "amount", Type = FieldType.Number },
                new() { ApiName = "margin", Type = FieldType.Number },
                new() { ApiName = "category", Type = FieldType.Text },
                new() { ApiName = "note", Type = FieldType.Text },
                new() { ApiName = "command", Type = FieldType.Text },
                new() { ApiName = "relatedDealId", Type = FieldType.Lookup, LookupTarget = Deal },
            ],
        });
        builder.AddPipelineHandler<TouchOtherDealHandler>(PipelineMessages.Update, Deal, PipelineStage.PostOperation);
    }
}

/// <summary>
/// Updates the deal named by the <c>command</c> field ("touch:{id}") with the caller's access: when the command is
/// set, or when the related deal changes on a deal that carries a command.
/// </summary>
public sealed class TouchOtherDealHandler : IPipelineHandler
{
    public async Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
    {
        var command = context.Target.TryGetValue("command", out var given) ? given
            : context.Target.ContainsKey("relatedDealId") ? context.PreImage?["command"] : null;
        if (command is string text
            && text.StartsWith("touch:", StringComparison.Ordinal) && Guid.TryParse(text["touch:".Length..], out var other))
        {
            await context.Records.UpdateAsync(DealPlugin.Deal, other, null, V(("note", "touched by handler")), cancellationToken);
        }
    }
}

/// <summary>The engine with the deal plugin; a fresh tenant per test.</summary>
/// <summary>Module code in a handler: a deal titled "digest: ..." gets a follow-up timer about no record, through ForContext.</summary>
public sealed class DigestPlugin : ICrmPlugin
{
    public void Configure(ICrmPluginBuilder builder) =>
        builder.AddPipelineHandler<Handler>(PipelineMessages.Create, DealPlugin.Deal, PipelineStage.PostOperation);

    public sealed class Handler(Abstractions.Work.IWorkServices work) : IPipelineHandler
    {
        public async Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
        {
            if (context.Target.TryGetValue("title", out var title) && title is string t && t.StartsWith("digest:", StringComparison.Ordinal))
            {
                await work.ForContext(context).Timers.ScheduleAsync(new Abstractions.Work.TimerRequest { Key = "digest:" + context.RecordId, EventName = "dailyDigest", DueAt = DateTimeOffset.UtcNow.AddDays(1) }, cancellationToken);
            }
        }
    }
}

public sealed class AccessFixture : EngineFixture
{
    public override Task InitializeAsync() => StartAsync(b => b.AddPlugin(new DealPlugin(), "deals").AddPlugin(new DigestPlugin(), "digest")
        .AddInProcessChannel("inprocess", (_, _) => Task.CompletedTask)
        .AddInProcessChannel("mail", (_, _) => Task.CompletedTask, Abstractions.Work.NotificationAddressKind.Email));

    /// <summary>A new tenant with an organisation builder acting as the system context.</summary>
    public async Task<Org> NewOrgAsync() => new(await NewTenantAsync("acl"));
}

/// <summary>Builds an organisation (units, users, teams, roles) and records through the tenant's system context.</summary>
public sealed class Org(ICrmTenant system)
{
    public const string Deal = DealPlugin.Deal;

    public ICrmTenant System => system;

    public async Task<Guid> RootAsync() => (await system.Organization.GetRootUnitAsync()).Id;

    public async Task<Guid> UnitAsync(string name, Guid? parent = null) => (await system.Organization.CreateUnitAsync(name, parent)).Id;

    public async Task<Guid> UserAsync(string name, Guid? unit = null, params string[] roles)
    {
        var user = await system.Organization.CreateUserAsync(new NewUser(name, name) { UnitId = unit });
        foreach (var role in roles)
        {
            await system.Security.GrantRoleAsync(SecurityPrincipal.User(user.Id), role);
        }

        return user.Id;
    }

    public async Task<Guid> TeamAsync(string name, Guid? unit, IEnumerable<Guid> members, params string[] roles)
    {
        var team = await system.Organization.CreateTeamAsync(name, unit);
        foreach (var member in members)
        {
            await system.Organization.AddTeamMemberAsync(team.Id, member);
        }

        foreach (var role in roles)
        {
            await system.Security.GrantRoleAsync(SecurityPrincipal.Team(team.Id), role);
        }

        return team.Id;
    }

    /// <summary>Saves a custom role with the given privileges (and field grants, tenant privileges).</summary>
    public async Task<string> RoleAsync(string key, IEnumerable<EntityPrivilege> privileges, IEnumerable<FieldGrant>? fields = null, IEnumerable<TenantPrivilege>? tenant = null)
    {
        await system.Security.SaveRoleAsync(new SecurityRole(key, key)
        {
            Privileges = [.. privileges],
            FieldGrants = [.. fields ?? []],
            TenantPrivileges = [.. tenant ?? []],
        });
        return key;
    }

    public ICrmTenant As(Guid user) => system.AsUser(user);

    public Task<CrmRecord> DealAsync(string title, Guid? owner, decimal? amount = null, decimal? margin = null, string? category = null) =>
        system.Records.CreateAsync(Deal, V(("title", title), ("amount", amount), ("margin", margin), ("category", category)), new CreateOptions { OwnerId = owner });

    /// <summary>Every record privilege on an entity type at one depth.</summary>
    public static IEnumerable<EntityPrivilege> Every(string entityType, AccessDepth depth) =>
        Enum.GetValues<RecordPrivilege>().Select(p => new EntityPrivilege(entityType, p, depth));

    public static EntityPrivilege P(RecordPrivilege privilege, AccessDepth depth, string entityType = Deal) => new(entityType, privilege, depth);

    /// <summary>The titles of every deal the tenant view can query, sorted.</summary>
    public static async Task<List<string>> TitlesAsync(ICrmTenant crm, RecordQuery? query = null) =>
        [.. (await ReadAllPagesAsync(crm, query ?? RecordQuery.For(Deal))).Select(r => (string)r["title"]!).Order(StringComparer.Ordinal)];

    /// <summary>A not-found message with the id taken out, to compare the error of two different ids.</summary>
    public static string Shape(Exception ex, Guid id) => ex.Message.Replace(id.ToString(), "<id>", StringComparison.OrdinalIgnoreCase);
}
