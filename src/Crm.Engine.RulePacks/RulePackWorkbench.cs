using System.Globalization;
using System.Text.Json;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Work;
using Crm.Engine.RulePacks.Actions;
using Crm.Engine.RulePacks.Compilation;
using Crm.Engine.RulePacks.Expressions;
using Crm.Engine.RulePacks.Schema;

namespace Crm.Engine.RulePacks;

/// <summary>The outcome of testing a pack on sample facts.</summary>
/// <param name="Errors">The pack's errors (when any, nothing was evaluated).</param>
/// <param name="Evaluation">What fired and which actions would be taken (a dry run), or <see langword="null"/>.</param>
/// <param name="Explanation">The explanation of the requested rule, or empty.</param>
public sealed record RulePackTestResult(IReadOnlyList<RulePackError> Errors, RuleEvaluationResult? Evaluation, IReadOnlyList<string> Explanation)
{
    /// <summary>
    /// When the rule to explain is not an enabled rule of the pack: why (with the closest names), also the only line of
    /// <see cref="Explanation"/>; otherwise <see langword="null"/>.
    /// </summary>
    public string? UnknownRule { get; init; }
}

/// <summary>
/// What a facts file gives a dry run: the facts (records, <see cref="RecordChange"/>s for records given as created or
/// updated, events), the business calendars to use, and the time zone of calendars that name none.
/// </summary>
/// <param name="Facts">The facts.</param>
/// <param name="Calendars">Business calendars by key (a pack's calendar not given here is the default one: Monday to Friday 09:00–17:00).</param>
/// <param name="TimeZone">The IANA time zone of calendars without one (the tenant's time zone); UTC by default.</param>
public sealed record RulePackSample(IReadOnlyList<object> Facts, IReadOnlyList<BusinessCalendarDefinition> Calendars, string TimeZone = "UTC");

/// <summary>
/// Validates and dry-runs a pack outside any stored rule base (what <c>crm rules validate/test/explain</c> use): against
/// given entity metadata and action catalogue, with no side effects.
/// </summary>
public sealed class RulePackWorkbench
{
    private static readonly JsonSerializerOptions EntityJson = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    private readonly FactSchema _schema;
    private readonly IRuleActionCatalog _catalog;
    private readonly IReadOnlyList<TenantEntity> _entities;

    /// <summary>Creates a workbench.</summary>
    /// <param name="entities">The metadata packs are checked against (a tenant's, or the built-in entities).</param>
    /// <param name="catalog">The registered actions.</param>
    public RulePackWorkbench(IEnumerable<TenantEntity> entities, IRuleActionCatalog catalog)
    {
        _entities = [.. entities];
        _schema = new FactSchema(_entities);
        _catalog = catalog;
    }

    /// <summary>Creates a workbench from entity definitions (no tenant labels).</summary>
    /// <param name="entities">The entity definitions.</param>
    /// <param name="catalog">The registered actions.</param>
    /// <returns>The workbench.</returns>
    public static RulePackWorkbench FromDefinitions(IEnumerable<EntityDefinition> entities, IRuleActionCatalog catalog) =>
        new(entities.Select(e => new TenantEntity(e, e.DisplayName, e.PluralName ?? e.DisplayName, [.. e.Fields.Select(f => new TenantField(f, f.Label ?? f.ApiName))])), catalog);

    /// <summary>
    /// Adds entity definitions read from JSON (an array of entity definitions, as plugins declare them) to built-in
    /// ones; an entity with the API name of a built-in one adds its fields to it. Lets packs be validated against
    /// entities of modules or custom fields a database does not have.
    /// </summary>
    /// <param name="builtIn">The built-in entities.</param>
    /// <param name="json">The JSON text.</param>
    /// <returns>The merged definitions.</returns>
    public static IReadOnlyList<EntityDefinition> MergeEntities(IEnumerable<EntityDefinition> builtIn, string json)
    {
        var extra = JsonSerializer.Deserialize<List<EntityDefinition>>(json, EntityJson) ?? [];
        var merged = builtIn.ToDictionary(e => e.ApiName, StringComparer.Ordinal);
        foreach (var entity in extra)
        {
            merged[entity.ApiName] = merged.TryGetValue(entity.ApiName, out var existing)
                ? existing with { Fields = [.. existing.Fields, .. entity.Fields] }
                : entity;
        }

        return [.. merged.Values];
    }

    /// <summary>Validates a pack: every error with file, rule, line and column.</summary>
    /// <param name="packText">The YAML or JSON text.</param>
    /// <param name="fileName">The file name used in messages.</param>
    /// <returns>The errors; empty when valid.</returns>
    public IReadOnlyList<RulePackError> Validate(string packText, string fileName)
    {
        var errors = new List<RulePackError>();
        new PackCompiler(_schema, _catalog).Compile([(fileName, packText)], [], errors);
        return errors;
    }

