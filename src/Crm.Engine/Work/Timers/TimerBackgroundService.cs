using Crm.Engine.Abstractions.Work;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Crm.Engine.Work.Timers;

/// <summary>Fires due timers in a loop: at once on start (catching up timers missed while the engine was down), then every poll interval of the engine's clock.</summary>
internal sealed partial class TimerBackgroundService(ITimerProcessor processor, TimeProvider time, IOptions<WorkOptions> options, ILogger<TimerBackgroundService> logger) : BackgroundService
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
                await processor.FireDueAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(ex);
            }

            try
            {
                await Task.Delay(options.Value.TimerPollInterval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Firing due timers failed; retrying at the next poll")]
    private partial void LogFailed(Exception ex);
}
