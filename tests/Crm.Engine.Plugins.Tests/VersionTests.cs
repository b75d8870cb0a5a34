using Crm.Engine.Plugins.Versioning;
using Crm.Engine.Versioning;

namespace Crm.Engine.Plugins.Tests;

public sealed class VersionTests
{
    [Theory]
    [InlineData("1.0.0", "1.0.1")]
    [InlineData("1.9.0", "1.10.0")]
    [InlineData("1.0.0-alpha", "1.0.0")]
    [InlineData("1.0.0-alpha", "1.0.0-alpha.1")]
    [InlineData("1.0.0-alpha.1", "1.0.0-beta")]
    [InlineData("1.0.0-beta.2", "1.0.0-beta.11")]
    [InlineData("1.0.0-rc.1", "1.0.0+build5")]
    public void SemanticVersion_Precedence_Ordered(string lower, string higher)
    {
        Assert.True(SemanticVersion.Parse(lower) < SemanticVersion.Parse(higher));
        Assert.True(SemanticVersion.Parse(higher) > SemanticVersion.Parse(lower));
    }

    [Theory]
    [InlineData("1.0")]
    [InlineData("01.0.0")]
    [InlineData("1.0.0-")]
    [InlineData("v1.0.0")]
    [InlineData("")]
    public void SemanticVersion_Invalid_Refused(string text) => Assert.False(SemanticVersion.TryParse(text, out _));

    [Theory]
    [InlineData(">=1.0.0 <2.0.0", "1.0.0", true)]
    [InlineData(">=1.0.0 <2.0.0", "1.9.9", true)]
    [InlineData(">=1.0.0 <2.0.0", "2.0.0", false)]
    [InlineData(">=1.0.0 <2.0.0", "0.9.0", false)]
    [InlineData("^1.2", "1.2.0", true)]
    [InlineData("^1.2", "1.99.0", true)]
    [InlineData("^1.2", "2.0.0", false)]
    [InlineData("^1.2", "1.1.9", false)]
    [InlineData("^0.2.3", "0.2.9", true)]
    [InlineData("^0.2.3", "0.3.0", false)]
    [InlineData("~1.2.3", "1.2.9", true)]
    [InlineData("~1.2.3", "1.3.0", false)]
    [InlineData("1.4.0", "1.4.0", true)]
    [InlineData("1.4.0", "1.4.1", false)]
    [InlineData("1.4", "1.4.7", true)]
    [InlineData("1.4", "1.5.0", false)]
    [InlineData(">1.0", "1.0.5", false)]
    [InlineData(">1.0", "1.1.0", true)]
    [InlineData("<=1.2", "1.2.9", true)]
    [InlineData("<=1.2", "1.3.0", false)]
    [InlineData("^1.0 || ^3.0", "3.1.0", true)]
    [InlineData("^1.0 || ^3.0", "2.1.0", false)]
    [InlineData("*", "7.0.0", true)]
    [InlineData(">= 1.0.0", "1.0.0", true)]
    public void VersionRange_IsSatisfiedBy(string range, string version, bool expected)
    {
        Assert.True(VersionRange.TryParse(range, out var parsed));
        Assert.Equal(expected, parsed.IsSatisfiedBy(SemanticVersion.Parse(version)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("one")]
    [InlineData(">=1.0.0 <")]
    [InlineData("^")]
    [InlineData("1.2.3.4")]
    public void VersionRange_Invalid_Refused(string text) => Assert.False(VersionRange.TryParse(text, out _));

    [Fact]
    public void EngineVersion_ComesFromVersionPrefix() =>
        Assert.Equal(typeof(CrmEngineInfo).Assembly.GetName().Version!.ToString(3), CrmEngineInfo.Version.ToString());
}
