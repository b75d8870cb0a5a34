using System.Globalization;
using System.Text.Json;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Records;

namespace Crm.Plugins.Marketing.Segments;

/// <summary>
/// Reads a segment's filters (a JSON array of <c>{"field", "op", "value"}</c>) into record-query filters, checked against
/// the tenant's metadata. Every problem is reported at once, each naming the filter (1-based) and the field.
/// </summary>
internal static class SegmentFilters
{
    public static readonly IReadOnlyList<string> EntityTypes = [CoreEntities.Contact, MarketingEntities.Lead, CoreEntities.Account];

    private static readonly Dictionary<string, FilterOperator> Operators = new(StringComparer.Ordinal)
    {
        ["eq"] = FilterOperator.Equal,
        ["ne"] = FilterOperator.NotEqual,
        ["gt"] = FilterOperator.GreaterThan,
        ["ge"] = FilterOperator.GreaterOrEqual,
        ["lt"] = FilterOperator.LessThan,
        ["le"] = FilterOperator.LessOrEqual,
        ["in"] = FilterOperator.In,
        ["contains"] = FilterOperator.Contains,
        ["startsWith"] = FilterOperator.StartsWith,
        ["isNull"] = FilterOperator.IsNull,
        ["isNotNull"] = FilterOperator.IsNotNull,
    };

    /// <summary>Record columns every entity type can be filtered by, with their value types.</summary>
    private static readonly Dictionary<string, FieldType> Columns = new(StringComparer.Ordinal)
    {
        ["id"] = FieldType.Lookup,
        ["ownerId"] = FieldType.Lookup,
        ["createdAt"] = FieldType.DateTime,
        ["modifiedAt"] = FieldType.DateTime,
    };

    /// <summary>Checks the entity type of a selection.</summary>
    public static void CheckEntityType(string owner, string? entityType)
    {
        if (entityType is null || !EntityTypes.Contains(entityType, StringComparer.Ordinal))
        {
            throw new CrmValidationException(new CrmValidationError(owner, SegmentFields.EntityType, entityType, "entity_type",
                $"a segment selects {string.Join(", ", EntityTypes)}; '{entityType}' is not one of them."));
        }
    }

    /// <summary>Parses and checks the filters; <paramref name="owner"/> names what they belong to in errors (segment, or the ad-hoc selection).</summary>
    public static IReadOnlyList<QueryFilter> Parse(string owner, TenantEntity entity, string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return [];
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new CrmValidationException(new CrmValidationError(owner, SegmentFields.Filters, json, "json",
                $"the filters are not valid JSON (line {(ex.LineNumber ?? 0) + 1}, position {(ex.BytePositionInLine ?? 0) + 1}): {ex.Message} Write an array like [{{\"field\":\"city\",\"op\":\"eq\",\"value\":\"Berlin\"}}]."));
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new CrmValidationException(new CrmValidationError(owner, SegmentFields.Filters, json, "json",
                    "the filters must be a JSON array of conditions, e.g. [{\"field\":\"city\",\"op\":\"eq\",\"value\":\"Berlin\"}]."));
            }

            var errors = new List<CrmValidationError>();
            var filters = new List<QueryFilter>();
            var index = 0;
            foreach (var item in document.RootElement.EnumerateArray())
            {
                index++;
                var filter = ParseOne(owner, entity, item, index, errors);
                if (filter is not null)
                {
                    filters.Add(filter);
                }
            }

            if (errors.Count > 0)
            {
                throw new CrmValidationException(errors);
            }

