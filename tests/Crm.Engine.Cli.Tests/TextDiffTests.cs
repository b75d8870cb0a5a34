namespace Crm.Engine.Cli.Tests;

public sealed class TextDiffTests
{
    private static string Lines(params int[] numbers) => string.Join("\n", numbers.Select(n => $"line {n}"));

    [Fact]
    public void Unified_TwoChangesFarApart_TwoHunksWithThreeLinesOfContext()
    {
        var before = Lines([.. Enumerable.Range(1, 20)]);
        var after = before.Replace("line 2\n", "line 2 changed\n", StringComparison.Ordinal).Replace("line 18\n", string.Empty, StringComparison.Ordinal);

        var diff = TextDiff.Unified("a", "b", before, after);

        Assert.Equal(
            ["--- a", "+++ b", "@@ -1,5 +1,5 @@", " line 1", "-line 2", "+line 2 changed", " line 3", " line 4", " line 5",
             "@@ -15,6 +15,5 @@", " line 15", " line 16", " line 17", "-line 18", " line 19", " line 20"],
            diff);
    }

    [Fact]
    public void Unified_ChangesSixLinesApart_OneHunk()
    {
        var before = Lines([.. Enumerable.Range(1, 12)]);
        var after = before.Replace("line 3\n", "three\n", StringComparison.Ordinal).Replace("line 10\n", "ten\n", StringComparison.Ordinal);

        var diff = TextDiff.Unified("a", "b", before, after);

        Assert.Single(diff, l => l.StartsWith("@@", StringComparison.Ordinal));
        Assert.Equal("@@ -1,12 +1,12 @@", diff[2]);
    }

    [Fact]
    public void Unified_SameLinesOrOnlyLineEndingsDiffer_Empty()
    {
        Assert.Empty(TextDiff.Unified("a", "b", "x\ny\n", "x\r\ny"));
        Assert.Empty(TextDiff.Unified("a", "b", null, string.Empty));
    }

    [Fact]
    public void Unified_FromNothing_AllAdded()
    {
        Assert.Equal(["--- /dev/null", "+++ b", "@@ -0,0 +1,2 @@", "+x", "+y"], TextDiff.Unified("/dev/null", "b", null, "x\ny"));
    }

    [Fact]
    public void Unified_OnlyATrailingBlankLineAdded_ShowsIt()
    {
        Assert.Equal(["--- a", "+++ b", "@@ -1,3 +1,4 @@", " a", " b", " c", "+"], TextDiff.Unified("a", "b", "a\nb\nc\n", "a\nb\nc\n\n"));
    }

    [Fact]
    public void Unified_OneLineRanges_WrittenAsGnuDiffDoes()
    {
        Assert.Equal("@@ -1 +1 @@", TextDiff.Unified("a", "b", "a\n", "b\n")[2]);
        Assert.Equal("@@ -1 +0,0 @@", TextDiff.Unified("a", "/dev/null", "a\n", null)[2]);
    }
}
