using System.Diagnostics;
using System.Globalization;
using Crm.Engine.Abstractions.Work;
using Crm.Engine.Testing;

namespace Crm.Engine.Tests.Work;

/// <summary>A dispatcher process killed for real between a send and its acknowledgement loses nothing.</summary>
public sealed class OutboxCrashTests
{
    private static string WorkerDll()
    {
        // tests/Crm.Engine.Tests/bin/<configuration>/net10.0/ -> tests/Crm.Engine.OutboxWorker/bin/<configuration>/net10.0/
        var bin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = bin.Name;
        var configuration = bin.Parent!.Name;
        var tests = bin.Parent.Parent!.Parent!.Parent!.FullName;
        var project = Path.Combine(tests, "Crm.Engine.OutboxWorker");
        var dll = Path.Combine(project, "bin", configuration, framework, "Crm.Engine.OutboxWorker.dll");
        if (!File.Exists(dll))
        {
            // Built with the solution; when only this test project was built, build the worker now.
            using var build = Process.Start(new ProcessStartInfo("dotnet", $"build \"{project}\" -c {configuration}") { RedirectStandardOutput = true, RedirectStandardError = true })!;
            build.StandardOutput.ReadToEnd();
            build.WaitForExit();
            Assert.True(build.ExitCode == 0 && File.Exists(dll), $"could not build the outbox worker at {project}");
        }

        return dll;
    }

    [Fact]
    public async Task DispatcherKilledBetweenSendAndAck_RestartedDispatcherDeliversEverything_DuplicatesShareTheKey()
    {
        const int count = 12;
        const int hangAfter = 5;
        // This engine only enqueues; the worker process dispatches.
        await using var host = await CrmTestHost.StartAsync(b => b.AddInProcessChannel("email", (_, _) => Task.CompletedTask, NotificationAddressKind.Email));
        var output = Path.Combine(host.Directory, "delivered.txt");
        await host.CreateTenantAsync();
        for (var i = 0; i < count; i++)
        {
            await host.Work().Notifications.EnqueueAsync(new Notification
            {
                Recipient = NotificationRecipient.ToAddress($"user{i}@example.test"),
                Channel = "email",
                IdempotencyKey = $"n{i:00}",
                Body = $"message {i}",
            });
        }

        var start = host.Clock.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);
        using var worker = Process.Start(new ProcessStartInfo("dotnet", $"\"{WorkerDll()}\" \"{host.Directory}\" \"{output}\" {start} {hangAfter}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var workerOutput = new System.Text.StringBuilder();
        worker.OutputDataReceived += (_, e) => { lock (workerOutput) { workerOutput.AppendLine(e.Data); } };
        worker.ErrorDataReceived += (_, e) => { lock (workerOutput) { workerOutput.AppendLine(e.Data); } };
        worker.BeginOutputReadLine();
        worker.BeginErrorReadLine();

        var hung = await WorkTestSupport.PollAsync(() => { lock (workerOutput) { return workerOutput.ToString().Contains("HANGING", StringComparison.Ordinal); } }, TimeSpan.FromSeconds(120));
        Assert.True(hung, $"the worker did not reach the hang point:\n{workerOutput}");
        worker.Kill(entireProcessTree: true);
        await worker.WaitForExitAsync();

        var beforeRestart = File.ReadAllLines(output);
        Assert.Equal(hangAfter, beforeRestart.Length);
        var inFlight = (await host.Work().Notifications.ListAsync(NotificationStatus.Sending)).Single();
        Assert.Equal(beforeRestart[^1], inFlight.IdempotencyKey);

        // A new dispatcher (this engine) takes over the dead process's claim once the lease ran out.
        await using var restarted = await CrmTestHost.StartAsync(
            b => b.AddInProcessChannel("email", (m, ct) => File.AppendAllTextAsync(output, m.IdempotencyKey + "\n", ct), NotificationAddressKind.Email),
            start: host.Clock.GetUtcNow().AddMinutes(6),
            directory: host.Directory);
        while (await restarted.Dispatcher().DispatchDueAsync() > 0)
        {
        }

        var delivered = File.ReadAllLines(output);
        var all = await restarted.Work().Notifications.ListAsync();
        Assert.All(all, n => Assert.Equal(NotificationStatus.Sent, n.Status));
        Assert.Equal(Enumerable.Range(0, count).Select(i => $"n{i:00}"), delivered.Distinct().Order(StringComparer.Ordinal));
        var duplicates = delivered.GroupBy(k => k).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.Equal([inFlight.IdempotencyKey], duplicates);
        Assert.Equal(2, (await restarted.Work().Notifications.GetAsync(inFlight.IdempotencyKey))!.Attempts);
    }
}