    /// <summary>Dry-runs a pack on facts: which rules fire in which order and which actions they would take.</summary>
    /// <param name="packText">The YAML or JSON text.</param>
    /// <param name="fileName">The file name used in messages.</param>
    /// <param name="facts">The facts (records and events).</param>
    /// <param name="explainRule">A rule to explain (why it fired or which condition failed for which fact).</param>
    /// <returns>The result.</returns>
    public RulePackTestResult Test(string packText, string fileName, IEnumerable<object> facts, string? explainRule = null) =>
        TestAsync(packText, fileName, new RulePackSample([.. facts], []), explainRule, null, CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>
    /// Dry-runs a pack on a sample (facts, record changes, calendars). Business calendars the pack uses come from the
    /// sample, else from <paramref name="tenantCalendars"/> (a tenant's stored calendars), else the default calendar
    /// (Monday to Friday 09:00–17:00 in the sample's time zone; a warning names any other key it stands in for).
    /// </summary>
    /// <param name="packText">The YAML or JSON text.</param>
    /// <param name="fileName">The file name used in messages.</param>
    /// <param name="sample">The facts and calendars.</param>
    /// <param name="explainRule">A rule to explain.</param>
    /// <param name="tenantCalendars">Loads a tenant's calendar by key (null when it has none), or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The result.</returns>
    public async Task<RulePackTestResult> TestAsync(
        string packText,
        string fileName,
        RulePackSample sample,
        string? explainRule = null,
        Func<string, CancellationToken, Task<IBusinessCalendar?>>? tenantCalendars = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sample);
        var errors = new List<RulePackError>();
        var compiled = new PackCompiler(_schema, _catalog).Compile([(fileName, packText)], [], errors);
        if (compiled is null)
        {
            return new RulePackTestResult(errors, null, []);
        }

        var warnings = new List<string>();
        var calendars = new Dictionary<string, IBusinessCalendar>(StringComparer.Ordinal);
        foreach (var key in compiled.CalendarKeys)
        {
            var given = sample.Calendars.FirstOrDefault(c => c.Key == key);
            var loaded = given is null && tenantCalendars is not null ? await tenantCalendars(key, cancellationToken).ConfigureAwait(false) : null;
            if (given is null && loaded is null && key != BusinessCalendarDefinition.DefaultKey)
            {
                warnings.Add($"business calendar '{key}' is not in the facts file; the dry run uses Monday to Friday 09:00-17:00 ({sample.TimeZone}) for it.");
            }

            calendars[key] = loaded ?? Crm.Engine.Work.Calendars.BusinessCalendars.Create(given ?? Crm.Engine.Work.Calendars.BusinessCalendars.Default(key), FindZone(given?.TimeZone ?? sample.TimeZone, key));
        }

        var context = new EvaluationContext(calendars);
        var ruleBase = new RuleBase("(test)", 0, compiled, [], new Dictionary<string, string> { [fileName] = packText });
        var (result, session) = ruleBase.Evaluate(sample.Facts, dryRun: true, services: null, context, cancellationToken);
        result = result with { Warnings = [.. warnings, .. result.Warnings] };
        return new RulePackTestResult(errors, result, explainRule is null ? [] : ruleBase.Explain(session, explainRule, context))
        {
            UnknownRule = explainRule is null ? null : ruleBase.UnknownRule(explainRule),
        };
    }

    /// <summary>
    /// Reads sample facts from JSON: an array (or <c>{"facts": [...]}</c>) of objects with <c>type</c> (an entity's API
    /// name or <c>DeadlineReached</c>), optional <c>id</c> and <c>ownerId</c>, and field values (under <c>values</c>
    /// or beside <c>type</c>), converted to the fields' types.
    /// </summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The facts.</returns>
    /// <exception cref="CrmException">A fact names an unknown type or field, or a value does not fit its field.</exception>
    public IReadOnlyList<object> ReadFacts(string json) => ReadSample(json).Facts;

    /// <summary>
    /// Reads a facts file: an array of facts, or an object with <c>facts</c>, optional <c>calendars</c> (business
    /// calendars by key: <c>timeZone</c>, <c>workingHours</c> such as <c>{"monday": ["09:00-17:00"]}</c>,
    /// <c>holidays</c>) and optional <c>timeZone</c> (the tenant's). A record fact with <c>"change": "created"</c> or
    /// <c>"change": {"previous": {field: value before}}</c> is read as a <see cref="RecordChange"/>.
    /// </summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The sample.</returns>
    /// <exception cref="CrmException">A fact or calendar is invalid (the message says which and why).</exception>
    public RulePackSample ReadSample(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var calendars = new List<BusinessCalendarDefinition>();
        var timeZone = "UTC";
        if (root.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in root.EnumerateObject())
            {
                if (property.Name is not ("facts" or "calendars" or "timeZone"))
                {
                    throw Invalid($"unknown key '{property.Name}' in the facts file{Suggest.Hint(property.Name, ["facts", "calendars", "timeZone"])}.");
                }
            }

            if (root.TryGetProperty("timeZone", out var zone))
            {
                timeZone = zone.GetString() ?? "UTC";
                FindZone(timeZone, "(facts file)");
            }

            if (root.TryGetProperty("calendars", out var calendarList))
            {
                calendars.AddRange(FactsFileCalendars.Read(calendarList, timeZone));
            }

            if (!root.TryGetProperty("facts", out root))
            {
                throw Invalid("the facts file object needs a 'facts' array.");
            }
        }

