namespace Crm.Engine.Abstractions.Errors;

/// <summary>
/// The record does not exist in this tenant, or the caller may not see it. The two cases are deliberately
/// indistinguishable so that ids cannot be probed.
/// </summary>
public sealed class CrmNotFoundException : CrmException
{
    /// <summary>Creates the error for one record.</summary>
    /// <param name="entityType">The entity type asked for.</param>
    /// <param name="id">The id asked for.</param>
    public CrmNotFoundException(string entityType, Guid id)
        : base(CrmErrorCodes.NotFound, $"No {entityType} with id {id} was found.")
    {
        EntityType = entityType;
        Id = id;
    }

    /// <summary>Creates the error for something named rather than identified by id.</summary>
    /// <param name="what">What was looked for, e.g. <c>entity type 'invoice'</c>.</param>
    public CrmNotFoundException(string what)
        : base(CrmErrorCodes.NotFound, $"{what} was not found.")
    {
        EntityType = string.Empty;
    }

    /// <summary>The entity type asked for (empty when the error is about something else).</summary>
    public string EntityType { get; }

    /// <summary>The id asked for, if the lookup was by id.</summary>
    public Guid? Id { get; }
}

/// <summary>The tenant does not exist.</summary>
public sealed class CrmTenantNotFoundException : CrmException
{
    /// <summary>Creates the error.</summary>
    /// <param name="tenantId">The tenant id asked for.</param>
    public CrmTenantNotFoundException(string tenantId)
        : base(CrmErrorCodes.NotFound, $"Tenant '{tenantId}' does not exist. Create it first (ICrmEngine.Tenants.CreateAsync or `crm tenant create`).")
    {
        TenantId = tenantId;
    }

    /// <summary>The tenant id asked for.</summary>
    public string TenantId { get; }
}

/// <summary>The record changed since the caller read it (optimistic concurrency). Nothing was written.</summary>
public sealed class CrmConcurrencyException : CrmException
{
    /// <summary>Creates the error.</summary>
    /// <param name="entityType">The entity type.</param>
    /// <param name="id">The record id.</param>
    /// <param name="expectedVersion">The version the caller based the change on.</param>
    /// <param name="actualVersion">The version in the store.</param>
    public CrmConcurrencyException(string entityType, Guid id, long expectedVersion, long actualVersion)
        : base(CrmErrorCodes.Concurrency,
            $"{entityType} {id} was changed by someone else: you sent version {expectedVersion}, the stored version is {actualVersion}. Read the record again and re-apply your change.")
    {
        EntityType = entityType;
        Id = id;
        ExpectedVersion = expectedVersion;
        ActualVersion = actualVersion;
    }

    /// <summary>The entity type.</summary>
    public string EntityType { get; }

    /// <summary>The record id.</summary>
    public Guid Id { get; }

    /// <summary>The version the caller based the change on.</summary>
    public long ExpectedVersion { get; }

    /// <summary>The version in the store.</summary>
    public long ActualVersion { get; }
}

/// <summary>A pipeline handler rejected the operation; the whole transaction was rolled back.</summary>
public sealed class CrmOperationRejectedException : CrmException
{
    /// <summary>Creates the error a handler throws to reject an operation.</summary>
    /// <param name="message">Why the operation is not allowed, for the user.</param>
    /// <param name="field">The field at fault, if one is.</param>
    public CrmOperationRejectedException(string message, string? field = null)
        : base(CrmErrorCodes.Rejected, message)
    {
        Field = field;
    }

    /// <summary>The field at fault, if one is.</summary>
    public string? Field { get; }
}

/// <summary>Pipeline handlers triggered each other deeper than the configured limit (a runaway loop).</summary>
public sealed class CrmDepthExceededException : CrmException
{
    /// <summary>Creates the error.</summary>
    /// <param name="maxDepth">The configured limit.</param>
    /// <param name="message">The message that went too deep.</param>
    /// <param name="entityType">The entity type of that message.</param>
    public CrmDepthExceededException(int maxDepth, string message, string entityType)
        : base(CrmErrorCodes.DepthExceeded,
            $"Pipeline depth limit {maxDepth} exceeded at {message} of {entityType}: handlers are calling each other in a loop.")
    {
        MaxDepth = maxDepth;
    }

    /// <summary>The configured limit.</summary>
    public int MaxDepth { get; }
}

/// <summary>The engine, a plugin or a definition is configured wrongly.</summary>
public sealed class CrmConfigurationException : CrmException
{
    /// <summary>Creates the error.</summary>
    /// <param name="message">What is wrong and how to fix it.</param>
    /// <param name="innerException">The underlying cause, if any.</param>
    public CrmConfigurationException(string message, Exception? innerException = null)
        : base(CrmErrorCodes.Configuration, message, innerException)
    {
    }
}

/// <summary>The record cannot be deleted because other records still refer to it.</summary>
public sealed class CrmInUseException : CrmException
{
    /// <summary>Creates the error.</summary>
    /// <param name="entityType">The entity type of the record.</param>
    /// <param name="id">The record id.</param>
    /// <param name="referenceCount">How many look-up values refer to it.</param>
    public CrmInUseException(string entityType, Guid id, long referenceCount)
        : base(CrmErrorCodes.InUse,
            $"{entityType} {id} is still referenced by {referenceCount} look-up value(s) of other records; re-point or delete those records first.")
    {
        ReferenceCount = referenceCount;
    }

    /// <summary>How many references exist.</summary>
    public long ReferenceCount { get; }
}

/// <summary>
/// The caller may see the record (or the entity type) but not do this with it: the error names the privilege or field
/// missing. Records the caller may not read are reported as <see cref="CrmNotFoundException"/> instead, so ids cannot be probed.
/// </summary>
public sealed class CrmAccessDeniedException : CrmException
{
    /// <summary>Creates the error.</summary>
    /// <param name="message">What was refused and which privilege or field access is missing.</param>
    /// <param name="entityType">The entity type, if the error is about records.</param>
    /// <param name="field">The field, if the error is about a secured field.</param>
    public CrmAccessDeniedException(string message, string? entityType = null, string? field = null)
        : base(CrmErrorCodes.AccessDenied, message)
    {
        EntityType = entityType;
        Field = field;
    }

    /// <summary>The entity type, if the error is about records.</summary>
    public string? EntityType { get; }

    /// <summary>The field, if the error is about a secured field.</summary>
    public string? Field { get; }
}
