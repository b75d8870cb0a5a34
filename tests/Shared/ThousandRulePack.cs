using System.Globalization;
using System.Text;

namespace Crm.Engine.TestSupport;

/// <summary>
/// The large generated rule pack shared by the rule-pack tests (which check it compiles and runs) and the benchmarks
/// (which time its build): <c>rules</c> rules over <c>case</c> and <c>account</c>, rule <c>i</c> matching a complaint
/// case with <c>slaHours == i</c> of a gold or silver account. Linked into each project as source (see their .csproj).
/// </summary>
internal static class ThousandRulePack
{
    /// <summary>The pack text. <paramref name="round"/> only changes a comment, so each round is a new text for the caches.</summary>
    public static string Text(int rules, int round = 0)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"# round {round}\nschemaVersion: 1\nrules:\n");
        for (var i = 0; i < rules; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"""
                  - name: Rule {i}
                    priority: {i % 7}
                    when:
                      - match: case
                        where: case.slaHours == {i} and case.category == 'complaint'
                      - match: account
                        where: account.id == case.accountId and account.loyaltyTier_c in ['gold', 'silver']
                    then:
                      - action: setField
                        with: {"{"} record: case, field: priority, value: urgent {"}"}
                      - action: log
                        with: {"{"} message: '="rule {i} for " + case.subject' {"}"}

                """);
        }

        return text.ToString();
    }
}
