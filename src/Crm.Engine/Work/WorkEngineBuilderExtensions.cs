using Crm.Engine.Abstractions.Work;
using Crm.Engine.Work;
using Crm.Engine.Work.Notifications;
using Crm.Engine.Work.Templates;
using Crm.Engine.Work.Timers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Crm.Engine;

/// <summary>Configures the work mechanisms: options and notification channels.</summary>
public static class WorkEngineBuilderExtensions
{
    /// <summary>Changes the work options (timers, dispatcher, retries, lease).</summary>
    /// <param name="builder">The engine builder.</param>
    /// <param name="configure">The change.</param>
    /// <returns>The builder.</returns>
    public static CrmEngineBuilder ConfigureWork(this CrmEngineBuilder builder, Action<WorkOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Configure(configure);
        return builder;
    }

    /// <summary>Adds the e-mail channel (SMTP via MailKit).</summary>
    /// <param name="builder">The engine builder.</param>
    /// <param name="configure">Sets host, port, security, credentials and sender.</param>
    /// <returns>The builder.</returns>
    public static CrmEngineBuilder AddSmtpEmailChannel(this CrmEngineBuilder builder, Action<SmtpChannelOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<SmtpChannelOptions>().Configure(configure).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<INotificationChannel, SmtpEmailChannel>();
        return builder;
    }

    /// <summary>Adds a webhook channel: each message is POSTed as JSON to <paramref name="endpoint"/> (SMS and chat gateways).</summary>
    /// <param name="builder">The engine builder.</param>
    /// <param name="name">The channel name, e.g. <c>sms</c>.</param>
    /// <param name="endpoint">The absolute http(s) URL.</param>
    /// <param name="addressKind">What the gateway's addresses are (phone numbers for SMS).</param>
    /// <returns>The builder.</returns>
    public static CrmEngineBuilder AddWebhookChannel(this CrmEngineBuilder builder, string name, Uri endpoint, NotificationAddressKind addressKind = NotificationAddressKind.Phone)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(endpoint);
        if (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
        {
            throw new Abstractions.Errors.CrmConfigurationException($"webhook channel '{name}': the endpoint '{endpoint}' must be an absolute http or https URL.");
        }

        builder.Services.AddSingleton<INotificationChannel>(_ => new WebhookChannel(name, endpoint, addressKind, new HttpClient()));
        return builder;
    }

    /// <summary>Adds an in-process channel that hands each message to a callback of the host.</summary>
    /// <param name="builder">The engine builder.</param>
    /// <param name="name">The channel name, e.g. <c>im</c>.</param>
    /// <param name="callback">Receives each message; throwing counts as a failed attempt.</param>
    /// <param name="addressKind">What the addresses are (by default the recipient's id).</param>
    /// <returns>The builder.</returns>
    public static CrmEngineBuilder AddInProcessChannel(this CrmEngineBuilder builder, string name, Func<NotificationMessage, CancellationToken, Task> callback, NotificationAddressKind addressKind = NotificationAddressKind.RecipientId)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(callback);
        builder.Services.AddSingleton<INotificationChannel>(new InProcessChannel(name, addressKind, callback));
        return builder;
    }

    /// <summary>Registers the work services; called once by the engine builder.</summary>
    internal static void AddWorkServices(IServiceCollection services)
    {
        services.AddOptions<WorkOptions>().ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<ChannelRegistry>();
        services.TryAddSingleton<TemplateRenderer>();
        services.TryAddSingleton<IWorkServices, WorkServices>();
        services.TryAddSingleton<ITimerProcessor, TimerProcessor>();
        services.TryAddSingleton<INotificationDispatcher, NotificationDispatcher>();
        services.AddHostedService<TimerBackgroundService>();
        services.AddHostedService<DispatcherBackgroundService>();
        // Daily purge of audit entries older than each tenant's retention (docs/security.md, "Audit trail").
        services.AddHostedService<Security.AuditRetentionBackgroundService>();
    }
}
