using System.Collections.Concurrent;
using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Organization;
using Crm.Engine.Abstractions.Pipeline;
using Crm.Engine.Abstractions.Plugins;
using Crm.Engine.Abstractions.Work;
using Crm.Engine.Testing;

namespace Crm.Engine.Tests.Work;

public sealed class OutboxTests
{
    /// <summary>Channels that record what they get; <see cref="FailuresLeft"/> makes the next sends throw.</summary>
    private sealed class Probe
    {
        public ConcurrentQueue<NotificationMessage> Sent { get; } = new();

        public int FailuresLeft;

        public Func<NotificationMessage, CancellationToken, Task> Handler => (m, _) =>
        {
            if (Interlocked.Decrement(ref FailuresLeft) >= 0)
            {
                throw new InvalidOperationException($"gateway down for {m.IdempotencyKey}");
            }

            Sent.Enqueue(m);
            return Task.CompletedTask;
        };
    }

    private static async Task<(CrmTestHost Host, Probe Probe)> StartAsync(Action<CrmEngineBuilder>? configure = null)
    {
        var probe = new Probe();
        var host = await CrmTestHost.StartAsync(b =>
        {
            b.AddInProcessChannel("email", probe.Handler, NotificationAddressKind.Email)
                .AddInProcessChannel("sms", probe.Handler, NotificationAddressKind.Phone)
                .AddInProcessChannel("im", probe.Handler)
                .ConfigureWork(o => o.MaxAttempts = 3);
            configure?.Invoke(b);
        });
        await host.CreateTenantAsync();
        return (host, probe);
    }

    private static Task<CrmUser> UserAsync(CrmTestHost host, string name, string? email = null, string? phone = null) =>
        host.Engine.ForTenant("test").Organization.CreateUserAsync(new NewUser(name, name.ToUpperInvariant()) { Email = email ?? $"{name}@example.test", Phone = phone });

    [Fact]
    public async Task Enqueue_ThenDispatch_DeliversOnceWithIdempotencyKey()
    {
        var (host, probe) = await StartAsync();
        await using var _ = host;
        var user = await UserAsync(host, "quinn");
        var outbox = host.Work().Notifications;

        var state = await outbox.EnqueueAsync(new Notification { Recipient = NotificationRecipient.User(user.Id), Channel = "email", IdempotencyKey = "k1", Subject = "Hi", Body = "Hello" });
        var again = await outbox.EnqueueAsync(new Notification { Recipient = NotificationRecipient.User(user.Id), Channel = "email", IdempotencyKey = "k1", Subject = "Hi", Body = "Hello again" });
        Assert.Equal(state.Id, again.Id);
        Assert.Equal(NotificationStatus.Pending, state.Status);

        Assert.Equal(1, await host.Dispatcher().DispatchDueAsync());
        Assert.Equal(0, await host.Dispatcher().DispatchDueAsync());
        var sent = Assert.Single(probe.Sent);
        Assert.Equal(("k1", "quinn@example.test", "Hi", "Hello", 1), (sent.IdempotencyKey, sent.Address, sent.Subject, sent.Body, sent.Attempt));
        var stored = await outbox.GetAsync("k1");
        Assert.Equal((NotificationStatus.Sent, 1), (stored!.Status, stored.Attempts));
        Assert.NotNull(stored.SentAt);
    }

    [Fact]
    public async Task FailingChannel_IsRetriedWithExponentialBackoff_ThenSent()
    {
        var (host, probe) = await StartAsync();
        await using var _ = host;
        probe.FailuresLeft = 2;
        var outbox = host.Work().Notifications;
        await outbox.EnqueueAsync(new Notification { Recipient = NotificationRecipient.ToAddress("+4930123"), Channel = "sms", IdempotencyKey = "r", Body = "x" });

        Assert.Equal(1, await host.Dispatcher().DispatchDueAsync());
        var first = await outbox.GetAsync("r");
        Assert.Equal((NotificationStatus.Pending, 1), (first!.Status, first.Attempts));
        Assert.Contains("gateway down", first.LastError, StringComparison.Ordinal);
        Assert.Equal(host.Clock.GetUtcNow().AddSeconds(30), first.NextAttemptAt);

        host.Clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(0, await host.Dispatcher().DispatchDueAsync());
        host.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await host.Dispatcher().DispatchDueAsync());
        var second = await outbox.GetAsync("r");
        Assert.Equal(host.Clock.GetUtcNow().AddSeconds(60), second!.NextAttemptAt);

