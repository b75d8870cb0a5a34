using Crm.Engine.Abstractions.Errors;

namespace Crm.Engine.Abstractions.Work;

/// <summary>A Liquid template of a tenant (notification or document).</summary>
/// <param name="Key">The key, e.g. <c>complaint-received</c>.</param>
/// <param name="Subject">The subject template (optional, for notifications).</param>
/// <param name="Body">The body template.</param>
public sealed record TemplateDefinition(string Key, string? Subject, string Body);

/// <summary>A rendered template.</summary>
/// <param name="Subject">The rendered subject, if the template has one.</param>
/// <param name="Body">The rendered body.</param>
public sealed record RenderedTemplate(string? Subject, string Body);

/// <summary>Stores, checks and renders a tenant's Liquid templates, sandboxed: only the data given is visible.</summary>
public interface ITemplateService
{
    /// <summary>Parses and stores a template (replacing one with the same key).</summary>
    /// <param name="definition">The template.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when saved.</returns>
    /// <exception cref="CrmTemplateException">The template does not parse.</exception>
    Task SaveAsync(TemplateDefinition definition, CancellationToken cancellationToken = default);

    /// <summary>Gets a template.</summary>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The template, or <see langword="null"/>.</returns>
    Task<TemplateDefinition?> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Renders a stored template with data (strings, numbers, booleans, dates, nested dictionaries and lists).</summary>
    /// <param name="key">The key.</param>
    /// <param name="data">The data.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The rendered text.</returns>
    /// <exception cref="CrmTemplateException">A field is missing or a limit was hit.</exception>
    Task<RenderedTemplate> RenderAsync(string key, IReadOnlyDictionary<string, object?> data, CancellationToken cancellationToken = default);
}

/// <summary>A template did not parse or could not be rendered.</summary>
public sealed class CrmTemplateException : CrmException
{
    /// <summary>Creates the error.</summary>
    /// <param name="templateKey">The template at fault.</param>
    /// <param name="part">Which part: <c>subject</c> or <c>body</c>.</param>
    /// <param name="line">The line (from 1), or 0 when unknown.</param>
    /// <param name="column">The column (from 1), or 0 when unknown.</param>
    /// <param name="field">The missing field, if that was the problem.</param>
    /// <param name="message">What was wrong.</param>
    /// <param name="innerException">The cause.</param>
    public CrmTemplateException(string templateKey, string part, int line, int column, string? field, string message, Exception? innerException = null)
        : base(CrmErrorCodes.Validation, message, innerException)
    {
        TemplateKey = templateKey;
        Part = part;
        Line = line;
        Column = column;
        Field = field;
    }

    /// <summary>The template at fault.</summary>
    public string TemplateKey { get; }

    /// <summary>Which part: <c>subject</c> or <c>body</c>.</summary>
    public string Part { get; }

    /// <summary>The line (from 1), or 0 when unknown.</summary>
    public int Line { get; }

    /// <summary>The column (from 1), or 0 when unknown.</summary>
    public int Column { get; }

    /// <summary>The missing field, if that was the problem.</summary>
    public string? Field { get; }
}
