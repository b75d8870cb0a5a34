using System.Data.Common;
using System.Globalization;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Security;
using Crm.Engine.Storage;
using Dapper;

namespace Crm.Engine.Security;

/// <summary>Checks one record against the caller's <see cref="AccessProfile"/>, with the same SQL condition queries use.</summary>
internal static class RecordAccess
{
    public static async Task<bool> AllowsAsync(DbConnection connection, DbTransaction? transaction, ISqlDialect dialect, AccessProfile access, string entityType, Guid id, RecordPrivilege privilege, CancellationToken cancellationToken)
    {
        if (access.Depth(entityType, privilege) == AccessDepth.Tenant)
        {
            return true;
        }

        var parameters = new DynamicParameters();
        var next = 0;
        string Add(object? value)
        {
            var name = "a" + next++.ToString(CultureInfo.InvariantCulture);
            parameters.Add(name, value);
            return "@" + name;
        }

        var predicate = access.Predicate(entityType, privilege, dialect, Add);
        var sql = $"SELECT COUNT(*) FROM records WHERE tenant_id = {Add(access.TenantId)} AND id = {Add(dialect.IdParameter(id))} AND {predicate}";
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(sql, parameters, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false) > 0;
    }

    /// <summary>
    /// Throws unless the caller holds the privilege on the record: <see cref="CrmNotFoundException"/> when the caller
    /// may not even read it (so ids cannot be probed), <see cref="CrmAccessDeniedException"/> otherwise.
    /// </summary>
    public static async Task EnsureAsync(DbConnection connection, DbTransaction? transaction, ISqlDialect dialect, AccessProfile access, string entityType, Guid id, RecordPrivilege privilege, CancellationToken cancellationToken)
    {
        if (access.IsSystem || await AllowsAsync(connection, transaction, dialect, access, entityType, id, privilege, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        if (privilege == RecordPrivilege.Read || !await AllowsAsync(connection, transaction, dialect, access, entityType, id, RecordPrivilege.Read, cancellationToken).ConfigureAwait(false))
        {
            throw new CrmNotFoundException(entityType, id);
        }

        throw Denied(entityType, id, privilege, access);
    }

    public static CrmAccessDeniedException Denied(string entityType, Guid id, RecordPrivilege privilege, AccessProfile access) =>
        new($"you may read {entityType} {id} but not {Verb(privilege)} it: your security roles ({(access.Roles.Count == 0 ? "none" : string.Join(", ", access.Roles))}) give {privilege} on {entityType} at depth {access.Depth(entityType, privilege)}, and it is not shared with you for that.", entityType);

    public static string Verb(RecordPrivilege privilege) => privilege switch
    {
        RecordPrivilege.Write => "change",
        RecordPrivilege.Delete => "delete",
        RecordPrivilege.Assign => "assign",
        RecordPrivilege.Share => "share",
        RecordPrivilege.Export => "export",
        RecordPrivilege.Create => "create",
        _ => "read",
    };
}