        host.Clock.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(1, await host.Dispatcher().DispatchDueAsync());
        var done = await outbox.GetAsync("r");
        Assert.Equal((NotificationStatus.Sent, 3, (string?)null), (done!.Status, done.Attempts, done.LastError));
        Assert.Equal(3, Assert.Single(probe.Sent).Attempt);
    }

    [Fact]
    public async Task AlwaysFailingChannel_IsMarkedFailedWithTheLastError_NeverDropped()
    {
        var (host, probe) = await StartAsync();
        await using var _ = host;
        probe.FailuresLeft = int.MaxValue;
        var outbox = host.Work().Notifications;
        await outbox.EnqueueAsync(new Notification { Recipient = NotificationRecipient.ToAddress("a@example.test"), Channel = "email", IdempotencyKey = "f", Body = "x" });
        for (var i = 0; i < 5; i++)
        {
            await host.Dispatcher().DispatchDueAsync();
            host.Clock.Advance(TimeSpan.FromHours(1));
        }

        var failed = await outbox.GetAsync("f");
        Assert.Equal((NotificationStatus.Failed, 3), (failed!.Status, failed.Attempts));
        Assert.Contains("gateway down for f", failed.LastError, StringComparison.Ordinal);
        Assert.Single(await outbox.ListAsync(NotificationStatus.Failed));
    }

    [Fact]
    public async Task OptedOutRecipients_AreSuppressedWithReason_PreferredChannelResolves()
    {
        var (host, probe) = await StartAsync();
        await using var _ = host;
        var tenant = host.Engine.ForTenant("test");
        var outbox = host.Work().Notifications;
        var noMail = await UserAsync(host, "nomail");
        var chatty = await UserAsync(host, "chatty");
        await outbox.SetUserPreferencesAsync(noMail.Id, new ChannelPreferences(DoNotEmail: true));
        await outbox.SetUserPreferencesAsync(chatty.Id, new ChannelPreferences(PreferredChannel: "im"));
        var contact = await tenant.Records.CreateAsync(CoreEntities.Contact, new Dictionary<string, object?>
        {
            [ContactFields.LastName] = "Meyer",
            [ContactFields.MobilePhone] = "+49 170 1234567",
            [ContactFields.Email] = "meyer@example.test",
            [ContactFields.DoNotCall] = true,
            [ContactFields.PreferredChannel] = "sms",
        });

        var suppressed = await outbox.EnqueueAsync(new Notification { Recipient = NotificationRecipient.User(noMail.Id), Channel = "email", IdempotencyKey = "s1", Body = "x" });
        Assert.Equal(NotificationStatus.Suppressed, suppressed.Status);
        Assert.Contains("do-not-email", suppressed.LastError, StringComparison.Ordinal);

        var preferred = await outbox.EnqueueAsync(new Notification { Recipient = NotificationRecipient.User(chatty.Id), Channel = Notification.PreferredChannel, IdempotencyKey = "p1", Body = "x" });
        Assert.Equal(("im", chatty.Id.ToString()), (preferred.Channel, preferred.Address));

        var defaulted = await outbox.EnqueueAsync(new Notification { Recipient = NotificationRecipient.User(noMail.Id), Channel = Notification.PreferredChannel, IdempotencyKey = "p2", Body = "x" });
        Assert.Equal(("email", NotificationStatus.Suppressed), (defaulted.Channel, defaulted.Status));

        var contactSms = await outbox.EnqueueAsync(new Notification { Recipient = NotificationRecipient.Contact(contact.Id), Channel = Notification.PreferredChannel, IdempotencyKey = "c1", Body = "x" });
        Assert.Equal(("sms", NotificationStatus.Suppressed), (contactSms.Channel, contactSms.Status));
        Assert.Contains("do-not-call", contactSms.LastError, StringComparison.Ordinal);

        var contactMail = await outbox.EnqueueAsync(new Notification { Recipient = NotificationRecipient.Contact(contact.Id), Channel = "email", IdempotencyKey = "c2", Body = "x" });
        Assert.Equal(("meyer@example.test", NotificationStatus.Pending), (contactMail.Address, contactMail.Status));

        Assert.Equal(2, await host.Dispatcher().DispatchDueAsync());
        Assert.Equal(["c2", "p1"], probe.Sent.Select(m => m.IdempotencyKey).Order(StringComparer.Ordinal));
        Assert.Equal(3, (await outbox.ListAsync(NotificationStatus.Suppressed)).Count);
    }

    [Fact]
    public async Task BadInput_UnknownChannelUserOrContact_GivesTypedErrors()
    {
        var (host, _) = await StartAsync();
        await using var _h = host;
        var outbox = host.Work().Notifications;
        var channel = await Assert.ThrowsAsync<CrmValidationException>(() => outbox.EnqueueAsync(new Notification { Recipient = NotificationRecipient.ToAddress("x"), Channel = "pigeon", IdempotencyKey = "u1", Body = "x" }));
        Assert.Contains(channel.Errors, e => e.Rule == "unknown_channel" && e.Message.Contains("'pigeon'", StringComparison.Ordinal) && e.Message.Contains("email", StringComparison.Ordinal));
        var missingUser = Guid.NewGuid();
        var user = await Assert.ThrowsAsync<CrmValidationException>(() => outbox.EnqueueAsync(new Notification { Recipient = NotificationRecipient.User(missingUser), Channel = "email", IdempotencyKey = "u2", Body = "x" }));
        Assert.Contains(user.Errors, e => e.Message.Contains(missingUser.ToString(), StringComparison.Ordinal));
        await Assert.ThrowsAsync<CrmNotFoundException>(() => outbox.EnqueueAsync(new Notification { Recipient = NotificationRecipient.Contact(Guid.NewGuid()), Channel = "email", IdempotencyKey = "u3", Body = "x" }));
        await Assert.ThrowsAsync<CrmValidationException>(() => outbox.EnqueueAsync(new Notification { Recipient = NotificationRecipient.ToAddress("x"), Channel = "email", IdempotencyKey = "u4" }));
        Assert.Empty(await outbox.ListAsync());
    }

    [Fact]
    public async Task Enqueue_FromPipelineHandler_IsWrittenInTheSameTransaction()
    {
        var (host, probe) = await StartAsync(b => b.AddPlugin<NotifyOnAccountPlugin>());
        await using var _ = host;
        var tenant = host.Engine.ForTenant("test");
        var outbox = host.Work().Notifications;

        await tenant.Records.CreateAsync(CoreEntities.Account, new Dictionary<string, object?> { [AccountFields.Name] = "Kept" });
        await Assert.ThrowsAsync<CrmOperationRejectedException>(() => tenant.Records.CreateAsync(CoreEntities.Account, new Dictionary<string, object?> { [AccountFields.Name] = "Rejected" }));

        var stored = Assert.Single(await outbox.ListAsync());
        Assert.Equal("New account Kept", stored.Body);
        Assert.Equal(1, await host.Dispatcher().DispatchDueAsync());
        Assert.Single(probe.Sent);
    }

    public sealed class NotifyOnAccountPlugin : ICrmPlugin
    {
        public void Configure(ICrmPluginBuilder builder)
        {
            builder.AddPipelineHandler<NotifyHandler>(PipelineMessages.Create, CoreEntities.Account, PipelineStage.PostOperation);
            builder.AddPipelineHandler<RejectHandler>(PipelineMessages.Create, CoreEntities.Account, PipelineStage.PostOperation, order: 10);
        }
    }

    public sealed class NotifyHandler(IWorkServices work) : IPipelineHandler
    {
        public async Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
        {
            var name = context.PostImage![AccountFields.Name];
            await work.ForContext(context).Notifications.EnqueueAsync(new Notification
            {
                Recipient = NotificationRecipient.ToAddress("desk@example.test"),
                Channel = "email",
                IdempotencyKey = $"account-created:{context.RecordId}",
                Body = $"New account {name}",
            }, cancellationToken);
        }
    }

    public sealed class RejectHandler : IPipelineHandler
    {
        public Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken) =>
            Equals(context.PostImage![AccountFields.Name], "Rejected") ? throw new CrmOperationRejectedException("no") : Task.CompletedTask;
    }
}
