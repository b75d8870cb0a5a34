using BenchmarkDotNet.Running;
using Crm.Engine.Benchmarks;

// Full run (Release):  dotnet run -c Release --project tests/Crm.Engine.Benchmarks -- --filter '*'
// Quick run (every benchmark once, tiny sizes, in-process; also part of the test suite): add --quick
if (args.Contains("--quick"))
{
    var failures = QuickRun.RunAll(Console.Out);
    return failures == 0 ? 0 : 1;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, BenchmarkConfig.Full());
return 0;
