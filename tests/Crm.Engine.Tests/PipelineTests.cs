using Crm.Engine.Abstractions.Organization;
using System.Collections.Concurrent;
using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Events;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Pipeline;
using Crm.Engine.Abstractions.Plugins;
using Crm.Engine.Abstractions.Records;
using Microsoft.Extensions.DependencyInjection;
using static Crm.Engine.Tests.EngineFixture;

namespace Crm.Engine.Tests;

/// <summary>What the test plugin's handlers and consumers saw, per tenant.</summary>
public sealed class CallLog
{
    public ConcurrentQueue<(string Tenant, string Entry)> Entries { get; } = new();

    public ConcurrentQueue<IDomainEvent> Events { get; } = new();

    public void Add(IPipelineContext context, string entry) => Entries.Enqueue((context.Caller.TenantId, entry));

    public List<string> For(string tenant) => [.. Entries.Where(e => e.Tenant == tenant).Select(e => e.Entry)];

    public List<IDomainEvent> EventsFor(string tenant) => [.. Events.Where(e => e.TenantId == tenant)];
}

/// <summary>
/// A plugin with its own entity type (ticket) and handlers at every stage. What a handler does is steered by the
/// ticket's title, so tests of one class can share the engine.
/// </summary>
public sealed class TicketPlugin : ICrmPlugin
{
    public const string Ticket = "ticket";

    public void Configure(ICrmPluginBuilder builder)
    {
        builder.Services.AddSingleton<CallLog>();
        builder.Services.AddScoped<OperationTally>();
        builder.AddEntity(new EntityDefinition
        {
            ApiName = Ticket,
            DisplayName = "Ticket",
            PrimaryField = "title",
            Fields =
            [
                new() { ApiName = "title", Type = FieldType.Text, Required = true, MaxLength = 200 },
                new() { ApiName = "note", Type = FieldType.Text },
                new() { ApiName = "priority", Type = FieldType.Number, MinValue = 1, MaxValue = 5 },
                new() { ApiName = "parentTicketId", Type = FieldType.Lookup, LookupTarget = Ticket },
            ],
        });
        foreach (var message in new[] { PipelineMessages.Create, PipelineMessages.Update, PipelineMessages.Delete })
        {
            // Registered out of order on purpose: the order number decides, not the registration order.
            builder.AddPipelineHandler<PostOperationLogger>(message, Ticket, PipelineStage.PostOperation, order: 10);
            builder.AddPipelineHandler<PreValidationSecond>(message, Ticket, PipelineStage.PreValidation, order: 20);
            builder.AddPipelineHandler<PreValidationFirst>(message, Ticket, PipelineStage.PreValidation, order: 10);
            builder.AddPipelineHandler<PreOperationStamp>(message, PipelineStep.AnyEntity, PipelineStage.PreOperation, order: 0);
            builder.AddPipelineHandler<PostOperationSpawn>(message, Ticket, PipelineStage.PostOperation, order: 20);
            builder.AddPipelineHandler<PostOperationReject>(message, Ticket, PipelineStage.PostOperation, order: 30);
        }

        builder.AddPipelineHandler<DeleteLoop>(PipelineMessages.Delete, Ticket, PipelineStage.PreOperation, order: 5);
        builder.AddPipelineHandler<TryChild>(PipelineMessages.Create, Ticket, PipelineStage.PostOperation, order: 25);
        builder.AddPipelineHandler<Tally>(PipelineMessages.Create, Ticket, PipelineStage.PreValidation, order: 99);
        builder.AddPipelineHandler<Tally>(PipelineMessages.Create, Ticket, PipelineStage.PostOperation, order: 99);
    }

    private static string Title(IPipelineContext context) =>
        (context.Target.TryGetValue("title", out var t) ? t : context.PreImage?["title"]) as string ?? string.Empty;

    public sealed class PreValidationFirst(CallLog log) : IPipelineHandler
    {
        public Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
        {
            log.Add(context, $"PV1 {context.Message} {context.Stage} depth={context.Depth}");
            context.SharedVariables["seen"] = "PV1";
            if (context.Target.TryGetValue("title", out var title) && title is string s)
            {
                // A PreValidation handler may normalise values before they are validated.
                context.Target["title"] = s.Trim();
            }

            if (Title(context).Contains("reject-early", StringComparison.Ordinal))
            {
                throw new CrmOperationRejectedException("early rejection", "title");
            }

            return Task.CompletedTask;
        }
    }

