using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Crm.Engine.Abstractions.Work;
using Crm.Engine.Testing;
using Crm.Engine.Work.Notifications;

namespace Crm.Engine.Tests.Work;

/// <summary>The real channels against real servers on loopback: aiosmtpd for e-mail, an <see cref="HttpListener"/> for webhooks.</summary>
public sealed class ChannelTests
{
    private static string? FindPythonWithAiosmtpd()
    {
        foreach (var candidate in new[] { "/usr/bin/python3", "python3" })
        {
            try
            {
                using var probe = Process.Start(new ProcessStartInfo(candidate, "-c \"import aiosmtpd\"") { RedirectStandardError = true, RedirectStandardOutput = true });
                if (probe is null)
                {
                    continue;
                }

                probe.WaitForExit(30_000);
                if (probe.HasExited && probe.ExitCode == 0)
                {
                    return candidate;
                }
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // Not installed under that name.
            }
        }

        return null;
    }

    private static async Task<bool> CanConnectAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    [Fact]
    public async Task Email_IsDeliveredToARealSmtpServer_AndUnreachableServerEndsFailed()
    {
        var python = FindPythonWithAiosmtpd();
        Assert.True(python is not null, "python3-aiosmtpd is required (apt-get install -y python3-aiosmtpd; .ci/run installs it).");
        var port = WorkTestSupport.FreePort();
        var output = new StringBuilder();
        using var server = Process.Start(new ProcessStartInfo(python, $"-u -m aiosmtpd -n -l 127.0.0.1:{port}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        server.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        server.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        try
        {
            var up = false;
            for (var i = 0; i < 600 && !up; i++)
            {
                up = await CanConnectAsync(port);
                if (!up)
                {
                    await Task.Delay(100);
                }
            }

            Assert.True(up, "the SMTP server did not start");
            await using var host = await CrmTestHost.StartAsync(b => b.AddSmtpEmailChannel(o =>
            {
                o.Host = "127.0.0.1";
                o.Port = port;
                o.Security = SmtpSecurity.None;
                o.FromAddress = "crm@example.test";
                o.FromName = "CRM";
            }));
            await host.CreateTenantAsync();
            var outbox = host.Work().Notifications;
            await outbox.EnqueueAsync(new Notification
            {
                Recipient = NotificationRecipient.ToAddress("quality@example.test"),
                Channel = "email",
                IdempotencyKey = "case-42:quality",
                Subject = "Complaint 42 needs a plan",
                Body = "Please propose a handling plan within 2 days.",
            });

            Assert.Equal(1, await host.Dispatcher().DispatchDueAsync());
            Assert.Equal(NotificationStatus.Sent, (await outbox.GetAsync("case-42:quality"))!.Status);
            Assert.True(await WorkTestSupport.PollAsync(() => { lock (output) { return output.ToString().Contains("handling plan within 2 days", StringComparison.Ordinal); } }),
                $"the SMTP server did not print the message:\n{output}");
            string text;
            lock (output)
            {
                text = output.ToString();
            }

            Assert.Contains("X-Idempotency-Key: case-42:quality", text, StringComparison.Ordinal);
            Assert.Contains("Subject: Complaint 42 needs a plan", text, StringComparison.Ordinal);
            Assert.Contains("quality@example.test", text, StringComparison.Ordinal);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }

        // The server is gone: each attempt fails with the connection error, then the notification is marked failed.
        await using var down = await CrmTestHost.StartAsync(b => b
            .AddSmtpEmailChannel(o => { o.Host = "127.0.0.1"; o.Port = port; o.Security = SmtpSecurity.None; o.FromAddress = "crm@example.test"; })
            .ConfigureWork(o => o.MaxAttempts = 2));
        await down.CreateTenantAsync();
        await down.Work().Notifications.EnqueueAsync(new Notification { Recipient = NotificationRecipient.ToAddress("a@example.test"), Channel = "email", IdempotencyKey = "down", Body = "x" });
        await down.Dispatcher().DispatchDueAsync();
        var retrying = await down.Work().Notifications.GetAsync("down");
        Assert.Equal((NotificationStatus.Pending, 1), (retrying!.Status, retrying.Attempts));
        down.Clock.Advance(TimeSpan.FromMinutes(1));
        await down.Dispatcher().DispatchDueAsync();
        var failed = await down.Work().Notifications.GetAsync("down");
        Assert.Equal((NotificationStatus.Failed, 2), (failed!.Status, failed.Attempts));
        Assert.Contains("SocketException", failed.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Webhook_500IsRetried_ThenDelivered_AndPersistent500EndsFailedWithStatusAndBody()
    {
        var port = WorkTestSupport.FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var requests = new List<(string Key, string Body)>();
        var failFor = new HashSet<string>(StringComparer.Ordinal) { "always" };
        var failedOnce = new HashSet<string>(StringComparer.Ordinal);
        using var stop = new CancellationTokenSource();
        var serving = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception) when (stop.IsCancellationRequested)
                {
                    return;
                }

                using var reader = new StreamReader(context.Request.InputStream);
                var body = await reader.ReadToEndAsync();
                var key = context.Request.Headers["Idempotency-Key"] ?? string.Empty;
                lock (requests)
                {
                    requests.Add((key, body));
                }

                var fail = failFor.Contains(key) || failedOnce.Add(key);
                context.Response.StatusCode = fail ? 500 : 200;
                var answer = Encoding.UTF8.GetBytes(fail ? "gateway exploded" : "ok");
                await context.Response.OutputStream.WriteAsync(answer);
                context.Response.Close();
            }
        });

        await using var host = await CrmTestHost.StartAsync(b => b
            .AddWebhookChannel("sms", new Uri($"http://127.0.0.1:{port}/send"))
            .ConfigureWork(o => o.MaxAttempts = 3));
        await host.CreateTenantAsync();
        var outbox = host.Work().Notifications;
        await outbox.EnqueueAsync(new Notification { Recipient = NotificationRecipient.ToAddress("+49301234"), Channel = "sms", IdempotencyKey = "once", Body = "Your case was received" });
        await outbox.EnqueueAsync(new Notification { Recipient = NotificationRecipient.ToAddress("+49301235"), Channel = "sms", IdempotencyKey = "always", Body = "never arrives" });

        Assert.Equal(2, await host.Dispatcher().DispatchDueAsync());
        var first = await outbox.GetAsync("once");
        Assert.Equal(NotificationStatus.Pending, first!.Status);
        Assert.Contains("HTTP 500", first.LastError, StringComparison.Ordinal);
        Assert.Contains("gateway exploded", first.LastError, StringComparison.Ordinal);

        for (var i = 0; i < 3; i++)
        {
            host.Clock.Advance(TimeSpan.FromMinutes(5));
            await host.Dispatcher().DispatchDueAsync();
        }

        Assert.Equal((NotificationStatus.Sent, 2), ((await outbox.GetAsync("once"))!.Status, (await outbox.GetAsync("once"))!.Attempts));
        var failed = await outbox.GetAsync("always");
        Assert.Equal((NotificationStatus.Failed, 3), (failed!.Status, failed.Attempts));
        Assert.Contains("HTTP 500", failed.LastError, StringComparison.Ordinal);
        Assert.Contains("gateway exploded", failed.LastError, StringComparison.Ordinal);
        lock (requests)
        {
            Assert.Equal(2, requests.Count(r => r.Key == "once"));
            using var json = System.Text.Json.JsonDocument.Parse(requests.First(r => r.Key == "once").Body);
            Assert.Equal("+49301234", json.RootElement.GetProperty("to").GetString());
            Assert.Equal("once", json.RootElement.GetProperty("idempotencyKey").GetString());
            Assert.Equal("Your case was received", json.RootElement.GetProperty("body").GetString());
        }

        await stop.CancelAsync();
        listener.Stop();
        await serving;
    }
}
