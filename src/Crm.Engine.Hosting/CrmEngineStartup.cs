using Crm.Engine.Abstractions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Crm.Engine.Hosting;

/// <summary>Prepares the store (migrations) when the host starts, so a broken store stops start-up instead of the first request.</summary>
internal sealed class CrmEngineStartup(ICrmEngine engine, IOptions<CrmEngineOptions> options) : IHostedService
{
    public const string ConfigurationSection = "Crm";

    public Task StartAsync(CancellationToken cancellationToken) =>
        options.Value.MigrateOnStart ? engine.InitializeAsync(cancellationToken) : Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