    public sealed class PreValidationSecond(CallLog log) : IPipelineHandler
    {
        public Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
        {
            log.Add(context, $"PV2 {context.Message} shared={context.SharedVariables["seen"]}");
            return Task.CompletedTask;
        }
    }

    public sealed class PreOperationStamp(CallLog log) : IPipelineHandler
    {
        public Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
        {
            log.Add(context, $"PO {context.Message} {context.EntityType} pre={context.PreImage?.Version} post={context.PostImage?.Version}");
            if (context.EntityType == Ticket && context.Message != PipelineMessages.Delete)
            {
                context.Target["note"] = $"stamped at depth {context.Depth}";
                if (Title(context).Contains("bad-priority", StringComparison.Ordinal))
                {
                    // Changes made here are validated too.
                    context.Target["priority"] = 9;
                }
            }

            return Task.CompletedTask;
        }
    }

    public sealed class PostOperationLogger(CallLog log) : IPipelineHandler
    {
        public Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
        {
            var events = log.EventsFor(context.Caller.TenantId).Count;
            log.Add(context, $"POST {context.Message} pre={context.PreImage?.Version} post={context.PostImage?.Version} note={context.PostImage?["note"]} events={events}");
            if (Title(context).Contains("touch", StringComparison.Ordinal))
            {
                context.QueueEvent(new TicketTouched(context.Caller.TenantId, DateTimeOffset.UnixEpoch, context.RecordId));
            }

            return Task.CompletedTask;
        }
    }

    public sealed class PostOperationSpawn(CallLog log) : IPipelineHandler
    {
        public async Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
        {
            var title = Title(context);
            if (context.Message == PipelineMessages.Create && (title.Contains("spawn", StringComparison.Ordinal) || title.Contains("loop", StringComparison.Ordinal)))
            {
                var childTitle = title.Contains("loop", StringComparison.Ordinal) ? title : "child ticket" + (title.Contains("tally", StringComparison.Ordinal) ? " tally" : string.Empty);
                var child = await context.Records.CreateAsync(Ticket, V(("title", childTitle), ("parentTicketId", context.RecordId)), cancellationToken: cancellationToken);
                log.Add(context, $"SPAWNED {child.Id} at depth {context.Depth}");
            }
        }
    }

    /// <summary>Deletes the record being deleted again, before the delete happens: a loop of deletes.</summary>
    public sealed class DeleteLoop : IPipelineHandler
    {
        public Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken) =>
            Title(context).Contains("recursive-delete", StringComparison.Ordinal)
                ? context.Records.DeleteAsync(Ticket, context.RecordId, cancellationToken: cancellationToken)
                : Task.CompletedTask;
    }

    /// <summary>Creates a child that its own handler rejects after it was written, and carries on.</summary>
    public sealed class TryChild(CallLog log) : IPipelineHandler
    {
        public async Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
        {
            if (!Title(context).Contains("try-child", StringComparison.Ordinal))
            {
                return;
            }

            try
            {
                await context.Records.CreateAsync(Ticket, V(("title", "child reject-late")), cancellationToken: cancellationToken);
            }
            catch (CrmOperationRejectedException ex)
            {
                log.Add(context, $"CHILD REJECTED: {ex.Message}; children now {await context.Records.CountAsync(RecordQuery.For(Ticket), cancellationToken)}");
            }
        }
    }

    /// <summary>Depends on a scoped service: one instance per top-level operation, shared by its nested operations.</summary>
    public sealed class Tally(OperationTally tally, CallLog log) : IPipelineHandler
    {
        public Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
        {
            if (Title(context).Contains("tally", StringComparison.Ordinal))
            {
                log.Add(context, $"TALLY {tally.Id} {context.Stage} depth={context.Depth} count={tally.Next()}");
            }

            return Task.CompletedTask;
        }
    }

    public sealed class PostOperationReject : IPipelineHandler
    {
        public Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken) =>
            Title(context).Contains("reject-late", StringComparison.Ordinal)
                ? throw new CrmOperationRejectedException("late rejection")
                : Task.CompletedTask;
    }
}

