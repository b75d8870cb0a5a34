using Crm.Engine.Abstractions.Work;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Crm.Engine.Work.Notifications;

/// <summary>Dispatches due notifications in a loop on the engine's clock; stale claims of a crashed process are taken over after the lease.</summary>
internal sealed partial class DispatcherBackgroundService(INotificationDispatcher dispatcher, TimeProvider time, IOptions<WorkOptions> options, ILogger<DispatcherBackgroundService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.RunBackgroundServices)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await dispatcher.DispatchDueAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(ex);
            }

            try
            {
                await Task.Delay(options.Value.DispatchPollInterval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Dispatching notifications failed; retrying at the next poll")]
    private partial void LogFailed(Exception ex);
}
