using Crm.Engine;
using Crm.Engine.Hosting;
using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds Crm.Engine to a host's services.</summary>
public static class CrmEngineServiceCollectionExtensions
{
    /// <summary>
    /// Adds the engine, with options bound from the configuration section <c>Crm</c>. The store defaults to embedded
    /// SQLite with the connection string <c>ConnectionStrings:Crm</c>, or <c>Data Source=crm.db</c>; choose another
    /// with <c>.UseSqlite(...)</c> on the returned builder.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configure">Changes to the options, applied after configuration.</param>
    /// <returns>The engine builder, for chaining.</returns>
    public static CrmEngineBuilder AddCrmEngine(this IServiceCollection services, Action<CrmEngineOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = new CrmEngineBuilder(services);
        // Bound when the host has configuration; a bare service collection (tests, tools) keeps the defaults.
        services.AddOptions<CrmEngineOptions>().Configure<IServiceProvider>((options, provider) =>
            provider.GetService<IConfiguration>()?.GetSection(CrmEngineStartup.ConfigurationSection).Bind(options));
        services.AddOptions<Crm.Engine.Work.WorkOptions>().Configure<IServiceProvider>((options, provider) =>
            provider.GetService<IConfiguration>()?.GetSection($"{CrmEngineStartup.ConfigurationSection}:Work").Bind(options));
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.AddHostedService<CrmEngineStartup>();
        return builder.UseSqlite(provider =>
            provider.GetService<IConfiguration>()?.GetConnectionString("Crm") ?? "Data Source=crm.db");
    }

    /// <summary>Adds the engine with options bound from a configuration section.</summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configuration">The section holding <see cref="CrmEngineOptions"/>.</param>
    /// <returns>The engine builder, for chaining.</returns>
    public static CrmEngineBuilder AddCrmEngine(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = services.AddCrmEngine();
        services.Configure<CrmEngineOptions>(configuration);
        return builder;
    }
}
