namespace Crm.Engine.Abstractions.Errors;

/// <summary>Base class of every error the engine raises on purpose. <see cref="Code"/> is stable and machine-readable.</summary>
public class CrmException : Exception
{
    /// <summary>Creates an error with a stable code and a message for people.</summary>
    /// <param name="code">A stable code from <see cref="CrmErrorCodes"/> (or a plugin's own).</param>
    /// <param name="message">What was wrong and how to fix it.</param>
    /// <param name="innerException">The underlying cause, if any.</param>
    public CrmException(string code, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = code;
    }

    /// <summary>The stable error code, e.g. <c>validation</c> or <c>concurrency</c>.</summary>
    public string Code { get; }
}

/// <summary>Stable error codes used by the engine.</summary>
public static class CrmErrorCodes
{
    /// <summary>A value or a definition broke a rule of the metadata.</summary>
    public const string Validation = "validation";

    /// <summary>A record, entity type, field or tenant does not exist (or is not visible to the caller).</summary>
    public const string NotFound = "not_found";

    /// <summary>The record changed since the caller read it.</summary>
    public const string Concurrency = "concurrency";

    /// <summary>A pipeline handler rejected the operation.</summary>
    public const string Rejected = "rejected";

    /// <summary>Pipeline handlers called each other deeper than allowed.</summary>
    public const string DepthExceeded = "depth_exceeded";

    /// <summary>The engine or a plugin is configured wrongly.</summary>
    public const string Configuration = "configuration";

    /// <summary>Something with the same key already exists.</summary>
    public const string Duplicate = "duplicate";

    /// <summary>The record is still referenced by other records.</summary>
    public const string InUse = "in_use";

    /// <summary>The caller lacks the privilege or field access for the operation.</summary>
    public const string AccessDenied = "access_denied";
}
