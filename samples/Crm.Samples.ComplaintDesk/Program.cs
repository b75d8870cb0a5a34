// Crm.Engine complaint desk: the acceptance scenario of docs (domain.md), end to end in one process on embedded SQLite
// with a simulated clock. The call-center, commerce and service modules are loaded from bin/.../plugins like any
// plugin; two tenants run their own rule packs. Run: dotnet run --project samples/Crm.Samples.ComplaintDesk
using Crm.Samples.ComplaintDesk;

var databasePath = args.Length > 0 ? Path.GetFullPath(args[0]) : Path.Combine(Path.GetTempPath(), $"crm-complaint-desk-{Guid.NewGuid():N}.db");
var run = await ComplaintDeskScenario.RunAsync(databasePath, Console.Out);
Console.WriteLine();
Console.WriteLine($"Done: {run.Delivered.Count} notifications delivered, {run.Steps.Count} steps. Database: {databasePath}");
