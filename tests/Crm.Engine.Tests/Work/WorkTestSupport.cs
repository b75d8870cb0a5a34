using Crm.Engine.Abstractions.Work;
using Crm.Engine.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Engine.Tests.Work;

/// <summary>Shortcuts for the work tests.</summary>
internal static class WorkTestSupport
{
    public static ITenantWork Work(this CrmTestHost host, string tenantId = "test") =>
        host.Services.GetRequiredService<IWorkServices>().ForTenant(tenantId);

    public static ITimerProcessor Timers(this CrmTestHost host) => host.Services.GetRequiredService<ITimerProcessor>();

    public static INotificationDispatcher Dispatcher(this CrmTestHost host) => host.Services.GetRequiredService<INotificationDispatcher>();

    /// <summary>Polls a condition with a generous bound (for real processes and servers, never for engine time).</summary>
    public static async Task<bool> PollAsync(Func<bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (DateTime.UtcNow < deadline)
        {
            if (condition())
            {
                return true;
            }

            await Task.Delay(50);
        }

        return condition();
    }

    public static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
