using System.Diagnostics;
using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.RulePacks;
using Crm.Engine.RulePacks.RuleBases;
using Crm.Engine.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Engine.Benchmarks.Rules;

/// <summary>
/// Swapping a tenant's rule base while sessions run: one evaluation of a contact against the tenant's rule pack (the
/// whole path: current version check, session from the compiled base, dry run), measured while nothing else happens
/// and while another thread applies a new version of the pack over and over (compile, store, swap). Goal: no pause
/// for the sessions — the evaluations' maximum must not approach the time an apply takes, because the swap is a
/// reference exchange after the new base is built, and nothing a session does waits for it.
/// </summary>
public class RuleBaseSwapBenchmarks
{
    private CrmTestHost? _host;
    private IRuleBaseService? _rules;
    private CrmRecord? _contact;
    private volatile bool _stopping;
    private Task? _swapper;

    public static IEnumerable<int> Sizes => [BenchmarkConfig.Size(200, quick: 5)];

    /// <summary>Rules in the pack.</summary>
    [ParamsSource(nameof(Sizes))]
    public int Rules { get; set; }

    /// <summary>Whether another thread keeps applying new versions during the measurement.</summary>
    [Params(false, true)]
    public bool Swapping { get; set; }

    // What the run saw, printed at cleanup: BenchmarkDotNet's statistics are per iteration (thousands of
    // evaluations), so a single evaluation that waited for a swap would vanish in them; this keeps the slowest one.
    private int _applied;
    private long _applyTicks;
    private long _slowest;
    private long _evaluations;

    [GlobalSetup]
    public void Setup()
    {
        _host = CrmTestHost.StartAsync(b => b.AddRulePacks()).GetAwaiter().GetResult();
        var tenant = _host.CreateTenantAsync("bench").GetAwaiter().GetResult();
        _rules = _host.Services.GetRequiredService<IRuleBases>().ForTenant("bench", "benchmark");
        _rules.ApplyAsync(Pack(Rules, 0), "swap.yaml").GetAwaiter().GetResult();
        _contact = tenant.Records.CreateAsync(CoreEntities.Contact, new Dictionary<string, object?>
        {
            [ContactFields.FirstName] = "Ada",
            [ContactFields.LastName] = "Lovelace",
            [ContactFields.JobTitle] = "Engineer 7",
        }).GetAwaiter().GetResult();
        if (Swapping)
        {
            _swapper = Task.Run(async () =>
            {
                var round = 1;
                while (!_stopping)
                {
                    var started = Stopwatch.GetTimestamp();
                    await _rules.ApplyAsync(Pack(Rules, round++), "swap.yaml", CancellationToken.None).ConfigureAwait(false);
                    _applyTicks += Stopwatch.GetTimestamp() - started;
                    _applied++;
                }
            }, CancellationToken.None);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stopping = true;
        _swapper?.GetAwaiter().GetResult();
        var ms = (double)_slowest * 1000 / Stopwatch.Frequency;
        Console.WriteLine(Swapping
            ? $"// {_evaluations} evaluations, slowest {ms:F2} ms; {_applied} versions applied meanwhile, {(_applied == 0 ? 0 : (double)_applyTicks * 1000 / Stopwatch.Frequency / _applied):F1} ms each"
            : $"// {_evaluations} evaluations, slowest {ms:F2} ms");

        _host!.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Description = "evaluate a contact against the tenant's rule base")]
    public async Task<int> Evaluate()
    {
        var started = Stopwatch.GetTimestamp();
        var result = await _rules!.EvaluateAsync([_contact!], dryRun: true).ConfigureAwait(false);
        var elapsed = Stopwatch.GetTimestamp() - started;
        _evaluations++;
        if (elapsed > _slowest)
        {
            _slowest = elapsed;
        }

        return result.Firings.Count;
    }

    // Rules on contacts; the round changes a literal so that every applied version is a new pack to compile.
    private static string Pack(int rules, int round)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"# round {round}\nschemaVersion: 1\nrules:\n");
        for (var i = 0; i < rules; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"""
                  - name: Rule {i}
                    when:
                      - match: contact
                        where: contact.jobTitle == 'Engineer {i % 10}' and contact.lastName != 'round {round}'
                    then:
                      - action: log
                        with: {"{"} message: '="rule {i} for " + contact.lastName' {"}"}

                """);
        }

        return text.ToString();
    }
}
