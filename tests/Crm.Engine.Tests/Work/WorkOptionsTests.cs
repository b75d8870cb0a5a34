using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Work;
using Crm.Engine.Testing;
using Crm.Engine.Work;
using Crm.Engine.Work.Notifications;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Crm.Engine.Tests.Work;

public sealed class WorkOptionsTests
{
    [Fact]
    public async Task InvalidOptions_AreRefusedWithTheSettingNamed()
    {
        await using var host = await CrmTestHost.StartAsync(b => b
            .ConfigureWork(o => { o.MaxAttempts = 0; o.LeaseTimeout = TimeSpan.Zero; })
            .AddSmtpEmailChannel(o => o.Port = 25));
        var work = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<WorkOptions>>().Value);
        Assert.Contains(work.Failures, f => f.Contains(nameof(WorkOptions.MaxAttempts), StringComparison.Ordinal));
        Assert.Contains(work.Failures, f => f.Contains(nameof(WorkOptions.LeaseTimeout), StringComparison.Ordinal));
        var smtp = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<SmtpChannelOptions>>().Value);
        Assert.Contains(smtp.Failures, f => f.Contains(nameof(SmtpChannelOptions.Host), StringComparison.Ordinal));
        Assert.Contains(smtp.Failures, f => f.Contains(nameof(SmtpChannelOptions.FromAddress), StringComparison.Ordinal));
    }

    [Fact]
    public async Task TwoChannelsWithOneName_AreAConfigurationError()
    {
        await using var host = await CrmTestHost.StartAsync(b => b
            .AddInProcessChannel("im", (_, _) => Task.CompletedTask)
            .AddInProcessChannel("IM", (_, _) => Task.CompletedTask));
        var error = Assert.Throws<CrmConfigurationException>(() => host.Services.GetRequiredService<INotificationDispatcher>());
        Assert.Contains("'IM'", error.Message, StringComparison.Ordinal);
        Assert.Throws<CrmConfigurationException>(() => new CrmEngineBuilder(new ServiceCollection()).AddWebhookChannel("sms", new Uri("ftp://gateway/")));
    }
}
