// Usage: Crm.Engine.OutboxWorker <database folder> <output file> <clock start, ISO 8601> <hang after N sends>
// Dispatches the database's due notifications through an "email" channel that appends each idempotency key to the
// output file. After the N-th send it hangs before acknowledging, so the test can kill it between send and ack.
using System.Globalization;
using Crm.Engine;
using Crm.Engine.Abstractions.Work;
using Crm.Engine.Testing;
using Microsoft.Extensions.DependencyInjection;

var directory = args[0];
var output = args[1];
var start = DateTimeOffset.Parse(args[2], CultureInfo.InvariantCulture);
var hangAfter = int.Parse(args[3], CultureInfo.InvariantCulture);
var sends = 0;

await using var host = await CrmTestHost.StartAsync(
    b => b.AddInProcessChannel("email", async (message, cancellationToken) =>
    {
        await File.AppendAllTextAsync(output, message.IdempotencyKey + "\n", cancellationToken);
        if (Interlocked.Increment(ref sends) == hangAfter)
        {
            // Sent but never acknowledged: the test kills the process here.
            await Console.Out.WriteLineAsync("HANGING");
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
    }, NotificationAddressKind.Email).ConfigureWork(o => o.SendTimeout = TimeSpan.FromHours(1)),
    start: start,
    directory: directory);

var dispatcher = host.Services.GetRequiredService<INotificationDispatcher>();
while (await dispatcher.DispatchDueAsync() > 0)
{
}

await Console.Out.WriteLineAsync("DONE");
