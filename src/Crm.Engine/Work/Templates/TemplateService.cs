using System.Data.Common;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Work;
using Dapper;

namespace Crm.Engine.Work.Templates;

/// <summary>A tenant's templates: checked when saved, rendered in the sandbox of <see cref="TemplateRenderer"/>.</summary>
internal sealed class TemplateService(WorkContext context, TemplateRenderer renderer) : ITemplateService
{
    public Task SaveAsync(TemplateDefinition definition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (string.IsNullOrWhiteSpace(definition.Key))
        {
            throw new CrmValidationException(new CrmValidationError("template", "key", definition.Key, "required", "a template needs a key, e.g. 'complaint-received'."));
        }

        if (definition.Subject is not null)
        {
            renderer.Parse(definition.Key, "subject", definition.Subject);
        }

        renderer.Parse(definition.Key, "body", definition.Body ?? string.Empty);
        return context.WriteAsync(async scope => await scope.Connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO work_templates (tenant_id, template_key, subject, body, updated_at) VALUES (@tenant, @key, @subject, @body, @at) " +
            "ON CONFLICT (tenant_id, template_key) DO UPDATE SET subject = excluded.subject, body = excluded.body, updated_at = excluded.updated_at",
            new { tenant = context.TenantId, key = definition.Key, subject = definition.Subject, body = definition.Body ?? string.Empty, at = WorkContext.Time(context.Now) },
            scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false), cancellationToken);
    }

    public Task<TemplateDefinition?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        return context.ReadAsync((c, tx) => FindAsync(c, tx, key, cancellationToken), cancellationToken);
    }

    public Task<RenderedTemplate> RenderAsync(string key, IReadOnlyDictionary<string, object?> data, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        ArgumentNullException.ThrowIfNull(data);
        return context.ReadAsync((c, tx) => RenderAsync(c, tx, key, data, cancellationToken), cancellationToken);
    }

    internal async Task<RenderedTemplate> RenderAsync(DbConnection c, DbTransaction? tx, string key, IReadOnlyDictionary<string, object?> data, CancellationToken cancellationToken)
    {
        var template = await FindAsync(c, tx, key, cancellationToken).ConfigureAwait(false)
            ?? throw new CrmValidationException(new CrmValidationError("template", "key", key, "not_found", $"no template with key '{key}' exists in this tenant."));
        var subject = template.Subject is null ? null : await renderer.RenderAsync(key, "subject", template.Subject, data).ConfigureAwait(false);
        var body = await renderer.RenderAsync(key, "body", template.Body, data).ConfigureAwait(false);
        return new RenderedTemplate(subject, body);
    }

    private async Task<TemplateDefinition?> FindAsync(DbConnection c, DbTransaction? tx, string key, CancellationToken cancellationToken)
    {
        var row = await c.QuerySingleOrDefaultAsync<(string Key, string? Subject, string Body)>(new CommandDefinition(
            "SELECT template_key, subject, body FROM work_templates WHERE tenant_id = @tenant AND template_key = @key", new { tenant = context.TenantId, key }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row.Key is null ? null : new TemplateDefinition(row.Key, row.Subject, row.Body);
    }
}
