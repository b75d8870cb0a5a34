using System.Buffers.Text;
using System.Collections;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Security;
using Crm.Engine.Metadata;
using Crm.Engine.Storage;
using Dapper;

namespace Crm.Engine.Records;

/// <summary>
/// Turns a <see cref="RecordQuery"/> into one parameterised SQL statement. Field names are checked against the
/// tenant's metadata and only ever appear in SQL as validated identifiers; every value is a parameter.
/// Keyset paging: the continuation token carries the last row's sort values and id, and the next page starts
/// strictly after them, with NULLs ordered first ascending and last descending on every provider.
/// </summary>
internal sealed class QueryBuilder(ISqlDialect dialect, TenantMetadata metadata, RecordQuery query, Security.AccessProfile access, RecordPrivilege privilege = RecordPrivilege.Read)
{
    private readonly DynamicParameters _parameters = new();
    private readonly List<CrmValidationError> _errors = [];
    private int _next;

    public DynamicParameters Parameters => _parameters;

    public (string Sql, int SortCount) BuildSelect(int defaultPageSize)
    {
        var entity = metadata.GetEntity(query.EntityType);
        var where = BuildWhere(entity);
        var sorts = query.Sort.Select(s => (Sort: s, Expression: Expression(entity, s.Field, forSort: true))).ToList();
        var pageSize = query.PageSize <= 0 ? defaultPageSize : query.PageSize;
        if (pageSize > RecordQuery.MaxPageSize)
        {
            _errors.Add(new CrmValidationError(query.EntityType, null, pageSize, "page_size", $"page size {pageSize} is above the maximum {RecordQuery.MaxPageSize}."));
        }

        if (query.ContinuationToken is not null && query.Offset > 0)
        {
            _errors.Add(new CrmValidationError(query.EntityType, null, query.Offset, "paging", "use either a continuation token or an offset, not both."));
        }

        if (query.ContinuationToken is { } token && _errors.Count == 0)
        {
            where.Add(Keyset(sorts.Select(s => (s.Expression ?? "NULL", s.Sort.Descending)).ToList(), token));
        }

        ThrowIfErrors();
        var order = string.Join(", ", sorts.Select(s => $"{s.Expression} {(s.Sort.Descending ? "DESC NULLS LAST" : "ASC NULLS FIRST")}").Append("id ASC"));
        var sortColumns = string.Concat(sorts.Select((s, i) => $", {s.Expression} AS s{i}"));
        _parameters.Add("limit", pageSize + 1);
        _parameters.Add("offset", Math.Max(0, query.Offset));
        var sql = $"SELECT {RecordStore.SelectColumns}{sortColumns} FROM records WHERE {string.Join(" AND ", where)} ORDER BY {order} LIMIT @limit OFFSET @offset";
        return (sql, sorts.Count);
    }

    public string BuildCount()
    {
        var entity = metadata.GetEntity(query.EntityType);
        var where = BuildWhere(entity);
        ThrowIfErrors();
        return $"SELECT COUNT(*) FROM records WHERE {string.Join(" AND ", where)}";
    }

    /// <summary>The report: one row per group with the group keys (g0..) then the computed columns (v0..).</summary>
    public string BuildAggregate(AggregateQuery report)
    {
        var entity = metadata.GetEntity(query.EntityType);
        var where = BuildWhere(entity);
        var groups = new List<string>();
        foreach (var field in report.GroupBy)
        {
            var expression = Expression(entity, field, forSort: true);
            groups.Add(expression ?? "NULL");
        }

        var columns = new List<string>();
        var aggregates = report.Aggregates.Count == 0 ? [new AggregateSpec(AggregateFunction.Count, null, "count")] : report.Aggregates;
        foreach (var spec in aggregates)
        {
            if (spec.Field is null)
            {
                if (spec.Function != AggregateFunction.Count)
                {
                    _errors.Add(new CrmValidationError(query.EntityType, null, spec.Alias, "aggregate", $"aggregate '{spec.Alias}': {spec.Function} needs a field."));
                }

                columns.Add("COUNT(*)");
                continue;
            }

            var expression = Expression(entity, spec.Field, forSort: true) ?? "NULL";
            if (spec.Function is AggregateFunction.Sum or AggregateFunction.Average
                && entity.FindField(spec.Field) is { } numeric && numeric.Type is not (FieldType.Number or FieldType.Money))
            {
                _errors.Add(new CrmValidationError(query.EntityType, spec.Field, spec.Alias, "aggregate", $"aggregate '{spec.Alias}': {spec.Function} needs a number or money field; {spec.Field} is {numeric.Type}."));
            }

            columns.Add(spec.Function switch
            {
                AggregateFunction.Count => $"COUNT({expression})",
                AggregateFunction.Sum => $"SUM({expression})",
                AggregateFunction.Average => $"AVG({expression})",
                AggregateFunction.Min => $"MIN({expression})",
                _ => $"MAX({expression})",
            });
        }

        ThrowIfErrors();
        var select = string.Join(", ", groups.Select((g, i) => $"{g} AS g{i}").Concat(columns.Select((c, i) => $"{c} AS v{i}")));
        var groupBy = groups.Count == 0 ? string.Empty : $" GROUP BY {string.Join(", ", groups)} ORDER BY {string.Join(", ", groups.Select(g => g + " ASC NULLS FIRST"))}";
        return $"SELECT {select} FROM records WHERE {string.Join(" AND ", where)}{groupBy}";
    }