/// <summary>A scoped service of the test plugin.</summary>
public sealed class OperationTally
{
    private int _count;

    public Guid Id { get; } = Guid.NewGuid();

    public int Next() => Interlocked.Increment(ref _count);
}

public sealed record TicketTouched(string TenantId, DateTimeOffset OccurredAt, Guid TicketId) : IDomainEvent;

public sealed class CollectingConsumer(CallLog log) : IDomainEventConsumer<RecordCreated>, IDomainEventConsumer<IDomainEvent>
{
    Task IDomainEventConsumer<RecordCreated>.HandleAsync(RecordCreated domainEvent, CancellationToken cancellationToken)
    {
        log.Events.Enqueue(domainEvent);
        return Task.CompletedTask;
    }

    Task IDomainEventConsumer<IDomainEvent>.HandleAsync(IDomainEvent domainEvent, CancellationToken cancellationToken)
    {
        if (domainEvent is not RecordCreated)
        {
            log.Events.Enqueue(domainEvent);
        }

        return Task.CompletedTask;
    }
}

/// <summary>A consumer registered as scoped, as web hosts usually register them.</summary>
public sealed class ScopedConsumer(CallLog log) : IDomainEventConsumer<RecordDeleted>
{
    public Task HandleAsync(RecordDeleted domainEvent, CancellationToken cancellationToken)
    {
        log.Entries.Enqueue((domainEvent.TenantId, $"scoped consumer saw {domainEvent.Before.Id}"));
        return Task.CompletedTask;
    }
}

public sealed class ThrowingConsumer : IDomainEventConsumer<RecordCreated>
{
    public Task HandleAsync(RecordCreated domainEvent, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("consumer failure");
}

public sealed class PipelineFixture : EngineFixture
{
    public CallLog Log => Host.Services.GetRequiredService<CallLog>();

    public override Task InitializeAsync() => StartAsync(
        b => b.AddPlugin(new TicketPlugin(), "tickets"),
        services =>
        {
            services.AddSingleton<IDomainEventConsumer<RecordCreated>, ThrowingConsumer>();
            services.AddScoped<IDomainEventConsumer<RecordDeleted>, ScopedConsumer>();
            services.AddSingleton<CollectingConsumer>();
            services.AddSingleton<IDomainEventConsumer<RecordCreated>>(p => p.GetRequiredService<CollectingConsumer>());
            services.AddSingleton<IDomainEventConsumer<IDomainEvent>>(p => p.GetRequiredService<CollectingConsumer>());
        });
}

public class PipelineTests(PipelineFixture fixture) : IClassFixture<PipelineFixture>
{
    private const string Ticket = TicketPlugin.Ticket;

    [Fact]
    public async Task CreateAsync_HandlersAtEveryStage_RunInStageThenOrderSequence()
    {
        var crm = await fixture.NewTenantAsync();

        var ticket = await crm.Records.CreateAsync(Ticket, V(("title", "  Printer broken  ")));

        Assert.Equal(
            [
                "PV1 Create PreValidation depth=1",
                "PV2 Create shared=PV1",
                "PO Create ticket pre= post=",
                "POST Create pre= post=1 note=stamped at depth 1 events=0",
            ],
            fixture.Log.For(crm.TenantId));
        Assert.Equal("Printer broken", ticket["title"]);
        Assert.Equal("stamped at depth 1", ticket["note"]);
        Assert.Equal("stamped at depth 1", (await crm.Records.GetAsync(Ticket, ticket.Id))!["note"]);
    }

    [Fact]
    public async Task UpdateAndDelete_Handlers_SeePreAndPostImages()
    {
        var crm = await fixture.NewTenantAsync();
        var ticket = await crm.Records.CreateAsync(Ticket, V(("title", "Printer")));

        await crm.Records.UpdateAsync(Ticket, ticket.Id, 1, V(("priority", 2)));
        await crm.Records.DeleteAsync(Ticket, ticket.Id);

        var log = fixture.Log.For(crm.TenantId).Skip(4).Where(l => !l.StartsWith("scoped", StringComparison.Ordinal)).ToList();
        Assert.Equal(
            [
                "PV1 Update PreValidation depth=1",
                "PV2 Update shared=PV1",
                "PO Update ticket pre=1 post=",
                "POST Update pre=1 post=2 note=stamped at depth 1 events=1",
                "PV1 Delete PreValidation depth=1",
                "PV2 Delete shared=PV1",
                "PO Delete ticket pre=2 post=",
                "POST Delete pre=2 post= note= events=2",
            ],
            log);
    }

