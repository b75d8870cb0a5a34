using System.Data.Common;
using System.Text.Json;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Organization;
using Crm.Engine.Abstractions.Work;
using Crm.Engine.Metadata;
using Crm.Engine.Storage;
using Crm.Engine.Work;
using Dapper;

namespace Crm.Engine.Organization;

/// <summary>
/// Resolves "the users with role R responsible for record X". Search order: the unit linked to the record's customer
/// (the account itself, or the record's <c>accountId</c>), then the record owner's unit; from each, up the unit tree
/// to the root, stopping at the first unit where someone holds the role for that unit; last, tenant-wide holders.
/// </summary>
internal sealed class ResponsibilityService(WorkContext context) : IResponsibilityService
{
    private string Tenant => context.TenantId;

    public Task LinkCustomerAsync(Guid accountId, Guid unitId, CancellationToken cancellationToken = default) =>
        context.WriteAsync(async scope =>
        {
            context.AccessOf(scope).Require(Abstractions.Security.TenantPrivilege.ManageSecurity, "linking a customer to an organisation unit");
            var c = scope.Connection;
            var tx = scope.Transaction;
            var account = await c.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT COUNT(*) FROM records WHERE tenant_id = @tenant AND id = @id AND entity_type = @type",
                new { tenant = Tenant, id = context.Id(accountId), type = CoreEntities.Account }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (account == 0)
            {
                throw new CrmNotFoundException(CoreEntities.Account, accountId);
            }

            var unit = await c.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT COUNT(*) FROM org_units WHERE tenant_id = @tenant AND id = @id", new { tenant = Tenant, id = context.Id(unitId) }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (unit == 0)
            {
                throw new CrmValidationException(new CrmValidationError("unit", "id", unitId, "not_found", $"no unit with id {unitId} exists in this tenant."));
            }

            return await c.ExecuteAsync(new CommandDefinition(
                "INSERT INTO work_customer_units (tenant_id, account_id, unit_id) VALUES (@tenant, @account, @unit) ON CONFLICT (tenant_id, account_id) DO UPDATE SET unit_id = excluded.unit_id",
                new { tenant = Tenant, account = context.Id(accountId), unit = context.Id(unitId) }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }, cancellationToken);

    // A user asks only about records they may read (the same not-found answer otherwise, so ids cannot be probed).
    public Task<Guid?> GetCustomerUnitAsync(Guid accountId, CancellationToken cancellationToken = default) =>
        context.ReadAsync(async (c, tx) =>
        {
            await context.EnsureRecordAsync(c, tx, await context.AccessAsync(c, tx, cancellationToken).ConfigureAwait(false), accountId, Abstractions.Security.RecordPrivilege.Read, cancellationToken).ConfigureAwait(false);
            return await CustomerUnitAsync(c, tx, accountId, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    public Task<IReadOnlyList<CrmUser>> ResolveRoleHoldersAsync(string roleKey, Guid recordId, CancellationToken cancellationToken = default) =>
        context.ReadAsync(async (c, tx) =>
        {
            await context.EnsureRecordAsync(c, tx, await context.AccessAsync(c, tx, cancellationToken).ConfigureAwait(false), recordId, Abstractions.Security.RecordPrivilege.Read, cancellationToken).ConfigureAwait(false);
            return await ResolveAsync(c, tx, roleKey, recordId, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    internal async Task<IReadOnlyList<CrmUser>> ResolveAsync(DbConnection c, DbTransaction? tx, string roleKey, Guid recordId, CancellationToken cancellationToken)
    {
        await EnsureRoleAsync(c, tx, roleKey, cancellationToken).ConfigureAwait(false);
        var record = await c.QuerySingleOrDefaultAsync<(string EntityType, object? OwnerId, string Fields)>(new CommandDefinition(
            "SELECT entity_type, owner_id, fields FROM records WHERE tenant_id = @tenant AND id = @id", new { tenant = Tenant, id = context.Id(recordId) }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (record.EntityType is null)
        {
            throw new CrmNotFoundException("record", recordId);
        }

        var starts = new List<Guid>();
        var accountId = record.EntityType == CoreEntities.Account ? recordId : AccountOf(record.Fields);
        if (accountId is { } account && await CustomerUnitAsync(c, tx, account, cancellationToken).ConfigureAwait(false) is { } linked)
        {
            starts.Add(linked);
        }

        if (DbValues.ToNullableGuid(record.OwnerId) is { } owner)
        {
            var ownerUnit = await c.ExecuteScalarAsync<object?>(new CommandDefinition(
                "SELECT unit_id FROM users WHERE tenant_id = @tenant AND id = @id", new { tenant = Tenant, id = context.Id(owner) }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (DbValues.ToNullableGuid(ownerUnit) is { } unit)
            {
                starts.Add(unit);
            }
        }

        var parents = (await c.QueryAsync<(object Id, object? Parent)>(new CommandDefinition(
            "SELECT id, parent_id FROM org_units WHERE tenant_id = @tenant", new { tenant = Tenant }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false))
            .ToDictionary(r => DbValues.ToGuid(r.Id), r => DbValues.ToNullableGuid(r.Parent));
        foreach (var start in starts)
        {
            var visited = new HashSet<Guid>();
            for (Guid? unit = start; unit is { } u && visited.Add(u); unit = parents.GetValueOrDefault(u))
            {
                var holders = await HoldersAsync(c, tx, roleKey, u.ToString("D"), cancellationToken).ConfigureAwait(false);
                if (holders.Count > 0)
                {
                    return holders;
                }
            }
        }

        return await HoldersAsync(c, tx, roleKey, string.Empty, cancellationToken).ConfigureAwait(false);
    }

    private static Guid? AccountOf(string fields)
    {
        using var doc = JsonDocument.Parse(fields);
        return doc.RootElement.TryGetProperty(ContactFields.AccountId, out var v) && v.ValueKind == JsonValueKind.String && Guid.TryParse(v.GetString(), out var id) ? id : null;
    }

    private async Task<Guid?> CustomerUnitAsync(DbConnection c, DbTransaction? tx, Guid accountId, CancellationToken cancellationToken) =>
        DbValues.ToNullableGuid(await c.ExecuteScalarAsync<object?>(new CommandDefinition(
            "SELECT unit_id FROM work_customer_units WHERE tenant_id = @tenant AND account_id = @account", new { tenant = Tenant, account = context.Id(accountId) }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false));

    private async Task<IReadOnlyList<CrmUser>> HoldersAsync(DbConnection c, DbTransaction? tx, string roleKey, string scope, CancellationToken cancellationToken) =>
        [.. (await c.QueryAsync<(object Id, string UserName, string DisplayName, string? Email, string? Phone, object UnitId, long IsActive)>(new CommandDefinition(
            "SELECT id, user_name, display_name, email, phone, unit_id, is_active FROM users WHERE tenant_id = @tenant AND is_active = 1 AND id IN " +
            "(SELECT user_id FROM role_assignments WHERE tenant_id = @tenant AND role_key = @role AND scope_id = @scope) ORDER BY user_name",
            new { tenant = Tenant, role = roleKey, scope }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false))
            .Select(r => new CrmUser(DbValues.ToGuid(r.Id), r.UserName, r.DisplayName, r.Email, r.Phone, DbValues.ToGuid(r.UnitId), r.IsActive != 0))];

    private async Task EnsureRoleAsync(DbConnection c, DbTransaction? tx, string roleKey, CancellationToken cancellationToken)
    {
        var known = (await c.QueryAsync<string>(new CommandDefinition("SELECT role_key FROM roles WHERE tenant_id = @tenant", new { tenant = Tenant }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        if (!known.Contains(roleKey, StringComparer.Ordinal))
        {
            var near = Suggestions.Closest(roleKey ?? string.Empty, known);
            throw new CrmValidationException(new CrmValidationError("role", "key", roleKey, "unknown_role",
                $"role '{roleKey}' is not defined in this tenant.{(near is null ? " Define it first." : $" Did you mean '{near}'?")}"));
        }
    }
}