    public string Signature() =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(
            string.Join('|', query.Sort.Select(s => s.Field + (s.Descending ? "-" : "+")).Prepend(query.EntityType)))))[..16];

    /// <summary>The token: the payload, then a check sum of it, so an edited or damaged token is refused, not followed.</summary>
    public string MakeToken(IReadOnlyList<object?> sortValues, Guid lastId)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(new TokenPayload(Signature(), sortValues.Select(v => v is DBNull ? null : v).ToArray(), lastId));
        return Base64Url.EncodeToString(payload) + "." + Checksum(payload);
    }

    private static string Checksum(ReadOnlySpan<byte> payload) => Base64Url.EncodeToString(SHA256.HashData(payload).AsSpan(0, 12));

    private List<string> BuildWhere(TenantEntity entity)
    {
        var where = new List<string> { "tenant_id = " + Add(metadata.TenantId), "entity_type = " + Add(entity.ApiName) };

        // The access filter: only rows the caller may read (and, for exports, export). Same condition for every read path.
        foreach (var p in privilege == RecordPrivilege.Read ? [RecordPrivilege.Read] : new[] { RecordPrivilege.Read, privilege })
        {
            if (access.Predicate(entity.ApiName, p, dialect, Add) is { } allowed)
            {
                where.Add(allowed);
            }
        }
        foreach (var filter in query.Filters)
        {
            if (Predicate(entity, filter) is { } predicate)
            {
                where.Add(predicate);
            }
        }

        return where;
    }

    private string? Predicate(TenantEntity entity, QueryFilter filter)
    {
        var expression = Expression(entity, filter.Field, forSort: false);
        if (expression is null)
        {
            return null;
        }

        var type = TypeOf(entity, filter.Field);
        var definition = DefinitionOf(entity, filter.Field);
        switch (filter.Operator)
        {
            case FilterOperator.IsNull:
                return $"{expression} IS NULL";
            case FilterOperator.IsNotNull:
                return $"{expression} IS NOT NULL";
            case FilterOperator.Contains or FilterOperator.StartsWith when type == FieldType.MultiChoice:
                return Fail(filter, "text operators do not apply to multi-choice fields; use Equal to test for an option.");
            case FilterOperator.Contains or FilterOperator.StartsWith:
                if (filter.Value is not string text || type is not (FieldType.Text or FieldType.Email or FieldType.Phone or FieldType.Choice))
                {
                    return Fail(filter, $"{filter.Operator} needs a text field and a text value.");
                }

                var escaped = text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
                return dialect.LikeInsensitive(expression, Add(filter.Operator == FilterOperator.Contains ? $"%{escaped}%" : $"{escaped}%"));
            case FilterOperator.InIgnoreCase:
            {
                if (type is not (FieldType.Text or FieldType.Email or FieldType.Phone or FieldType.Choice)
                    || filter.Value is string || filter.Value is not IEnumerable texts || texts.Cast<object?>().Any(t => t is not string))
                {
                    return Fail(filter, "InIgnoreCase needs a text field and a list of texts.");
                }

                if (type == FieldType.Email)
                {
                    // E-mail values are indexed in record_keys, lowered (LookupKeys): an indexed look-up, whole-Unicode folding.
                    var keys = texts.Cast<string>().Select(t => LookupKeys.Key(FieldType.Email, t)).OfType<string>().Distinct(StringComparer.Ordinal).Select(Add).ToList();
                    return keys.Count == 0 ? "1 = 0"
                        : $"id IN (SELECT k.record_id FROM record_keys k WHERE k.tenant_id = {Add(metadata.TenantId)} AND k.kind = {Add(LookupKeys.EmailKind)} AND k.field = {Add(filter.Field)} AND k.key IN ({string.Join(", ", keys)}))";
                }

                var folded = texts.Cast<string>().Select(t => dialect.CaseFold(Add(t))).ToList();
                return folded.Count == 0 ? "1 = 0" : $"{dialect.CaseFold(expression)} IN ({string.Join(", ", folded)})";
            }

            case FilterOperator.In:
                if (filter.Value is string || filter.Value is not IEnumerable items)
                {
                    return Fail(filter, "In needs a list of values.");
                }

                var names = new List<string>();
                foreach (var item in items)
                {
                    if (type == FieldType.MultiChoice)
                    {
                        // A multi-choice value is an array: it matches when it holds any of the options.
                        if (item is string option && definition.Options.Any(o => o.Value == option))
                        {
                            names.Add(dialect.JsonArrayContains("fields", filter.Field, Add(option)));
                        }
                        else
                        {
                            Fail(filter, $"'{item}' is not an option.");
                        }
                    }
                    else if (Coerce(entity, definition, filter, item) is var (ok, value) && ok)
                    {
                        names.Add(Add(value));
                    }
                }

                return names.Count == 0 ? "1 = 0"
                    : type == FieldType.MultiChoice ? $"({string.Join(" OR ", names)})"
                    : $"{expression} IN ({string.Join(", ", names)})";
            default:
            {
                if (filter.Value is null)
                {
                    return Fail(filter, $"{filter.Operator} needs a value; use IsNull or IsNotNull to test for a missing value.");
                }

                if (type == FieldType.MultiChoice)
                {
                    if (filter.Operator != FilterOperator.Equal && filter.Operator != FilterOperator.NotEqual)
                    {
                        return Fail(filter, "multi-choice fields support Equal (has the option), NotEqual, In, IsNull and IsNotNull.");
                    }

                    var option = definition.Type == FieldType.MultiChoice && filter.Value is string s ? s : null;
                    if (option is null || !definition.Options.Any(o => o.Value == option))
                    {
                        return Fail(filter, $"'{filter.Value}' is not an option.");
                    }

                    var contains = dialect.JsonArrayContains("fields", filter.Field, Add(option));
                    return filter.Operator == FilterOperator.Equal ? contains : $"NOT ({contains})";
                }

                var (valid, canonical) = Coerce(entity, definition, filter, filter.Value);
                if (!valid)
                {
                    return null;
                }

                var parameter = Add(canonical);
                return filter.Operator switch
                {
                    FilterOperator.Equal => $"{expression} = {parameter}",
                    FilterOperator.NotEqual => $"({expression} IS NULL OR {expression} <> {parameter})",
                    FilterOperator.GreaterThan => $"{expression} > {parameter}",
                    FilterOperator.GreaterOrEqual => $"{expression} >= {parameter}",
                    FilterOperator.LessThan => $"{expression} < {parameter}",
                    FilterOperator.LessOrEqual => $"{expression} <= {parameter}",
                    _ => Fail(filter, $"unknown operator {filter.Operator}."),
                };
            }
        }
    }

    private (bool Ok, object? Value) Coerce(TenantEntity entity, FieldDefinition definition, QueryFilter filter, object? value)
    {
        // Filters compare, they do not store: range, precision and option-list rules of the field do not apply.
        var loose = definition with { Required = false, MinValue = null, MaxValue = null, Precision = null, MaxLength = null };
        if (loose.Type is FieldType.Choice or FieldType.MultiChoice)
        {
            loose = loose with { Type = FieldType.Text };
        }

        if (FieldRules.TryCoerce(entity.ApiName, loose, value, out var canonical) is { } error)
        {
            _errors.Add(error with { Message = $"filter {filter.Operator}: {error.Message}" });
            return (false, null);
        }

        return (true, canonical switch
        {
            Guid g => dialect.IdParameter(g),
            DateTimeOffset t when RecordColumns.Map.ContainsKey(filter.Field) => dialect.TimeParameter(t),
            _ => RecordJson.SqlValue(canonical),
        });
    }

    private string? Expression(TenantEntity entity, string field, bool forSort)
    {
        if (RecordColumns.Map.TryGetValue(field, out var column))
        {
            return column.Column;
        }

        var definition = entity.FindField(field);
        if (definition is not null && !access.CanRead(entity.ApiName, field))
        {
            // Refused, not ignored: a filter, sort or group on a hidden field would reveal its values through the result.
            _errors.Add(new CrmValidationError(entity.ApiName, field, null, "field_access",
                $"you have no access to {entity.ApiName}.{field} (a secured field), so you cannot filter, sort or group by it."));
            return null;
        }

        if (definition is null)
        {
            var near = Suggestions.Closest(field, entity.Fields.Select(f => f.ApiName).Concat(RecordColumns.Names));
            _errors.Add(new CrmValidationError(entity.ApiName, field, null, "unknown_field",
                $"{entity.ApiName} has no field '{field}'.{(near is null ? string.Empty : $" Did you mean '{near}'?")}"));
            return null;
        }

        if (forSort && definition.Type == FieldType.MultiChoice)
        {
            _errors.Add(new CrmValidationError(entity.ApiName, field, null, "sort", $"cannot sort by the multi-choice field '{field}'."));
            return null;
        }

        return dialect.JsonValue("fields", field);
    }

    private static FieldType TypeOf(TenantEntity entity, string field) =>
        RecordColumns.Map.TryGetValue(field, out var column) ? column.Type : entity.FindField(field)!.Type;

    private static FieldDefinition DefinitionOf(TenantEntity entity, string field) =>
        RecordColumns.Map.TryGetValue(field, out var column)
            ? new FieldDefinition { ApiName = field, Type = column.Type, LookupTarget = "any" }
            : entity.FindField(field)!.Definition;

    private string Keyset(List<(string Expression, bool Descending)> sorts, string token)
    {
        TokenPayload? payload = null;
        try
        {
            var dot = token.IndexOf('.', StringComparison.Ordinal);
            var bytes = dot < 0 ? [] : Base64Url.DecodeFromChars(token.AsSpan(0, dot));
            if (dot >= 0 && string.Equals(Checksum(bytes), token[(dot + 1)..], StringComparison.Ordinal))
            {
                payload = JsonSerializer.Deserialize<TokenPayload>(bytes);
            }
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
        }

        if (payload?.Values is null || payload.Signature != Signature() || payload.Values.Length != sorts.Count)
        {
            _errors.Add(new CrmValidationError(query.EntityType, null, token, "continuation_token",
                "the continuation token is malformed or belongs to a query with other sort keys; start again without it."));
            return "1 = 0";
        }

        var id = Add(dialect.IdParameter(payload.LastId));
        var after = $"id > {id}";
        for (var i = sorts.Count - 1; i >= 0; i--)
        {
            var (expr, descending) = sorts[i];
            var value = payload.Values[i] is JsonElement e ? FromJson(e) : payload.Values[i];
            string greater, equal;
            if (value is null)
            {
                // NULL sorts first ascending (everything non-null is after it) and last descending (nothing is after it).
                greater = descending ? "1 = 0" : $"{expr} IS NOT NULL";
                equal = $"{expr} IS NULL";
            }
            else
            {
                var p = Add(value);
                greater = descending ? $"({expr} < {p} OR {expr} IS NULL)" : $"{expr} > {p}";
                equal = $"{expr} = {p}";
            }

            after = $"({greater} OR ({equal} AND {after}))";
        }

        return after;
    }

    private static object? FromJson(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number when element.TryGetInt64(out var l) => l,
        JsonValueKind.Number => element.GetDouble(),
        _ => null,
    };

    private string Add(object? value)
    {
        var name = "p" + _next++.ToString(CultureInfo.InvariantCulture);
        _parameters.Add(name, value);
        return "@" + name;
    }

    private string? Fail(QueryFilter filter, string message)
    {
        _errors.Add(new CrmValidationError(query.EntityType, filter.Field, filter.Value, "filter", message));
        return null;
    }

    private void ThrowIfErrors()
    {
        if (_errors.Count > 0)
        {
            throw new CrmValidationException(_errors);
        }
    }

    private sealed record TokenPayload(string Signature, object?[] Values, Guid LastId);
}