    [Fact]
    public async Task CreateAsync_HandlerRejectsEarly_RejectedAndNothingWrittenNoEvent()
    {
        var crm = await fixture.NewTenantAsync();

        var ex = await Assert.ThrowsAsync<CrmOperationRejectedException>(() => crm.Records.CreateAsync(Ticket, V(("title", "reject-early"))));

        Assert.Equal(("early rejection", "title", CrmErrorCodes.Rejected), (ex.Message, ex.Field, ex.Code));
        Assert.Equal(0, await CountAsync(crm, Ticket));
        Assert.Empty(fixture.Log.EventsFor(crm.TenantId));
    }

    [Fact]
    public async Task CreateAsync_PreOperationSetsInvalidValue_ValidationErrorAndNothingWritten()
    {
        var crm = await fixture.NewTenantAsync();

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => crm.Records.CreateAsync(Ticket, V(("title", "bad-priority"))));

        var error = Assert.Single(ex.Errors);
        Assert.Equal((Ticket, "priority", "range"), (error.EntityType, error.Field, error.Rule));
        Assert.Equal(0, await CountAsync(crm, Ticket));
    }

    [Fact]
    public async Task CreateAsync_PostOperationCreatesChild_BothCommittedNestedOneLevelDeeperEventsAfterCommit()
    {
        var crm = await fixture.NewTenantAsync();

        var parent = await crm.Records.CreateAsync(Ticket, V(("title", "spawn one")));

        var all = await crm.Records.QueryAsync(RecordQuery.For(Ticket));
        Assert.Equal(2, all.Records.Count);
        var child = all.Records.Single(r => r.Id != parent.Id);
        Assert.Equal(("child ticket", parent.Id, "stamped at depth 2"), (child["title"], child.Get<Guid>("parentTicketId"), child["note"]));
        var log = fixture.Log.For(crm.TenantId);
        Assert.Contains("PV1 Create PreValidation depth=2", log);
        Assert.Contains($"SPAWNED {child.Id} at depth 1", log);
        Assert.All(log.Where(l => l.StartsWith("POST", StringComparison.Ordinal)), l => Assert.EndsWith("events=0", l, StringComparison.Ordinal));
        var created = fixture.Log.EventsFor(crm.TenantId).OfType<RecordCreated>().Select(e => e.Record.Id).ToList();
        Assert.Equal([child.Id, parent.Id], created);
    }

    [Fact]
    public async Task CreateAsync_LaterPostOperationHandlerRejects_ChildCreatedInSameTransactionRolledBack()
    {
        var crm = await fixture.NewTenantAsync();
        using var subscription = fixture.Engine.Events.Subscribe<IDomainEvent>((e, _) =>
            e.TenantId == crm.TenantId ? throw new InvalidOperationException("no event may be published") : Task.CompletedTask);

        var ex = await Assert.ThrowsAsync<CrmOperationRejectedException>(() => crm.Records.CreateAsync(Ticket, V(("title", "spawn reject-late"))));

        Assert.Equal("late rejection", ex.Message);
        Assert.Contains(fixture.Log.For(crm.TenantId), l => l.StartsWith("SPAWNED", StringComparison.Ordinal));
        Assert.Equal(0, await CountAsync(crm, Ticket));
        Assert.Empty(fixture.Log.EventsFor(crm.TenantId));
    }

    [Fact]
    public async Task CreateManyAsync_HandlerRejectsOneRow_NothingStoredAndRowNamed()
    {
        var crm = await fixture.NewTenantAsync();
        var rows = Enumerable.Range(1, 5).Select(i => (IReadOnlyDictionary<string, object?>)V(("title", i == 4 ? "reject-early" : $"Ticket {i}"))).ToList();

        var ex = await Assert.ThrowsAsync<CrmOperationRejectedException>(() => ((Records.RecordService)crm.Records).CreateManyAsync(Ticket, rows));

        Assert.Equal(("row 4: early rejection", "title"), (ex.Message, ex.Field));
        Assert.Equal(0, await CountAsync(crm, Ticket));
        Assert.Empty(fixture.Log.EventsFor(crm.TenantId));
    }

