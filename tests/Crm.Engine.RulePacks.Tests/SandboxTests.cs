using System.Linq.Expressions;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Work;
using Crm.Engine.RulePacks.Compilation;
using Crm.Engine.RulePacks.Expressions;
using Crm.Engine.RulePacks.Schema;
using Crm.Engine.Rules.RuleModel;

namespace Crm.Engine.RulePacks.Tests;

/// <summary>Expressions written by untrusted authors cannot reach anything outside the language; all rejected at validation.</summary>
public sealed class SandboxTests
{
    private static string Pack(string where) => $"""
        schemaVersion: 1
        rules:
          - name: Attack
            when:
              - match: case
                where: "{where.Replace("\"", "\\\"", StringComparison.Ordinal)}"
            then:
              - action: log
                with: {"{"} message: hi {"}"}
        """;

    [Theory]
    [InlineData("System.IO.File.ReadAllText('/etc/passwd') == ''", "unknown name 'System'")]
    [InlineData("System.IO.File.Delete('x') == null", "unknown name 'System'")]
    [InlineData("System.Diagnostics.Process.Start('sh') == null", "unknown name 'System'")]
    [InlineData("Type.GetType('System.IO.File') == null", "unknown name 'Type'")]
    [InlineData("AppDomain.CurrentDomain.BaseDirectory == ''", "unknown name 'AppDomain'")]
    [InlineData("Environment.GetEnvironmentVariable('PATH') == ''", "unknown name 'Environment'")]
    [InlineData("case.GetType() == null", "'GetType' cannot be called on case")]
    [InlineData("case.subject.GetType() == null", "text has no function 'GetType'")]
    [InlineData("case.subject.ToString() == ''", "text has no function 'ToString'")]
    [InlineData("case.Values == null", "'Values' is not a field of case")]
    [InlineData("case.Stamps.CreatedBy == null", "'Stamps' is not a field of case")]
    [InlineData("case.slaHours.GetType().Assembly == null", "a number has no function 'GetType'")]
    [InlineData("GetType() == null", "unknown function 'GetType'")]
    [InlineData("typeof(case) == null", "unknown function 'typeof'")]
    [InlineData("nameof(case) == ''", "unknown function 'nameof'")]
    [InlineData("Activator.CreateInstance('x') == null", "unknown name 'Activator'")]
    [InlineData("case.subject.Length == 1", "a text has no member 'Length'")]
    [InlineData("case.subject.length.GetType() == null", "a number has no function 'GetType'")]
    [InlineData("case.priority == 'a' ; File.Delete('x')", "unexpected character ';'")]
    [InlineData("case.priority == `ls`", "unexpected character '`'")]
    [InlineData("case.priority == 'x' + case.slaHours", "'+' cannot combine a text and a number")]
    [InlineData("new System.Object() == null", "unexpected 'System'")]
    public void ReachingOutsideTheLanguage_IsRejected(string expression, string expected)
    {
        var errors = PackFixtures.Workbench().Validate(Pack(expression), "attack.yaml");
        var error = Assert.Single(errors);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(("attack.yaml", "Attack", 6), (error.File, error.Rule, error.Line));
    }

    [Fact]
    public void HugeTextLiteral_IsRejected() =>
        AssertRejected($"case.subject == '{new string('a', 100_000)}'", "limit is");

    [Fact]
    public void HugeNumberLiteral_IsRejected() =>
        AssertRejected($"case.slaHours == {new string('9', 500)}", "the number literal has 500 characters");

    [Fact]
    public void HugeList_IsRejected() =>
        AssertRejected($"case.subject in [{string.Join(",", Enumerable.Range(0, 150).Select(i => $"'{i}'"))}]", "more than");

    [Fact]
    public void DeepNotNesting_IsRejected() =>
        AssertRejected(string.Concat(Enumerable.Repeat("not ", 200)) + "case.escalated", "nested more than");

    [Fact]
    public void DeepUnaryMinus_IsRejected() =>
        AssertRejected(string.Concat(Enumerable.Repeat("-", 200)) + "case.slaHours > 0", "nested more than");

    [Fact]
    public void DeepListNesting_IsRejected() =>
        AssertRejected("case.subject in " + new string('[', 100) + new string(']', 100), "nested more than");

    [Fact]
    public void HugeDuration_FailsAtRunTimeAsNotMatching()
    {
        var pack = Pack("case.openedAt + days(case.slaHours) > datetime('2026-01-01T00:00:00Z')");
        var result = PackFixtures.Workbench().Test(pack, "p.yaml", [PackFixtures.Record("case", new { openedAt = DateTimeOffset.UnixEpoch, slaHours = 1_000_000_000m })]);
        Assert.Empty(result.Errors);
        Assert.Empty(result.Evaluation!.Firings);
        Assert.Contains(result.Evaluation.Warnings, w => w.Contains("counts as not matching", StringComparison.Ordinal));
    }

    [Fact]
    public void CompiledPacks_CallOnlyTheWhitelist()
    {
        var schema = FactSchema.FromDefinitions(PackFixtures.SampleEntities);
        var errors = new List<RulePackError>();
        var files = Directory.GetFiles(PackFixtures.SamplesDirectory).Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || (f.EndsWith(".json", StringComparison.Ordinal) && !f.EndsWith("entities.json", StringComparison.Ordinal) && !f.EndsWith("facts.json", StringComparison.Ordinal)));
        foreach (var file in files)
        {
            var compiled = new PackCompiler(schema, PackFixtures.Catalog).Compile([(Path.GetFileName(file), File.ReadAllText(file))], [], errors);
            Assert.NotNull(compiled);
            var visitor = new WhitelistVisitor();
            foreach (var rule in compiled.Definitions)
            {
                foreach (var expression in Expressions(rule.LeftHandSide).Concat(rule.RightHandSide.Actions.Select(a => a.Expression)))
                {
                    visitor.Visit(expression);
                }
            }

            Assert.True(visitor.Calls > 0);
        }

        Assert.Empty(errors);
    }

    private static void AssertRejected(string expression, string expected)
    {
        var errors = PackFixtures.Workbench().Validate(Pack(expression), "attack.yaml");
        var error = Assert.Single(errors);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(6, error.Line);
    }

    private static IEnumerable<LambdaExpression> Expressions(RuleElement element) => element switch
    {
        PatternElement p => p.Conditions,
        GroupElement g => g.ChildElements.SelectMany(Expressions),
        NotElement n => Expressions(n.Source),
        ExistsElement e => Expressions(e.Source),
        _ => [],
    };

    /// <summary>Fails on any method call or member access outside the rule runtime and the fact types.</summary>
    private sealed class WhitelistVisitor : ExpressionVisitor
    {
        private static readonly Type[] Allowed = [typeof(RuleRuntime), typeof(ActionCollector), typeof(CrmRecord), typeof(RecordStamps), typeof(DeadlineReached), typeof(string), typeof(decimal), typeof(DateTimeOffset), typeof(TimeSpan), typeof(Guid), typeof(DateOnly)];

        public int Calls { get; private set; }

        protected override Expression VisitMethodCall(MethodCallExpression node)
        {
            Calls++;
            Assert.Contains(node.Method.DeclaringType, Allowed);
            return base.VisitMethodCall(node);
        }

        protected override Expression VisitMember(MemberExpression node)
        {
            Assert.Contains(node.Member.DeclaringType, Allowed);
            return base.VisitMember(node);
        }
    }
}
