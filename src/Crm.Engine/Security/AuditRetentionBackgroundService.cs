using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Tenancy;
using Crm.Engine.Work;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Crm.Engine.Security;

/// <summary>
/// Keeps every tenant's audit trail within its retention: purges expired entries on start, then once a day of the
/// engine's clock, in the system context (source name <see cref="SourceName"/>). Runs with the other background
/// services (<see cref="WorkOptions.RunBackgroundServices"/>).
/// </summary>
internal sealed partial class AuditRetentionBackgroundService(ICrmEngine engine, TimeProvider time, IOptions<WorkOptions> options, ILogger<AuditRetentionBackgroundService> logger) : BackgroundService
{
    /// <summary>How often expired entries are purged.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromDays(1);

    /// <summary>The source name of the system context the purge runs in.</summary>
    public const string SourceName = "audit-retention";

    /// <summary>Purges every tenant once; a tenant that fails is logged and the others still run.</summary>
    public async Task<long> PurgeAllAsync(CancellationToken cancellationToken)
    {
        var total = 0L;
        foreach (var tenant in await engine.Tenants.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                total += await engine.ForTenant(CallerContext.System(tenant.Id, SourceName)).Audit.PurgeExpiredAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogTenantFailed(ex, tenant.Id);
            }
        }

        return total;
    }

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
                await PurgeAllAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(ex);
            }

            try
            {
                await Task.Delay(Interval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Purging expired audit entries of tenant '{TenantId}' failed; retrying tomorrow")]
    private partial void LogTenantFailed(Exception ex, string tenantId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Purging expired audit entries failed; retrying tomorrow")]
    private partial void LogFailed(Exception ex);
}
