using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Organization;
using Crm.Engine.Abstractions.Work;
using Crm.Engine.Testing;
using Microsoft.Data.Sqlite;

namespace Crm.Engine.Tests.Work;

public sealed class QueueTests
{
    private static async Task<List<Guid>> UsersAsync(CrmTestHost host, int count)
    {
        var users = new List<Guid>();
        for (var i = 0; i < count; i++)
        {
            users.Add((await host.Engine.ForTenant("test").Organization.CreateUserAsync(new NewUser($"agent{i}", $"Agent {i}"))).Id);
        }

        return users;
    }

    [Fact]
    public async Task RoundRobin_UnderParallelAssignment_IsFairAndNeverTwiceInARow()
    {
        await using var host = await CrmTestHost.StartAsync();
        await host.CreateTenantAsync();
        var users = await UsersAsync(host, 4);
        var queues = host.Work().Queues;
        var queue = await queues.CreateQueueAsync("hotline", AssignmentStrategy.RoundRobin);
        foreach (var user in users)
        {
            await queues.AddMemberAsync(queue.Id, user);
        }

        const int items = 42;
        // Each parallel call gets its own tenant view: separate connections, one SQLite file.
        var assigned = await Task.WhenAll(Enumerable.Range(0, items).Select(_ => Task.Run(() => host.Work().Queues.RouteAsync(queue.Id, Guid.NewGuid()))));

        Assert.All(assigned, i => Assert.Equal(QueueItemStatus.Assigned, i.Status));
        var counts = users.Select(u => assigned.Count(i => i.AssignedTo == u)).ToList();
        Assert.True(counts.Max() - counts.Min() <= 1, $"unfair: {string.Join(", ", counts)}");

        // In assignment order, every window of 4 consecutive assignments names 4 different members.
        var order = await AssignmentOrderAsync(host);
        Assert.Equal(items, order.Count);
        for (var i = 0; i + users.Count <= order.Count; i++)
        {
            Assert.Equal(users.Count, order.Skip(i).Take(users.Count).Distinct().Count());
        }

        var members = await queues.ListMembersAsync(queue.Id);
        Assert.Equal(items, members.Sum(m => m.OpenItems));
    }

    [Fact]
    public async Task ListItemsAsync_ByStatusAndAssignee_ShowsTheQueueOldestFirst()
    {
        await using var host = await CrmTestHost.StartAsync();
        await host.CreateTenantAsync();
        var users = await UsersAsync(host, 2);
        var queues = host.Work().Queues;
        var queue = await queues.CreateQueueAsync("complaints", AssignmentStrategy.RoundRobin);
        await queues.AddMemberAsync(queue.Id, users[0]);
        var first = await queues.AddItemAsync(queue.Id, Guid.NewGuid());
        host.Clock.Advance(TimeSpan.FromMinutes(1));
        var second = await queues.AddItemAsync(queue.Id, Guid.NewGuid());
        host.Clock.Advance(TimeSpan.FromMinutes(1));
        var third = await queues.PickAsync((await queues.AddItemAsync(queue.Id, Guid.NewGuid())).Id, users[0]);
        await queues.CompleteAsync(second.Id);

        Assert.Equal([first.Id, second.Id, third.Id], (await queues.ListItemsAsync(queue.Id)).Select(i => i.Id));
        Assert.Equal([first.Id], (await queues.ListItemsAsync(queue.Id, QueueItemStatus.Waiting)).Select(i => i.Id));
        Assert.Equal([second.Id], (await queues.ListItemsAsync(queue.Id, QueueItemStatus.Completed)).Select(i => i.Id));
        Assert.Equal([third.Id], (await queues.ListItemsAsync(queue.Id, assignedTo: users[0])).Select(i => i.Id));
        Assert.Empty(await queues.ListItemsAsync(queue.Id, assignedTo: users[1]));
        await Assert.ThrowsAsync<CrmValidationException>(() => queues.ListItemsAsync(Guid.NewGuid()));
    }

    private static async Task<List<string>> AssignmentOrderAsync(CrmTestHost host)
    {
        await using var connection = new SqliteConnection($"Data Source={host.DatabasePath}");
        await connection.OpenAsync();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT assigned_to FROM work_queue_items WHERE assignment_seq IS NOT NULL ORDER BY assignment_seq";
        var result = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            result.Add(reader.GetString(0));
        }

