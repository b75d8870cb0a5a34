using System.Globalization;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Records;

namespace Crm.Engine.Cli.Commands;

/// <summary>One <c>--where</c> condition as written: a field, an operator and the value's text.</summary>
/// <param name="Field">The field's API name.</param>
/// <param name="Operator">The operator as written: <c>=</c>, <c>!=</c>, <c>&gt;</c>, <c>&gt;=</c>, <c>&lt;</c>, <c>&lt;=</c> or <c>~</c> (contains).</param>
/// <param name="Text">The value's text (may be empty).</param>
internal sealed record WhereClause(string Field, string Operator, string Text)
{
    private static readonly string[] Operators = ["!=", ">=", "<=", "=", ">", "<", "~"];

    /// <summary>Reads <c>field=value</c> (or another operator).</summary>
    /// <param name="text">The option's value.</param>
    /// <returns>The clause, or <see langword="null"/> when the text is not of that form.</returns>
    public static WhereClause? TryParse(string text)
    {
        var end = 0;
        while (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] == '_'))
        {
            end++;
        }

        if (end == 0)
        {
            return null;
        }

        var op = Operators.FirstOrDefault(o => text.AsSpan(end).StartsWith(o, StringComparison.Ordinal));
        return op is null ? null : new WhereClause(text[..end], op, text[(end + op.Length)..]);
    }
}

/// <summary>Turns <c>--where</c> and <c>--sort</c> into query filters and sort keys, reading values with the field's type.</summary>
internal static class RecordFilters
{
    /// <summary>The record columns every entity type has, with their value types.</summary>
    private static readonly Dictionary<string, Type> RecordColumns = new(StringComparer.Ordinal)
    {
        ["id"] = typeof(Guid),
        ["version"] = typeof(long),
        ["ownerId"] = typeof(Guid),
        ["createdAt"] = typeof(DateTimeOffset),
        ["modifiedAt"] = typeof(DateTimeOffset),
    };

    public const string WhereSyntax = "field=value (or !=, >, >=, <, <=, ~ for contains)";

    public static QueryFilter ToFilter(TenantEntity entity, WhereClause clause)
    {
        var op = clause.Operator switch
        {
            "=" when clause.Text.Length == 0 => FilterOperator.IsNull,
            "!=" when clause.Text.Length == 0 => FilterOperator.IsNotNull,
            "=" => FilterOperator.Equal,
            "!=" => FilterOperator.NotEqual,
            ">" => FilterOperator.GreaterThan,
            ">=" => FilterOperator.GreaterOrEqual,
            "<" => FilterOperator.LessThan,
            "<=" => FilterOperator.LessOrEqual,
            _ => FilterOperator.Contains,
        };
        if (op is FilterOperator.IsNull or FilterOperator.IsNotNull)
        {
            CheckField(entity, clause.Field);
            return new QueryFilter(clause.Field, op);
        }

        return new QueryFilter(clause.Field, op, op == FilterOperator.Contains ? clause.Text : ParseValue(entity, clause.Field, clause.Text));
    }

    public static QuerySort ToSort(TenantEntity entity, string text)
    {
        var descending = text.StartsWith('-');
        var field = text.TrimStart('-', '+');
        CheckField(entity, field);
        return new QuerySort(field, descending);
    }

    /// <summary>Reads a value with the field's type: numbers invariant, dates yyyy-MM-dd, true/false, ids as GUIDs.</summary>
    public static object ParseValue(TenantEntity entity, string field, string text)
    {
        if (RecordColumns.TryGetValue(field, out var columnType))
        {
            return columnType == typeof(Guid) ? ParseGuid(field, text)
                : columnType == typeof(long) ? ParseLong(field, text)
                : ParseInstant(field, text);
        }

        var definition = CheckField(entity, field).Definition;
        return definition.Type switch
        {
            FieldType.Number or FieldType.Money => decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                ? number
                : throw Invalid(field, text, "a number (invariant, e.g. 1234.5)"),
            FieldType.Date => DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                ? date
                : throw Invalid(field, text, "a date (yyyy-MM-dd)"),
            FieldType.DateTime => ParseInstant(field, text),
            FieldType.Bool => bool.TryParse(text, out var flag) ? flag : throw Invalid(field, text, "true or false"),
            FieldType.Lookup when definition.LookupTarget == "*" => RecordRef.TryParse(text, out var reference)
                ? reference
                : throw Invalid(field, text, "a record reference (entityType/id)"),
            FieldType.Lookup => ParseGuid(field, text),
            _ => text,
        };
    }

    private static TenantField CheckField(TenantEntity entity, string field)
    {
        if (RecordColumns.ContainsKey(field))
        {
            return new TenantField(new FieldDefinition { ApiName = field, Type = FieldType.Text }, field);
        }

        return entity.FindField(field)
            ?? throw new CliException($"{entity.ApiName} has no field '{field}'; see the fields with `crm field list {entity.ApiName}`.");
    }

    private static Guid ParseGuid(string field, string text) =>
        Guid.TryParse(text, out var id) ? id : throw Invalid(field, text, "a record id (GUID)");

    private static long ParseLong(string field, string text) =>
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) ? number : throw Invalid(field, text, "a whole number");

    private static DateTimeOffset ParseInstant(string field, string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant)
            ? instant
            : throw Invalid(field, text, "a date and time (yyyy-MM-dd or yyyy-MM-ddTHH:mm:ssZ, UTC unless an offset is given)");

    private static CliException Invalid(string field, string text, string expected) =>
        new($"--where {field}: '{text}' is not {expected}.");
}
