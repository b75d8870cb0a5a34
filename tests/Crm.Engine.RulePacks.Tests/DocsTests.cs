using System.Text.RegularExpressions;

namespace Crm.Engine.RulePacks.Tests;

/// <summary>The examples in docs/rule-packs.md are the sample packs, word for word, so the documented examples validate.</summary>
public sealed partial class DocsTests
{
    [Fact]
    public void DocumentedExamples_AreTheSamplePacks()
    {
        var doc = File.ReadAllText(Path.Combine(PackFixtures.RepositoryRoot, "docs", "rule-packs.md")).ReplaceLineEndings("\n");
        var blocks = SampleBlock().Matches(doc);
        Assert.Equal(3, blocks.Count);
        foreach (Match block in blocks)
        {
            var file = block.Groups["file"].Value;
            Assert.Equal(PackFixtures.Sample(file).ReplaceLineEndings("\n").TrimEnd('\n'), block.Groups["body"].Value);
            Assert.Empty(PackFixtures.Workbench().Validate(block.Groups["body"].Value, file));
        }
    }

    [GeneratedRegex(@"<!-- sample: (?<file>[\w.-]+) -->\n```\w+\n(?<body>.*?)\n```", RegexOptions.Singleline)]
    private static partial Regex SampleBlock();
}