    [Fact]
    public async Task NestedCreate_RejectedAfterItsWriteAndCaughtByHandler_OnlyTheNestedWriteUndone()
    {
        var crm = await fixture.NewTenantAsync();

        var parent = await crm.Records.CreateAsync(Ticket, V(("title", "try-child")));

        Assert.Contains("CHILD REJECTED: late rejection; children now 1", fixture.Log.For(crm.TenantId));
        var stored = await crm.Records.QueryAsync(RecordQuery.For(Ticket));
        Assert.Equal(parent.Id, Assert.Single(stored.Records).Id);
        Assert.Equal(parent.Id, Assert.IsType<RecordCreated>(Assert.Single(fixture.Log.EventsFor(crm.TenantId))).Record.Id);
    }

    [Fact]
    public async Task HandlerWithScopedDependency_OneInstancePerOperationSharedByNestedOperations()
    {
        var crm = await fixture.NewTenantAsync();

        await crm.Records.CreateAsync(Ticket, V(("title", "tally spawn")));
        await crm.Records.CreateAsync(Ticket, V(("title", "tally again")));

        var tallies = fixture.Log.For(crm.TenantId).Where(l => l.StartsWith("TALLY", StringComparison.Ordinal)).Select(l => l.Split(' ')).ToList();
        Assert.Equal(2, tallies.Select(t => t[1]).Distinct().Count());
        var first = tallies.Where(t => t[1] == tallies[0][1]).ToList();
        Assert.Equal(["count=1", "count=2", "count=3", "count=4"], first.Select(t => t[4]));
        Assert.Contains(first, t => t[3] == "depth=2");
        Assert.Equal(["count=1", "count=2"], tallies.Except(first).Select(t => t[4]));
    }

    [Fact]
    public async Task UpdateAsync_HandlerRejects_RecordUnchanged()
    {
        var crm = await fixture.NewTenantAsync();
        var ticket = await crm.Records.CreateAsync(Ticket, V(("title", "Printer")));

        await Assert.ThrowsAsync<CrmOperationRejectedException>(() => crm.Records.UpdateAsync(Ticket, ticket.Id, 1, V(("title", "reject-late"))));

        var stored = await crm.Records.GetAsync(Ticket, ticket.Id);
        Assert.Equal(("Printer", 1L), (stored!["title"], stored.Version));
        Assert.Single(fixture.Log.EventsFor(crm.TenantId));
    }

    [Fact]
    public async Task CreateAsync_SelfTriggeringHandler_DepthExceededAndNothingWritten()
    {
        var crm = await fixture.NewTenantAsync();

        var ex = await Assert.ThrowsAsync<CrmDepthExceededException>(() => crm.Records.CreateAsync(Ticket, V(("title", "loop"))));

        Assert.Equal(8, ex.MaxDepth);
        Assert.Equal(CrmErrorCodes.DepthExceeded, ex.Code);
        Assert.Contains("Create of ticket", ex.Message, StringComparison.Ordinal);
        Assert.Equal(8, fixture.Log.For(crm.TenantId).Count(l => l.StartsWith("PV1", StringComparison.Ordinal)));
        Assert.Equal(0, await CountAsync(crm, Ticket));
        Assert.Empty(fixture.Log.EventsFor(crm.TenantId));
    }

    [Fact]
    public async Task DeleteAsync_SelfTriggeringDelete_DepthExceededNamesDeleteAndRecordKept()
    {
        var crm = await fixture.NewTenantAsync();
        var ticket = await crm.Records.CreateAsync(Ticket, V(("title", "recursive-delete")));

        var ex = await Assert.ThrowsAsync<CrmDepthExceededException>(() => crm.Records.DeleteAsync(Ticket, ticket.Id));

        Assert.Contains("Delete of ticket", ex.Message, StringComparison.Ordinal);
        Assert.NotNull(await crm.Records.GetAsync(Ticket, ticket.Id));
        Assert.DoesNotContain(fixture.Log.EventsFor(crm.TenantId), e => e is RecordDeleted);
    }

