using System.Diagnostics;
using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Import;
using Crm.Engine.Testing;

namespace Crm.Engine.Benchmarks.Storage;

/// <summary>
/// Importing a contacts CSV of N rows through <see cref="IImportService"/>: streaming read, conversion, and the
/// batched write path (1000 rows per transaction). The file is generated once; each iteration imports it into a fresh
/// database. Peak memory is measured separately by <see cref="MeasurePeak"/> (<c>--import-peak N</c>).
/// </summary>
[InvocationCount(1)]
public class CsvImportBenchmarks
{
    private static readonly string[] FirstNames = ["Anna", "Ben", "Clara", "David", "Eva", "Felix", "Greta", "Hugo", "Ida", "Jonas"];
    private static readonly string[] LastNames = ["Schulz", "Meyer", "Koch", "Wagner", "Becker", "Hoffmann", "Fischer", "Weber", "Klein", "Wolf"];

    private string _file = string.Empty;
    private CrmTestHost? _host;
    private ICrmTenant? _crm;

    public static IEnumerable<int> Sizes => [BenchmarkConfig.Size(1_000_000, quick: 50)];

    [ParamsSource(nameof(Sizes))]
    public int N { get; set; }

    /// <summary>The mapping a consultant would write for the file: headers as in a typical export.</summary>
    public static ImportMapping Mapping => new()
    {
        EntityType = "contact",
        Columns =
        [
            new() { Column = "First name", Field = "firstName" },
            new() { Column = "Last name", Field = "lastName" },
            new() { Column = "E-mail", Field = "email" },
            new() { Column = "Mobile", Field = "mobilePhone" },
            new() { Column = "Do not call", Field = "doNotCall" },
        ],
    };

    /// <summary>Writes a contacts CSV of <paramref name="rows"/> rows (some values quoted, as real exports have them).</summary>
    public static void WriteFile(string path, int rows)
    {
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(true), 1 << 16);
        writer.Write("First name,Last name,E-mail,Mobile,Do not call\r\n");
        for (var i = 0; i < rows; i++)
        {
            var last = LastNames[(i / FirstNames.Length) % LastNames.Length];
            writer.Write(FirstNames[i % FirstNames.Length]);
            writer.Write(',');
            writer.Write(i % 7 == 0 ? $"\"{last}, Jr.\"" : last);
            writer.Write(",person");
            writer.Write(i.ToString(CultureInfo.InvariantCulture));
            writer.Write("@example.com,");
            writer.Write(ContactData.Phone(i));
            writer.Write(i % 3 == 0 ? ",yes\r\n" : ",no\r\n");
        }
    }

    [GlobalSetup]
    public void GlobalSetup()
    {
        _file = Path.Combine(Path.GetTempPath(), $"crm-import-bench-{Guid.NewGuid():N}.csv");
        WriteFile(_file, N);
    }

    [GlobalCleanup]
    public void GlobalCleanup() => File.Delete(_file);

    [IterationSetup]
    public void IterationSetup()
    {
        _host = CrmTestHost.StartAsync().GetAwaiter().GetResult();
        _crm = _host.CreateTenantAsync("bench").GetAwaiter().GetResult();
    }

    [IterationCleanup]
    public void IterationCleanup() => _host!.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Description = "CSV import (streaming, batches of 1000)")]
    public async Task<long> Import()
    {
        await using var stream = File.OpenRead(_file);
        var report = await _crm!.Import.ImportAsync(stream, Mapping);
        return report.Created == N ? report.Created : throw new InvalidOperationException($"imported {report.Created} of {N}: {string.Join("; ", report.Errors.Take(3))}");
    }

    /// <summary>
    /// One hand-measured import of <paramref name="rows"/> rows: time, rows/s, bytes allocated, peak working set and
    /// the largest managed heap seen (sampled), printed to <paramref name="output"/>.
    /// </summary>
    public static async Task MeasurePeak(int rows, TextWriter output)
    {
        var file = Path.Combine(Path.GetTempPath(), $"crm-import-peak-{Guid.NewGuid():N}.csv");
        WriteFile(file, rows);
        try
        {
            await using var host = await CrmTestHost.StartAsync();
            var crm = await host.CreateTenantAsync("bench");
            GC.Collect();
            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            var heapPeak = 0L;
            using var sampling = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                while (!sampling.IsCancellationRequested)
                {
                    heapPeak = Math.Max(heapPeak, GC.GetTotalMemory(forceFullCollection: false));
                    await Task.Delay(50).ConfigureAwait(false);
                }
            });
            var stopwatch = Stopwatch.StartNew();
            ImportReport report;
            await using (var stream = File.OpenRead(file))
            {
                report = await crm.Import.ImportAsync(stream, Mapping);
            }

            stopwatch.Stop();
            await sampling.CancelAsync();
            await sampler;
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            using var process = Process.GetCurrentProcess();
            process.Refresh();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"rows {rows:N0}: created {report.Created:N0}, failed {report.Failed}; {stopwatch.Elapsed.TotalSeconds:0.0} s, {rows / stopwatch.Elapsed.TotalSeconds:N0} rows/s; allocated {allocated / 1048576.0:N0} MB; peak working set {process.PeakWorkingSet64 / 1048576.0:N0} MB; managed heap peak (sampled) {heapPeak / 1048576.0:N0} MB; file {new FileInfo(file).Length / 1048576.0:N0} MB"));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
