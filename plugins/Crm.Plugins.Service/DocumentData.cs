using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Records;

namespace Crm.Plugins.Service;

/// <summary>
/// The data a case document is rendered with. Every field of each record's entity type is present, an empty one as
/// empty text (the core's templates are strict: a nil value is an undefined variable), so a template can write
/// <c>{{ case.rootCause }}</c> or <c>{% if case.rootCause != blank %}</c> for any case; a related record that is
/// missing or that the caller may not read is an empty map.
/// </summary>
internal static class DocumentData
{
    public static async Task<Dictionary<string, object?>> BuildAsync(ICrmTenant tenant, CrmRecord @case, IReadOnlyList<CrmRecord> tasks, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var entities = (await tenant.Metadata.ListEntitiesAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(e => e.ApiName, StringComparer.Ordinal);

        Dictionary<string, object?> Data(CrmRecord record)
        {
            var data = new Dictionary<string, object?>(StringComparer.Ordinal);
            if (entities.TryGetValue(record.EntityType, out var entity))
            {
                foreach (var field in entity.Fields)
                {
                    data[field.ApiName] = string.Empty;
                }
            }

            foreach (var (key, value) in record.Values)
            {
                data[key] = value ?? string.Empty;
            }

            data["id"] = record.Id;
            data["ownerId"] = record.OwnerId is { } owner ? owner : string.Empty;
            data["createdAt"] = record.Stamps.CreatedAt;
            return data;
        }

        async Task<Dictionary<string, object?>> Related(string entityType, string field)
        {
            var record = @case[field] is Guid id && entities.ContainsKey(entityType)
                ? await tenant.Records.GetAsync(entityType, id, cancellationToken).ConfigureAwait(false)
                : null;
            return record is null ? new Dictionary<string, object?>(StringComparer.Ordinal) : Data(record);
        }

        var measures = await tenant.Records.QueryAsync(
            RecordQuery.For(ServiceEntities.PreventiveMeasure).Where(PreventiveMeasureFields.CaseId, @case.Id).OrderBy("createdAt").Take(RecordQuery.MaxPageSize), cancellationToken).ConfigureAwait(false);
        var links = await tenant.Records.QueryAsync(
            RecordQuery.For(ServiceEntities.CaseArticle).Where(CaseArticleFields.CaseId, @case.Id).OrderBy("createdAt").Take(RecordQuery.MaxPageSize), cancellationToken).ConfigureAwait(false);
        var articles = new List<object?>();
        foreach (var link in links.Records)
        {
            if (link[CaseArticleFields.ArticleId] is Guid articleId && await tenant.Records.GetAsync(ServiceEntities.KnowledgeArticle, articleId, cancellationToken).ConfigureAwait(false) is { } article)
            {
                articles.Add(Data(article));
            }
        }

        return new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["case"] = Data(@case),
            ["customer"] = await Related(CoreEntities.Account, CaseFields.AccountId).ConfigureAwait(false),
            ["contact"] = await Related(CoreEntities.Contact, CaseFields.ContactId).ConfigureAwait(false),
            ["order"] = await Related(Commerce.Order, CaseFields.OrderId).ConfigureAwait(false),
            ["orderLine"] = await Related(Commerce.OrderLine, CaseFields.OrderLineId).ConfigureAwait(false),
            ["plan"] = @case[CaseFields.Plan] ?? string.Empty,
            ["rootCause"] = @case[CaseFields.RootCause] ?? string.Empty,
            ["tasks"] = tasks.Select(t => (object?)Data(t)).ToList(),
            ["measures"] = measures.Records.Select(m => (object?)Data(m)).ToList(),
            ["articles"] = articles,
            ["generatedAt"] = now,
        };
    }
}