        return result;
    }

    [Fact]
    public async Task LeastLoaded_PicksTheMemberWithFewestOpenItems_AndCompletionLowersLoad()
    {
        await using var host = await CrmTestHost.StartAsync();
        await host.CreateTenantAsync();
        var users = await UsersAsync(host, 2);
        var queues = host.Work().Queues;
        var queue = await queues.CreateQueueAsync("complaints", AssignmentStrategy.LeastLoaded);
        await queues.AddMemberAsync(queue.Id, users[0]);

        var a1 = await queues.RouteAsync(queue.Id, Guid.NewGuid());
        var a2 = await queues.RouteAsync(queue.Id, Guid.NewGuid());
        Assert.Equal(users[0], a2.AssignedTo);

        await queues.AddMemberAsync(queue.Id, users[1]);
        Assert.Equal(users[1], (await queues.RouteAsync(queue.Id, Guid.NewGuid())).AssignedTo);
        Assert.Equal(users[1], (await queues.RouteAsync(queue.Id, Guid.NewGuid())).AssignedTo);

        // 2 open each; member 0 completes one and releases the other -> 0 open, gets the next two.
        await queues.CompleteAsync(a1.Id);
        var released = await queues.ReleaseAsync(a2.Id);
        Assert.Equal((QueueItemStatus.Waiting, (Guid?)null), (released.Status, released.AssignedTo));
        Assert.Equal(users[0], (await queues.AssignAsync(a2.Id)).AssignedTo);
        Assert.Equal(users[0], (await queues.RouteAsync(queue.Id, Guid.NewGuid())).AssignedTo);
        var loads = (await queues.ListMembersAsync(queue.Id)).ToDictionary(m => m.UserId, m => m.OpenItems);
        Assert.Equal(2, loads[users[0]]);
        Assert.Equal(2, loads[users[1]]);
    }

    [Fact]
    public async Task SkillAndLanguage_FilterTheEligibleMembers_PickAndBadInput()
    {
        await using var host = await CrmTestHost.StartAsync();
        await host.CreateTenantAsync();
        var users = await UsersAsync(host, 3);
        var queues = host.Work().Queues;
        var queue = await queues.CreateQueueAsync("service", AssignmentStrategy.RoundRobin);
        await queues.AddMemberAsync(queue.Id, users[0], ["billing"], ["en"]);
        await queues.AddMemberAsync(queue.Id, users[1], ["quality"], ["de", "en"]);
        await queues.AddMemberAsync(queue.Id, users[2], ["quality"], ["en"]);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(users[1], (await queues.RouteAsync(queue.Id, Guid.NewGuid(), skill: "quality", language: "de")).AssignedTo);
        }

        var nobody = await queues.RouteAsync(queue.Id, Guid.NewGuid(), skill: "legal");
        Assert.Equal(QueueItemStatus.Waiting, nobody.Status);
        Assert.Equal(users[0], (await queues.PickAsync(nobody.Id, users[0])).AssignedTo);

        var waiting = await queues.AddItemAsync(queue.Id, Guid.NewGuid());
        var outsider = (await host.Engine.ForTenant("test").Organization.CreateUserAsync(new NewUser("outsider", "Outsider"))).Id;
        await Assert.ThrowsAsync<CrmValidationException>(() => queues.PickAsync(waiting.Id, outsider));

        var missingQueue = Guid.NewGuid();
        var unknownQueue = await Assert.ThrowsAsync<CrmValidationException>(() => queues.RouteAsync(missingQueue, Guid.NewGuid()));
        Assert.Contains(missingQueue.ToString(), unknownQueue.Message, StringComparison.Ordinal);
        var missingUser = Guid.NewGuid();
        var unknownUser = await Assert.ThrowsAsync<CrmValidationException>(() => queues.AddMemberAsync(queue.Id, missingUser));
        Assert.Contains(missingUser.ToString(), unknownUser.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<CrmValidationException>(() => queues.CreateQueueAsync("SERVICE", AssignmentStrategy.LeastLoaded));
        Assert.Equal(queue.Id, (await queues.FindQueueAsync("Service"))!.Id);
    }
}
