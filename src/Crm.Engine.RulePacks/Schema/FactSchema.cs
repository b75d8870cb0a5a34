using System.Collections.Concurrent;
using System.Linq.Expressions;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Work;
using Crm.Engine.RulePacks.Expressions;

namespace Crm.Engine.RulePacks.Schema;

/// <summary>A field an expression can read: its name, its value type in expressions and how to read it from a fact.</summary>
/// <param name="Name">The API name.</param>
/// <param name="Type">The CLR type of the value in expressions (always nullable or a reference type).</param>
/// <param name="Read">Builds the read from the fact expression.</param>
/// <param name="Options">Allowed values of a choice field (for "did you mean" on literals).</param>
internal sealed record FactField(string Name, Type Type, Func<Expression, Expression> Read, IReadOnlyList<string> Options);

/// <summary>A type of fact rules can match: a CRM entity (facts are <see cref="CrmRecord"/>) or an event class.</summary>
/// <param name="Name">The name a pack writes in <c>match</c>.</param>
/// <param name="ClrType">The facts' CLR type.</param>
/// <param name="IsRecord">Whether facts are records told apart by entity type.</param>
/// <param name="Fields">The readable fields by name.</param>
internal sealed record FactShape(string Name, Type ClrType, bool IsRecord, IReadOnlyDictionary<string, FactField> Fields);

/// <summary>
/// What a pack can match and read, built from one tenant's metadata (entities with their custom fields) plus the event
/// types. Also holds the compiled-expression cache, which is only valid for this metadata.
/// </summary>
internal sealed class FactSchema
{
    private readonly Dictionary<string, FactShape> _shapes;

    public FactSchema(IEnumerable<TenantEntity> entities)
    {
        _shapes = new Dictionary<string, FactShape>(StringComparer.Ordinal);
        foreach (var entity in entities)
        {
            _shapes[entity.ApiName] = RecordShape(entity.ApiName, entity.Fields.Select(f => f.Definition));
        }

        foreach (var shape in EventShapes())
        {
            _shapes[shape.Name] = shape;
        }
    }

    /// <summary>Conditions and parameter expressions already bound, by text and alias types.</summary>
    public ConcurrentDictionary<string, Compilation.BoundCondition> BoundCache { get; } = new(StringComparer.Ordinal);

    /// <summary>Parameter expressions already bound, by text, expected type and alias types.</summary>
    public ConcurrentDictionary<string, Compilation.BoundValue> ValueCache { get; } = new(StringComparer.Ordinal);

    public IEnumerable<string> TypeNames => _shapes.Keys;

    /// <summary>Identifies the metadata the schema was built from (a tenant's schema is rebuilt when it changes).</summary>
    public string Fingerprint { get; init; } = string.Empty;

    public FactShape? Find(string name) => _shapes.GetValueOrDefault(name);

    public static FactSchema FromDefinitions(IEnumerable<EntityDefinition> entities) =>
        new(entities.Select(e => new TenantEntity(e, e.DisplayName, e.PluralName ?? e.DisplayName, e.Fields.Select(f => new TenantField(f, f.Label ?? f.ApiName)).ToList())));

    private static FactShape RecordShape(string entityType, IEnumerable<FieldDefinition> fields)
    {
        var map = new Dictionary<string, FactField>(StringComparer.Ordinal)
        {
            ["id"] = new("id", typeof(Guid?), r => Expression.Convert(Expression.Property(r, nameof(CrmRecord.Id)), typeof(Guid?)), []),
            ["version"] = new("version", typeof(decimal?), r => Expression.Convert(Expression.Property(r, nameof(CrmRecord.Version)), typeof(decimal?)), []),
            ["ownerId"] = new("ownerId", typeof(Guid?), r => Expression.Property(r, nameof(CrmRecord.OwnerId)), []),
            ["createdAt"] = new("createdAt", typeof(DateTimeOffset?), r => Expression.Convert(Expression.Property(Expression.Property(r, nameof(CrmRecord.Stamps)), nameof(RecordStamps.CreatedAt)), typeof(DateTimeOffset?)), []),
            ["modifiedAt"] = new("modifiedAt", typeof(DateTimeOffset?), r => Expression.Convert(Expression.Property(Expression.Property(r, nameof(CrmRecord.Stamps)), nameof(RecordStamps.ModifiedAt)), typeof(DateTimeOffset?)), []),
            ["createdBy"] = new("createdBy", typeof(Guid?), r => Expression.Property(Expression.Property(r, nameof(CrmRecord.Stamps)), nameof(RecordStamps.CreatedBy)), []),
            ["modifiedBy"] = new("modifiedBy", typeof(Guid?), r => Expression.Property(Expression.Property(r, nameof(CrmRecord.Stamps)), nameof(RecordStamps.ModifiedBy)), []),
        };
        foreach (var field in fields)
        {
            var (type, reader) = field.Type switch
            {
                FieldType.Number or FieldType.Money => (typeof(decimal?), nameof(RuleRuntime.ReadNumber)),
                FieldType.Bool => (typeof(bool?), nameof(RuleRuntime.ReadBool)),
                FieldType.Date => (typeof(DateOnly?), nameof(RuleRuntime.ReadDate)),
                FieldType.DateTime => (typeof(DateTimeOffset?), nameof(RuleRuntime.ReadDateTime)),
                FieldType.Lookup => (typeof(Guid?), nameof(RuleRuntime.ReadId)),
                FieldType.MultiChoice => (typeof(IReadOnlyList<string>), nameof(RuleRuntime.ReadTextList)),
                _ => (typeof(string), nameof(RuleRuntime.ReadText)),
            };
            var name = field.ApiName;
            var method = typeof(RuleRuntime).GetMethod(reader)!;
            map[name] = new FactField(name, type, r => Expression.Call(method, r, Expression.Constant(name)), field.Options.Select(o => o.Value).ToList());
        }

        return new FactShape(entityType, typeof(CrmRecord), true, map);
    }

    private static IEnumerable<FactShape> EventShapes()
    {
        var deadline = new Dictionary<string, FactField>(StringComparer.Ordinal);
        void Add(string name, string property, Type type) =>
            deadline[name] = new FactField(name, type, e => Expression.Convert(Expression.Property(e, property), type), []);
        Add("timerKey", nameof(DeadlineReached.TimerKey), typeof(string));
        Add("eventName", nameof(DeadlineReached.EventName), typeof(string));
        Add("recordId", nameof(DeadlineReached.RecordId), typeof(Guid?));
        Add("dueAt", nameof(DeadlineReached.DueAt), typeof(DateTimeOffset?));
        Add("occurredAt", nameof(DeadlineReached.OccurredAt), typeof(DateTimeOffset?));
        Add("timerId", nameof(DeadlineReached.TimerId), typeof(Guid?));
        yield return new FactShape(nameof(DeadlineReached), typeof(DeadlineReached), false, deadline);
    }
}

/// <summary>"Did you mean" hints.</summary>
internal static class Suggest
{
    public static string Hint(string unknown, IEnumerable<string> candidates)
    {
        var list = candidates.ToList();
        var best = Suggestions.Closest(unknown, list);
        return best is not null ? $" (did you mean '{best}'?)" : list.Count is > 0 and <= 12 ? $" (known: {string.Join(", ", list.Order(StringComparer.Ordinal))})" : string.Empty;
    }
}
