using System.Text.Json;
using System.Text.Json.Serialization;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Security;

namespace Crm.Engine.Security;

/// <summary>The stored form of a role's privileges (the <c>definition</c> column) and how a role answers "how deep?".</summary>
internal static class RoleJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static string Write(SecurityRole role) =>
        JsonSerializer.Serialize(new Stored(role.Description, [.. role.Privileges], [.. role.FieldGrants], [.. role.TenantPrivileges]), Options);

    public static SecurityRole Read(string key, string name, string json, bool isSystem = false)
    {
        var stored = JsonSerializer.Deserialize<Stored>(json, Options) ?? new Stored(null, [], [], []);
        return new SecurityRole(key, name)
        {
            Description = stored.Description,
            IsSystem = isSystem,
            Privileges = stored.Privileges ?? [],
            FieldGrants = stored.Fields ?? [],
            TenantPrivileges = stored.Tenant ?? [],
        };
    }

    /// <summary>The role's depth for a privilege on an entity type: its entry for the entity type, else its <c>*</c> entry, else none.</summary>
    public static AccessDepth DepthFor(this SecurityRole role, string entityType, RecordPrivilege privilege)
    {
        var named = role.Privileges.Where(p => p.Privilege == privilege && string.Equals(p.EntityType, entityType, StringComparison.Ordinal)).ToList();
        if (named.Count > 0)
        {
            return named.Max(p => p.Depth);
        }

        var any = role.Privileges.Where(p => p.Privilege == privilege && p.EntityType == EntityPrivilege.AnyEntity).ToList();
        return any.Count > 0 ? any.Max(p => p.Depth) : AccessDepth.None;
    }

    private sealed record Stored(string? Description, EntityPrivilege[]? Privileges, FieldGrant[]? Fields, TenantPrivilege[]? Tenant);
}

/// <summary>The roles every tenant starts with (<see cref="SystemRoles"/>), described in docs/security.md.</summary>
internal static class SystemRoleCatalog
{
    private static readonly string[] Customers = [CoreEntities.Account, CoreEntities.Contact];

    public static IReadOnlyList<SecurityRole> All { get; } =
    [
        new SecurityRole(SystemRoles.Administrator, "Administrator")
        {
            Description = "Everything in the tenant, including every secured field and the tenant privileges. Cannot be edited.",
            Privileges = Every(EntityPrivilege.AnyEntity, AccessDepth.Tenant),
            TenantPrivileges = Enum.GetValues<TenantPrivilege>(),
        },
        new SecurityRole(SystemRoles.SalesRep, "Sales representative")
        {
            Description = "Creates and works their own customers, opportunities and activities; reads their unit's.",
            Privileges =
            [
                .. Every(EntityPrivilege.AnyEntity, AccessDepth.Own, except: RecordPrivilege.Export),
                .. Customers.Append(CoreEntities.Activity).Select(e => new EntityPrivilege(e, RecordPrivilege.Read, AccessDepth.Unit)),
            ],
        },
        new SecurityRole(SystemRoles.SalesManager, "Sales manager")
        {
            Description = "Everything of the unit and the units below it, including export.",
            Privileges = Every(EntityPrivilege.AnyEntity, AccessDepth.UnitAndBelow),
        },
        new SecurityRole(SystemRoles.ServiceAgent, "Service agent")
        {
            Description = "Works the unit's service records (and those in their queues); reads every customer for caller identification.",
            Privileges =
            [
                new(EntityPrivilege.AnyEntity, RecordPrivilege.Create, AccessDepth.Own),
                new(EntityPrivilege.AnyEntity, RecordPrivilege.Read, AccessDepth.Unit),
                new(EntityPrivilege.AnyEntity, RecordPrivilege.Write, AccessDepth.Unit),
                new(EntityPrivilege.AnyEntity, RecordPrivilege.Assign, AccessDepth.Unit),
                new(EntityPrivilege.AnyEntity, RecordPrivilege.Share, AccessDepth.Own),
                .. Customers.Select(e => new EntityPrivilege(e, RecordPrivilege.Read, AccessDepth.Tenant)),
                .. Customers.Select(e => new EntityPrivilege(e, RecordPrivilege.Write, AccessDepth.Own)),
            ],
        },
        new SecurityRole(SystemRoles.ServiceManager, "Service manager")
        {
            Description = "Everything of the unit and the units below it; reads every customer.",
            Privileges =
            [
                .. Every(EntityPrivilege.AnyEntity, AccessDepth.UnitAndBelow),
                .. Customers.Select(e => new EntityPrivilege(e, RecordPrivilege.Read, AccessDepth.Tenant)),
            ],
        },
        new SecurityRole(SystemRoles.MarketingUser, "Marketing user")
        {
            Description = "Works their own campaigns and lists; reads and exports every customer for targeting.",
            Privileges =
            [
                .. Every(EntityPrivilege.AnyEntity, AccessDepth.Own, except: RecordPrivilege.Export),
                .. Customers.Select(e => new EntityPrivilege(e, RecordPrivilege.Read, AccessDepth.Tenant)),
                .. Customers.Select(e => new EntityPrivilege(e, RecordPrivilege.Export, AccessDepth.Tenant)),
            ],
        },
        new SecurityRole(SystemRoles.ReadOnly, "Read-only")
        {
            Description = "Reads every record; changes nothing.",
            Privileges = [new(EntityPrivilege.AnyEntity, RecordPrivilege.Read, AccessDepth.Tenant)],
        },
    ];

    private static EntityPrivilege[] Every(string entityType, AccessDepth depth, RecordPrivilege? except = null) =>
        [.. Enum.GetValues<RecordPrivilege>().Where(p => p != except).Select(p => new EntityPrivilege(entityType, p, depth))];
}
