using Crm.Engine.Abstractions.Metadata;

namespace Crm.Engine.Cli.Commands;

/// <summary>The names of field types on the command line (<c>--type</c>) and in lists.</summary>
internal static class FieldTypeNames
{
    private static readonly (string Name, FieldType Type)[] Names =
    [
        ("text", FieldType.Text),
        ("number", FieldType.Number),
        ("money", FieldType.Money),
        ("date", FieldType.Date),
        ("datetime", FieldType.DateTime),
        ("bool", FieldType.Bool),
        ("choice", FieldType.Choice),
        ("multichoice", FieldType.MultiChoice),
        ("lookup", FieldType.Lookup),
        ("email", FieldType.Email),
        ("phone", FieldType.Phone),
    ];

    public static string[] All { get; } = [.. Names.Select(n => n.Name)];

    public static FieldType Parse(string name) =>
        Names.FirstOrDefault(n => string.Equals(n.Name, name, StringComparison.OrdinalIgnoreCase)) is { Name: not null } match
            ? match.Type
            : throw new CliException($"'{name}' is not a field type; use one of {string.Join(", ", All)}.");

    public static string Format(FieldType type) =>
        Names.FirstOrDefault(n => n.Type == type) is { Name: { } name } ? name : type.ToString().ToLowerInvariant();
}
