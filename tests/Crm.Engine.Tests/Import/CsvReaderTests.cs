using Crm.Engine.Import;

namespace Crm.Engine.Tests.Import;

/// <summary>The streaming RFC 4180 reader: quoting, line ends, BOM, delimiter detection, physical line numbers.</summary>
public class CsvReaderTests
{
    private static async Task<List<CsvRow>> ReadAllAsync(string text, char? delimiter = null, int maxValueLength = CsvReader.DefaultMaxValueLength)
    {
        var reader = new CsvReader(new StringReader(text), maxValueLength);
        Assert.Null(await reader.DetectDelimiterAsync(delimiter, CancellationToken.None));
        var rows = new List<CsvRow>();
        while (await reader.ReadAsync(CancellationToken.None) is { } row)
        {
            rows.Add(row);
        }

        return rows;
    }

    [Fact]
    public async Task Read_QuotedValues_UnquotesDoubledQuotesDelimitersAndNewlines()
    {
        var rows = await ReadAllAsync("a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\r\nlines\"\r\nplain,\"\",last\r\n");

        Assert.Equal(3, rows.Count);
        Assert.Equal(["x, y", "say \"hi\"", "two\r\nlines"], rows[1].Fields);
        Assert.Equal(["plain", string.Empty, "last"], rows[2].Fields);
        Assert.All(rows, r => Assert.Null(r.Error));
    }

    [Fact]
    public async Task Read_EmbeddedNewlines_ReportsPhysicalStartLines()
    {
        var rows = await ReadAllAsync("h1,h2\n1,\"a\nb\nc\"\n2,x\r\n3,\"d\r\ne\"\n4,y");

        Assert.Equal([1L, 2, 5, 6, 8], rows.Select(r => r.Line));
        Assert.Equal(["4", "y"], rows[^1].Fields);
    }

    [Fact]
    public async Task Read_LoneCrLineEnds_CountsEachAsALine()
    {
        var rows = await ReadAllAsync("h\r1\r2\r");

        Assert.Equal([1L, 2, 3], rows.Select(r => r.Line));
    }

    [Fact]
    public async Task Read_ByteOrderMarkAtStart_IsNotPartOfTheFirstHeader()
    {
        var rows = await ReadAllAsync("\uFEFFname,city\nAda,London\n");

        Assert.Equal("name", rows[0].Fields[0]);
    }

    [Theory]
    [InlineData("a;b;c\n1;2;3", ';')]
    [InlineData("a\tb\tc\n1\t2\t3", '\t')]
    [InlineData("a,b\n1,2", ',')]
    [InlineData("\"x;y\",b,c\n1,2,3", ',')]
    [InlineData("single\n1", ',')]
    public async Task DetectDelimiter_HeaderLine_PicksTheDelimiterOutsideQuotes(string text, char expected)
    {
        var reader = new CsvReader(new StringReader(text));

        Assert.Null(await reader.DetectDelimiterAsync(null, CancellationToken.None));
        Assert.Equal(expected, reader.Delimiter);
    }

    [Fact]
    public async Task DetectDelimiter_AsManyCommasAsSemicolons_ReturnsAnError()
    {
        var reader = new CsvReader(new StringReader("a,b;c\n"));

        Assert.Contains("cannot be told", await reader.DetectDelimiterAsync(null, CancellationToken.None));
    }

    [Fact]
    public async Task Read_UnclosedQuoteAtEnd_ReturnsRowWithErrorNamingTheLine()
    {
        var rows = await ReadAllAsync("a,b\n1,2\n3,\"open\nmore");

        Assert.Equal(3L, rows[2].Line);
        Assert.Contains("opened on line 3 is never closed", rows[2].Error);
    }

    [Fact]
    public async Task Read_TextAfterClosingQuote_ReturnsRowWithError()
    {
        var rows = await ReadAllAsync("a,b\n\"x\"y,2\n");

        Assert.Contains("after its closing quote", rows[1].Error);
    }

    [Fact]
    public async Task Read_QuoteInsideUnquotedValue_KeepsItLiterally()
    {
        var rows = await ReadAllAsync("a,b\n5\" screen,2\n");

        Assert.Equal("5\" screen", rows[1].Fields[0]);
        Assert.Null(rows[1].Error);
    }

    [Fact]
    public async Task Read_BlankLine_IsMarkedBlank()
    {
        var rows = await ReadAllAsync("a\n\n\"\"\n");

        Assert.True(rows[1].IsBlank);
        Assert.False(rows[2].IsBlank);
    }

    [Fact]
    public async Task Read_ValueLongerThanLimit_ThrowsFormatError()
    {
        await Assert.ThrowsAsync<CsvFormatException>(() => ReadAllAsync("a\n\"" + new string('x', 100), maxValueLength: 50));
    }

    [Fact]
    public async Task Read_RecordsAcrossBufferBoundaries_AreReadWhole()
    {
        var value = new string('v', 70_000);
        var rows = await ReadAllAsync($"a,b\n\"{value}\",1\r\n2,3\r\n");

        Assert.Equal(value, rows[1].Fields[0]);
        Assert.Equal(["2", "3"], rows[2].Fields);
    }
}