            return filters;
        }
    }

    private static QueryFilter? ParseOne(string owner, TenantEntity entity, JsonElement item, int index, List<CrmValidationError> errors)
    {
        void Error(string? field, object? value, string rule, string message) =>
            errors.Add(new CrmValidationError(owner, SegmentFields.Filters, value, rule, string.Create(CultureInfo.InvariantCulture, $"filter {index}{(field is null ? string.Empty : $" (field '{field}')")}: {message}")));

        if (item.ValueKind != JsonValueKind.Object)
        {
            Error(null, item.GetRawText(), "filter", "each filter is an object with 'field', 'op' and 'value'.");
            return null;
        }

        foreach (var property in item.EnumerateObject())
        {
            if (property.Name is not ("field" or "op" or "value"))
            {
                Error(null, property.Name, "unknown_key", $"unknown key '{property.Name}'; a filter has 'field', 'op' and 'value'.");
            }
        }

        var field = item.TryGetProperty("field", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
        if (string.IsNullOrEmpty(field))
        {
            Error(null, null, "required", "'field' (a field's API name) is required.");
            return null;
        }

        FieldType type;
        if (entity.FindField(field) is { } tenantField)
        {
            type = tenantField.Type;
        }
        else if (Columns.TryGetValue(field, out var columnType))
        {
            type = columnType;
        }
        else
        {
            var near = Closest(field, entity.Fields.Select(x => x.ApiName).Concat(Columns.Keys));
            Error(field, field, "unknown_field", $"{entity.ApiName} has no field '{field}'.{(near is null ? string.Empty : $" Did you mean '{near}'?")}");
            return null;
        }

        var opText = item.TryGetProperty("op", out var o) && o.ValueKind == JsonValueKind.String ? o.GetString() : "eq";
        if (opText is null || !Operators.TryGetValue(opText, out var op))
        {
            Error(field, opText, "operator", $"unknown operator '{opText}'; use one of {string.Join(", ", Operators.Keys)}.");
            return null;
        }

        if (op is FilterOperator.IsNull or FilterOperator.IsNotNull)
        {
            return new QueryFilter(field, op);
        }

        if (!item.TryGetProperty("value", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            Error(field, null, "required", $"operator '{opText}' needs a 'value'.");
            return null;
        }

        if (op is FilterOperator.Contains or FilterOperator.StartsWith && type is not (FieldType.Text or FieldType.Email or FieldType.Phone))
        {
            Error(field, opText, "operator", $"'{opText}' applies to text fields; {entity.ApiName}.{field} is {type}.");
            return null;
        }

        if (op == FilterOperator.In)
        {
            if (value.ValueKind != JsonValueKind.Array)
            {
                Error(field, value.GetRawText(), "type", "operator 'in' needs an array of values.");
                return null;
            }

            var values = new List<object?>();
            foreach (var element in value.EnumerateArray())
            {
                if (!TryConvert(element, type, out var converted))
                {
                    Error(field, element.GetRawText(), "type", $"{element.GetRawText()} is not a valid {type} value.");
                    return null;
                }

                values.Add(converted);
            }

            return new QueryFilter(field, op, values);
        }

        if (!TryConvert(value, type, out var single))
        {
            Error(field, value.GetRawText(), "type", $"{value.GetRawText()} is not a valid {type} value.");
            return null;
        }

        return new QueryFilter(field, op, single);
    }

    private static bool TryConvert(JsonElement element, FieldType type, out object? value)
    {
        value = null;
        var text = element.ValueKind == JsonValueKind.String ? element.GetString() : null;
        switch (type)
        {
            case FieldType.Number or FieldType.Money:
                if (element.ValueKind == JsonValueKind.Number && element.TryGetDecimal(out var number))
                {
                    value = number;
                    return true;
                }

                if (decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out number))
                {
                    value = number;
                    return true;
                }

                return false;
            case FieldType.Bool:
                if (element.ValueKind is JsonValueKind.True or JsonValueKind.False)
                {
                    value = element.GetBoolean();
                    return true;
                }

                return false;
            case FieldType.Date:
                if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                {
                    value = date;
                    return true;
                }

                return false;
            case FieldType.DateTime:
                if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant))
                {
                    value = instant.ToUniversalTime();
                    return true;
                }

                return false;
            case FieldType.Lookup:
                if (Guid.TryParse(text, out var id))
                {
                    value = id;
                    return true;
                }

                return false;
            default:
                if (text is null)
                {
                    return false;
                }

                value = text;
                return true;
        }
    }

    private static string? Closest(string name, IEnumerable<string> candidates) =>
        candidates
            .Select(c => (Name: c, Distance: Distance(name.ToUpperInvariant(), c.ToUpperInvariant())))
            .Where(c => c.Distance <= Math.Max(2, name.Length / 3))
            .OrderBy(c => c.Distance)
            .Select(c => c.Name)
            .FirstOrDefault();

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