        if (root.ValueKind != JsonValueKind.Array)
        {
            throw Invalid("the facts file is a JSON array of facts, or an object with a 'facts' array.");
        }

        var facts = new List<object>();
        var index = 0;
        foreach (var item in root.EnumerateArray())
        {
            index++;
            facts.Add(ReadFact(item, index));
        }

        return new RulePackSample(facts, calendars, timeZone);
    }

    private static TimeZoneInfo FindZone(string id, string calendar)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw Invalid($"calendar {calendar}: unknown time zone '{id}' (use an IANA id such as 'Europe/Berlin').");
        }
    }

    private object ReadFact(JsonElement item, int index)
    {
        if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("type", out var typeElement) || typeElement.GetString() is not { } type)
        {
            throw Invalid($"fact {index}: each fact is an object with a 'type'.");
        }

        if (type == nameof(DeadlineReached))
        {
            string? Text(string name) => item.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            var due = Text("dueAt") is { } d ? DateTimeOffset.Parse(d, CultureInfo.InvariantCulture) : DateTimeOffset.UnixEpoch;
            return new DeadlineReached(
                "(test)",
                due,
                Text("timerId") is { } t ? Guid.Parse(t) : Guid.NewGuid(),
                Text("timerKey") ?? string.Empty,
                Text("eventName") ?? string.Empty,
                Text("recordId") is { } r ? Guid.Parse(r) : null,
                due,
                new Dictionary<string, string?>());
        }

        var entity = _entities.FirstOrDefault(e => e.ApiName == type)
            ?? throw Invalid($"fact {index}: unknown type '{type}'{Suggest.Hint(type, _entities.Select(e => e.ApiName).Append(nameof(DeadlineReached)))}.");
        var id = item.TryGetProperty("id", out var idElement) ? Guid.Parse(idElement.GetString()!) : Guid.NewGuid();
        Guid? owner = item.TryGetProperty("ownerId", out var ownerElement) ? Guid.Parse(ownerElement.GetString()!) : null;
        var source = item.TryGetProperty("values", out var v) ? v : item;
        var values = ReadValues(entity, source, index, type);
        var stamp = DateTimeOffset.UnixEpoch;
        var record = new CrmRecord(type, id, 1, values, new RecordStamps(owner, stamp, null, stamp, null));
        if (!item.TryGetProperty("change", out var change))
        {
            return record;
        }

        if (change.ValueKind == JsonValueKind.String && change.GetString() == "created")
        {
            return RecordChange.Created(record);
        }

        if (change.ValueKind == JsonValueKind.Object && change.TryGetProperty("previous", out var previous) && previous.ValueKind == JsonValueKind.Object
            && change.EnumerateObject().All(p => p.Name == "previous"))
        {
            var before = ReadValues(entity, previous, index, type);
            var merged = new Dictionary<string, object?>(values, StringComparer.Ordinal);
            foreach (var (name, value) in before)
            {
                merged[name] = value;
            }

            return RecordChange.Updated(new CrmRecord(type, id, 1, merged, record.Stamps), record, [.. before.Keys]);
        }

        throw Invalid($"fact {index} ({type}): 'change' is \"created\" or {{\"previous\": {{<field>: <value before>, ...}}}} (the fields listed changed).");
    }

    private static Dictionary<string, object?> ReadValues(TenantEntity entity, JsonElement source, int index, string type)
    {
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var property in source.EnumerateObject())
        {
            if (property.Name is "type" or "id" or "ownerId" or "values" or "change")
            {
                continue;
            }

            var field = entity.FindField(property.Name)
                ?? throw Invalid($"fact {index} ({type}): unknown field '{property.Name}'{Suggest.Hint(property.Name, entity.Fields.Select(f => f.ApiName))}.");
            values[property.Name] = Convert(property.Value, field.Type, $"fact {index} ({type}).{property.Name}");
        }

        return values;
    }

    private static object? Convert(JsonElement value, FieldType type, string where)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        try
        {
            return type switch
            {
                FieldType.Number or FieldType.Money => value.GetDecimal(),
                FieldType.Bool => value.GetBoolean(),
                FieldType.Date => DateOnly.Parse(value.GetString()!, CultureInfo.InvariantCulture),
                FieldType.DateTime => DateTimeOffset.Parse(value.GetString()!, CultureInfo.InvariantCulture),
                FieldType.Lookup => RecordRef.TryParse(value.GetString(), out var reference) ? reference : Guid.Parse(value.GetString()!),
                FieldType.MultiChoice => (IReadOnlyList<string>)[.. value.EnumerateArray().Select(e => e.GetString() ?? string.Empty)],
                _ => value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText(),
            };
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException)
        {
            throw Invalid($"{where}: '{value.GetRawText()}' is not a valid {type} value.");
        }
    }

    private static CrmException Invalid(string message) => new(CrmErrorCodes.Validation, message);
}