    [Fact]
    public async Task Events_Subscription_ReceivesEventsAfterCommitInEveryTenant()
    {
        var crm = await fixture.NewTenantAsync();
        var seen = new ConcurrentQueue<(RecordUpdated Event, CrmRecord? Stored)>();
        using (fixture.Engine.Events.Subscribe<RecordUpdated>(async (e, ct) =>
        {
            if (e.TenantId == crm.TenantId)
            {
                // A fresh read from another connection sees the change: the event comes after the commit.
                seen.Enqueue((e, await fixture.Engine.ForTenant(e.TenantId).Records.GetAsync(Ticket, e.After.Id, ct)));
            }
        }))
        {
            var ticket = await crm.Records.CreateAsync(Ticket, V(("title", "Printer")));
            await crm.Records.UpdateAsync(Ticket, ticket.Id, 1, V(("priority", 3), ("title", "Printer")));
        }

        var (updated, stored) = Assert.Single(seen);
        Assert.Equal((1L, 2L), (updated.Before.Version, updated.After.Version));
        Assert.Equal(["priority"], updated.ChangedFields);
        Assert.Equal(2, stored!.Version);
    }

    [Fact]
    public async Task Events_AfterUnsubscribe_NotReceived()
    {
        var crm = await fixture.NewTenantAsync();
        var count = 0;
        var subscription = fixture.Engine.Events.Subscribe<RecordCreated>((e, _) =>
        {
            if (e.TenantId == crm.TenantId)
            {
                Interlocked.Increment(ref count);
            }

            return Task.CompletedTask;
        });

        await crm.Records.CreateAsync(Ticket, V(("title", "one")));
        subscription.Dispose();
        await crm.Records.CreateAsync(Ticket, V(("title", "two")));

        Assert.Equal(1, count);
    }

    [Fact]
    public async Task Events_ConsumersInServices_ReceiveEveryKindThrowingConsumerDoesNotBreakWrite()
    {
        var crm = await fixture.NewTenantAsync();

        var ticket = await crm.Records.CreateAsync(Ticket, V(("title", "Printer")));
        var owner = await crm.Organization.CreateUserAsync(new NewUser("owner", "Owner"));
        var assigned = await crm.Records.AssignAsync(Ticket, ticket.Id, owner.Id);
        await crm.Records.DeleteAsync(Ticket, ticket.Id);

        var events = fixture.Log.EventsFor(crm.TenantId);
        Assert.Collection(
            events,
            e => Assert.Equal(ticket.Id, Assert.IsType<RecordCreated>(e).Record.Id),
            e => Assert.Equal(["ownerId"], Assert.IsType<RecordUpdated>(e).ChangedFields),
            e => Assert.Equal(assigned.Version, Assert.IsType<RecordDeleted>(e).Before.Version));
        Assert.All(events, e => Assert.Equal(fixture.Host.Clock.GetUtcNow(), e.OccurredAt));
        Assert.Contains($"scoped consumer saw {ticket.Id}", fixture.Log.For(crm.TenantId));
    }

    [Fact]
    public async Task QueueEvent_FromHandler_PublishedAfterCommitNeverAfterRollback()
    {
        var crm = await fixture.NewTenantAsync();
        var ticket = await crm.Records.CreateAsync(Ticket, V(("title", "Printer")));

        await Assert.ThrowsAsync<CrmOperationRejectedException>(() => crm.Records.UpdateAsync(Ticket, ticket.Id, null, V(("title", "touch reject-late"))));
        await crm.Records.UpdateAsync(Ticket, ticket.Id, null, V(("title", "touch")));

        Assert.Collection(
            fixture.Log.EventsFor(crm.TenantId),
            e => Assert.IsType<RecordCreated>(e),
            e => Assert.Equal(ticket.Id, Assert.IsType<TicketTouched>(e).TicketId),
            e => Assert.Equal(["title"], Assert.IsType<RecordUpdated>(e).ChangedFields));
        Assert.Contains("POST Update pre=1 post=2 note=stamped at depth 1 events=1", fixture.Log.For(crm.TenantId));
    }
}
