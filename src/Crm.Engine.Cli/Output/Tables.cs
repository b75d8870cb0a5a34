using Spectre.Console;

namespace Crm.Engine.Cli.Output;

/// <summary>Tables for people, via Spectre.Console; cell text is never read as markup.</summary>
internal static class Tables
{
    public static Table Create(params IEnumerable<string> headers)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var header in headers)
        {
            table.AddColumn(new TableColumn(new Text(header, new Style(decoration: Decoration.Bold))));
        }

        return table;
    }

    public static void AddRow(Table table, params IEnumerable<string?> cells) =>
        table.AddRow(cells.Select(cell => new Text(cell ?? string.Empty)));
}
