namespace Crm.Engine.RulePacks.Tests;

/// <summary>Every kind of bad input is reported with file, rule, line and column; all errors at once.</summary>
public sealed class ValidationTests
{
    // Line 6 holds the where expression, starting at column 16; line 8 the action name at column 17; line 9 'with' at column 9.
    private static string Pack(string where, string action = "log", string with = "{ message: hi }", string type = "case") => $"""
        schemaVersion: 1
        rules:
          - name: R1
            when:
              - match: {type}
                where: {where}
            then:
              - action: {action}
                with: {with}
        """;

    private static IReadOnlyList<RulePackError> Errors(string text, string file = "pack.yaml") => PackFixtures.Workbench().Validate(text, file);

    private static RulePackError Single(string text)
    {
        var errors = Errors(text);
        Assert.True(errors.Count == 1, string.Join(Environment.NewLine, errors));
        return errors[0];
    }

    [Fact]
    public void ValidPack_HasNoErrors() => Assert.Empty(Errors(Pack("case.priority == 'urgent'")));

    [Fact]
    public void ExpressionSyntaxError_PointsAtTheOffendingToken()
    {
        var error = Single(Pack("case.priority == == 'x'"));
        Assert.Equal(("pack.yaml", "R1", 6, 33), (error.File, error.Rule, error.Line, error.Column));
        Assert.Contains("unexpected '=='", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("pack.yaml(6,33): rule 'R1': ", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ExpressionEndingEarly_PointsAtTheEnd()
    {
        var error = Single(Pack("\"case.priority ==\""));
        Assert.Equal((6, 17 + "case.priority ==".Length), (error.Line, error.Column));
        Assert.Contains("ends where a value was expected", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void YamlSyntaxError_HasLineAndColumn()
    {
        const string Text = "schemaVersion: 1\nrules: [\n  - name: x\n";
        var error = Single(Text);
        Assert.Null(error.Rule);

        // A block entry ('-') cannot start a node inside the flow sequence opened on line 2.
        var lines = Text.Split('\n');
        var line = Array.FindIndex(lines, l => l.Contains("- name", StringComparison.Ordinal));
        Assert.Equal((line + 1, lines[line].IndexOf('-', StringComparison.Ordinal) + 1), (error.Line, error.Column));
        Assert.Contains("not valid YAML/JSON", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TabsInAMultiLineFlowSequence_SyntaxErrorNotACrash()
    {
        // YamlDotNet throws InvalidOperationException on this input rather than a syntax error.
        var error = Single("schemaVersion: 1\nrules:\n  - name: x\n    tags: [a,\n\tb]\n");

        Assert.Contains("not valid YAML/JSON", error.Message, StringComparison.Ordinal);
        Assert.InRange(error.Line, 4, 5);
    }

    [Fact]
    public void TabAsIndentation_PointsAtTheTab()
    {
        var lines = PackFixtures.Sample("complaint-desk.yaml").ReplaceLineEndings("\n").Split('\n');
        lines[38] = "\t" + lines[38][1..]; // line 39 ('    priority: 90'): a tab instead of the first space
        var error = Single(string.Join('\n', lines));
        Assert.Equal((39, 1), (error.Line, error.Column));
        Assert.Contains("found invalid tab as indentation", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TabInAPlainScalarsIndentation_PointsAtTheTab()
    {
        var error = Single("schemaVersion: 1\nrules:\n  - name: x\n\twhen: []\n");
        Assert.Equal((4, 1), (error.Line, error.Column));
        Assert.Contains("tab", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownFactType_SuggestsTheClosest()
    {
        var error = Single(Pack("cse.priority == 'urgent'", type: "cse"));
        Assert.Equal((5, 16), (error.Line, error.Column));
        Assert.Contains("unknown fact type 'cse' (did you mean 'case'?)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownField_SuggestsTheClosestAndPointsAtTheField()
    {
        var error = Single(Pack("case.priorty == 'urgent'"));
        Assert.Equal((6, 21), (error.Line, error.Column));
        Assert.Contains("'priorty' is not a field of case", error.Message, StringComparison.Ordinal);
        Assert.Contains("did you mean 'priority'?", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownAlias_SuggestsTheClosest()
    {
        var error = Single(Pack("caes.priority == 'urgent'"));
        Assert.Equal((6, 16), (error.Line, error.Column));
        Assert.Contains("did you mean 'case'?", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownChoiceOption_SuggestsTheClosest()
    {
        var error = Single(Pack("case.priority == 'urgnt'"));
        Assert.Equal((6, 33), (error.Line, error.Column));
        Assert.Contains("'urgnt' is not an option of case.priority (did you mean 'urgent'?)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ComparisonOfDifferentTypes_IsAnError()
    {
        var error = Single(Pack("case.slaHours == 'many'"));
        Assert.Equal((6, 33), (error.Line, error.Column));
        Assert.Contains("cannot compare a number with a text", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NonBooleanCondition_IsAnError()
    {
        const string Where = "case.slaHours + 1";
        var error = Single(Pack(Where));

        // At the operator that gives the number, in the expression starting at column 16 of line 6.
        Assert.Equal((6, 16 + Where.IndexOf('+', StringComparison.Ordinal)), (error.Line, error.Column));
        Assert.Contains("a condition must be true or false", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownAction_SuggestsTheClosest()
    {
        var error = Single(Pack("case.priority == 'urgent'", action: "lgo"));
        Assert.Equal((8, 17), (error.Line, error.Column));
        Assert.Contains("unknown action 'lgo' (did you mean 'log'?)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownParameter_PointsAtItsName()
    {
        var error = Single(Pack("case.priority == 'urgent'", with: "{ message: hi, mesage: hi }"));
        Assert.Equal((9, 30), (error.Line, error.Column));
        Assert.Contains("action 'log' has no parameter 'mesage' (did you mean 'message'?)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingRequiredParameter_NamesIt()
    {
        var error = Single(Pack("case.priority == 'urgent'", action: "setField", with: "{ record: case, field: slaHours }"));
        Assert.Equal((8, 17), (error.Line, error.Column));
        Assert.Contains("action 'setField' needs parameter 'value'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WrongParameterType_PointsAtTheValue()
    {
        var error = Single(Pack("case.priority == 'urgent'", action: "startTimer", with: "{ event: x, after: case.subject }"));
        Assert.Equal((9, 34), (error.Line, error.Column));
        Assert.Contains("parameter 'after': expected a duration, but the expression gives a text", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RecordParameterThatIsNotAnAlias_IsAnError()
    {
        var error = Single(Pack("case.priority == 'urgent'", action: "setField", with: "{ record: cse, field: slaHours, value: 1 }"));
        Assert.Equal((9, 25), (error.Line, error.Column));
        Assert.Contains("'cse' is not one (did you mean 'case'?)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SetFieldOfUnknownField_IsAnError()
    {
        var error = Single(Pack("case.priority == 'urgent'", action: "setField", with: "{ record: case, field: slaHour, value: 1 }"));
        Assert.Equal((9, 38), (error.Line, error.Column));
        Assert.Contains("did you mean 'slaHours'?", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WrongListParameter_IsAnError()
    {
        var error = Single(Pack("case.priority == 'urgent'", action: "notifyRoles", with: "{ record: case, roles: salesManager, template: t }"));
        Assert.Contains("parameter 'roles' is a list of texts", error.Message, StringComparison.Ordinal);

        // At the value, on line 9 ('with' at column 9).
        Assert.Equal((9, 9 + "with: { record: case, roles: ".Length), (error.Line, error.Column));
    }

    [Fact]
    public void DuplicateRuleName_PointsAtTheSecondRule()
    {
        var text = """
            schemaVersion: 1
            rules:
              - name: Same
                when: [ { match: case } ]
                then: [ { action: log, with: { message: a } } ]
              - name: Same
                when: [ { match: case } ]
                then: [ { action: log, with: { message: b } } ]
            """;
        var error = Single(text);
        Assert.Equal(("Same", 6, 5), (error.Rule, error.Line, error.Column));
        Assert.Contains("duplicate rule name 'Same'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownKey_SuggestsTheClosest()
    {
        var text = """
            schemaVersion: 1
            rules:
              - name: R
                priorty: 3
                when: [ { match: case } ]
                then: [ { action: log, with: { message: a } } ]
            """;
        var error = Single(text);
        Assert.Equal((4, 5), (error.Line, error.Column));
        Assert.Contains("unknown key 'priorty' in a rule (did you mean 'priority'?)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingSchemaVersion_IsAnError() =>
        Assert.Contains("'schemaVersion' is missing", Single("rules: []").Message, StringComparison.Ordinal);

    [Fact]
    public void ExpressionTooDeep_IsRejectedWithPosition()
    {
        var deep = new string('(', 40) + "case.priority == 'urgent'" + new string(')', 40);
        var error = Single(Pack(deep));
        Assert.Equal(6, error.Line);
        Assert.InRange(error.Column, 16, 16 + 40);
        Assert.Contains("nested more than", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExpressionTooLong_IsRejected()
    {
        var terms = string.Join(" or ", Enumerable.Repeat("case.priority == 'urgent'", 100));
        var error = Single(Pack(terms));
        Assert.Contains("characters long; the limit is 2000", error.Message, StringComparison.Ordinal);

        // At the first character past the limit of the expression starting at column 16 of line 6.
        Assert.Equal((6, 16 + Expressions.ExpressionLimits.MaxLength), (error.Line, error.Column));
    }

    [Fact]
    public void ManyErrors_AreAllReportedAtOnce()
    {
        var text = """
            schemaVersion: 1
            rules:
              - name: A
                when:
                  - match: case
                    where: case.priorty == 'urgent'
                then:
                  - action: lgo
              - name: B
                when:
                  - match: acount
                then:
                  - action: setField
                    with: { record: case, field: x }
            """;
        var errors = Errors(text);
        Assert.Equal(
            [("A", 6, 21), ("A", 8, 17), ("B", 11, 16)],
            errors.Take(3).Select(e => (e.Rule, e.Line, e.Column)));
        Assert.True(errors.Count >= 4, string.Join(Environment.NewLine, errors));
    }

    [Fact]
    public void JsonPack_ReportsPositionsInsideTheJson()
    {
        var json = """
            {
              "schemaVersion": 1,
              "rules": [
                { "name": "J", "when": [ { "match": "case", "where": "case.priorty == 'urgent'" } ],
                  "then": [ { "action": "log", "with": { "message": "x" } } ] }
              ]
            }
            """;
        var error = Single(json);
        Assert.Equal(("J", 4, 64), (error.Rule, error.Line, error.Column));
        Assert.Contains("did you mean 'priority'?", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BlockScalarExpression_PointsIntoTheRightLine()
    {
        var text = """
            schemaVersion: 1
            rules:
              - name: R
                when:
                  - match: case
                    where: |
                      case.category == 'complaint'
                      and case.priorty == 'urgent'
                then:
                  - action: log
                    with: { message: hi }
            """;
        var error = Single(text);
        Assert.Equal((8, 20), (error.Line, error.Column));
    }

    [Fact]
    public void ConditionNotUsingItsOwnAlias_IsAnError()
    {
        var text = """
            schemaVersion: 1
            rules:
              - name: R
                when:
                  - match: case
                  - match: account
                    where: case.priority == 'urgent'
                then:
                  - action: log
                    with: { message: hi }
            """;
        Assert.Contains("does not use 'account'", Single(text).Message, StringComparison.Ordinal);
    }
}
