using BenchmarkDotNet.Running;
using Crm.Engine.Benchmarks;

// Full run (Release):  dotnet run -c Release --project tests/Crm.Engine.Benchmarks -- --filter '*'
// Quick run (every benchmark once, tiny sizes, in-process; also part of the test suite): add --quick
if (args.Contains("--quick"))
{
    var failures = QuickRun.RunAll(Console.Out);
    return failures == 0 ? 0 : 1;
}

// Peak memory of one CSV import, measured by hand (Release): add --import-peak [rows]
if (Array.IndexOf(args, "--import-peak") is var peak and >= 0)
{
    var rows = peak + 1 < args.Length ? int.Parse(args[peak + 1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000;
    await Crm.Engine.Benchmarks.Storage.CsvImportBenchmarks.MeasurePeak(rows, Console.Out);
    return 0;
}

// The first rule-base build of a new process (JIT included), measured by hand (Release): add --cold-build csharp|pack
if (Array.IndexOf(args, "--cold-build") is var cold and >= 0)
{
    Crm.Engine.Benchmarks.Rules.ColdBuild.Run(cold + 1 < args.Length ? args[cold + 1] : "pack", Console.Out);
    return 0;
}

// The first start of the engine in a new process (JIT included), measured by hand (Release): add --cold-start plugins|core
if (Array.IndexOf(args, "--cold-start") is var start and >= 0)
{
    await Crm.Engine.Benchmarks.Storage.ColdStart.RunAsync(start + 1 < args.Length ? args[start + 1] : "plugins", Console.Out);
    return 0;
}

// The same benchmarks under the three garbage-collector set-ups a host can have (out of process, 10 iterations each):
// add --gc-modes
if (args.Contains("--gc-modes"))
{
    BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run([.. args.Where(a => a != "--gc-modes")], BenchmarkConfig.GcModes());
    return 0;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, BenchmarkConfig.Full());
return 0;
