using AgentFunctions.Core.Compaction;
using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Threads;
using AgentFunctions.Storage.Compaction;
using AgentFunctions.Storage.Queues;
using AgentFunctions.Storage.RunEvents;
using AgentFunctions.Storage.Runs;
using AgentFunctions.Storage.Tests.Queues;
using AgentFunctions.Storage.Threads;
using Microsoft.Extensions.Time.Testing;
using static AgentFunctions.Storage.Tests.Checkpoints.CheckpointTestData;

namespace AgentFunctions.Storage.Tests.Compaction;

public class RetentionTests(CompactionFixture fixture) : IClassFixture<CompactionFixture>
{
    [Fact(Timeout = 120_000)]
    public async Task RunOnceAsync_ThreadTtl_DeletesOnlyExpiredThreadsWithEverythingUnderThem()
    {
        var now = DateTimeOffset.UtcNow;
        var options = new CompactionOptions { ThreadTtl = TimeSpan.FromDays(7), DeletionResumeDelay = TimeSpan.Zero };
        var sweep = fixture.Sweep(options, new FakeTimeProvider(now + TimeSpan.FromDays(10)));
        var expired = await ThreadWithRunsAsync(await fixture.NewThreadAsync(expiresAt: now + TimeSpan.FromDays(1)));
        var idle = await ThreadWithRunsAsync(await fixture.NewThreadAsync());
        var recentlyUpdated = await ThreadWithRunsAsync(await fixture.NewThreadAsync());
        var later = new TableThreadStore(fixture.Service, fixture.ThreadTable, new FakeTimeProvider(now + TimeSpan.FromDays(9)));
        await later.UpdateAsync(recentlyUpdated.Thread with { Metadata = Json("""{"touched":true}""") }, Azure.ETag.All);
        var withQueuedRun = await ThreadWithRunsAsync(await fixture.NewThreadAsync());
        await fixture.CreateRunAsync(withQueuedRun.Thread, CompactionFixture.Input("waiting"));
        var keptRows = new Dictionary<string, int>();
        foreach (var kept in new[] { recentlyUpdated, withQueuedRun })
        {
            keptRows[kept.Thread.ThreadId] = await fixture.CountCheckpointRowsAsync(kept.Thread);
        }

        var result = await sweep.RunOnceAsync();

        Assert.True(result.ThreadsDeleted >= 2);
        foreach (var gone in new[] { expired, idle })
        {
            Assert.Null(await fixture.Threads.GetAsync(gone.Thread.OwnerId, gone.Thread.ThreadId));
            Assert.Equal(0, await fixture.CountCheckpointRowsAsync(gone.Thread));
            Assert.Empty(await ToListAsync(fixture.Runs.ListAsync(gone.Thread.OwnerId, gone.Thread.ThreadId)));
            foreach (var run in gone.Runs)
            {
                Assert.Empty(await ToListAsync(fixture.Events.ReadAsync(run.RunId)));
            }
        }

        foreach (var kept in new[] { recentlyUpdated, withQueuedRun })
        {
            Assert.NotNull(await fixture.Threads.GetAsync(kept.Thread.OwnerId, kept.Thread.ThreadId));
            Assert.Equal(keptRows[kept.Thread.ThreadId], await fixture.CountCheckpointRowsAsync(kept.Thread));
            Assert.True((await ToListAsync(fixture.Runs.ListAsync(kept.Thread.OwnerId, kept.Thread.ThreadId))).Count >= 2);
            foreach (var run in kept.Runs)
            {
                Assert.NotEmpty(await ToListAsync(fixture.Events.ReadAsync(run.RunId)));
            }
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task RunOnceAsync_AfterDeletingAThread_ItsResumeMessageFindsNothingLeftToDo()
    {
        var now = DateTimeOffset.UtcNow;
        var options = new CompactionOptions { DeletionResumeDelay = TimeSpan.Zero };
        var expired = await ThreadWithRunsAsync(await fixture.NewThreadAsync(expiresAt: now - TimeSpan.FromMinutes(1)));
        await fixture.Sweep(options).RunOnceAsync();

        var resume = Assert.Single(await fixture.TakeMessagesAsync(expired.Thread.ThreadId));
        var outcome = await fixture.Handler(options).HandleAsync(resume);

        Assert.Equal(CompactionWork.DeleteThread, resume.Work);
        Assert.Equal(CompactionOutcome.ThreadDeleted, outcome.Outcome);
        Assert.Null(await fixture.Threads.GetAsync(expired.Thread.OwnerId, expired.Thread.ThreadId));
        Assert.Equal(0, await fixture.CountCheckpointRowsAsync(expired.Thread));
    }

    [Fact(Timeout = 120_000)]
    public async Task DeleteThread_KilledHalfWayThenItsMessageHandled_EverythingIsGone()
    {
        var (thread, runs) = await ThreadWithRunsAsync(await fixture.NewThreadAsync());
        var message = new CompactionMessage(thread.OwnerId, thread.ThreadId) { Work = CompactionWork.DeleteThread, ThreadETag = thread.ETag.ToString() };
        var crashingEvents = new TableRunEventLog(
            CompactionFixture.ServiceThrough(m => InterceptingPolicy.IsBatch(m) ? throw new SimulatedCrashException() : ValueTask.CompletedTask),
            new RunEventLogOptions { TableName = fixture.EventTable });

        await Assert.ThrowsAsync<SimulatedCrashException>(() => fixture.Handler(new CompactionOptions(), deletion: fixture.Deletion(crashingEvents)).HandleAsync(message));
        var rowsLeftByTheCrash = await fixture.CountCheckpointRowsAsync(thread);
        var outcome = await fixture.Handler(new CompactionOptions()).HandleAsync(message);

        Assert.True(rowsLeftByTheCrash > 0);
        Assert.Equal(CompactionOutcome.ThreadDeleted, outcome.Outcome);
        Assert.Null(await fixture.Threads.GetAsync(thread.OwnerId, thread.ThreadId));
        Assert.Equal(0, await fixture.CountCheckpointRowsAsync(thread));
        Assert.Empty(await ToListAsync(fixture.Runs.ListAsync(thread.OwnerId, thread.ThreadId)));
        foreach (var run in runs)
        {
            Assert.Empty(await ToListAsync(fixture.Events.ReadAsync(run.RunId)));
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task DeleteThread_ThreadChangedSinceItWasFoundExpired_IsLeftAlone()
    {
        var (thread, _) = await ThreadWithRunsAsync(await fixture.NewThreadAsync());
        var message = new CompactionMessage(thread.OwnerId, thread.ThreadId) { Work = CompactionWork.DeleteThread, ThreadETag = thread.ETag.ToString() };
        var current = await fixture.Threads.GetAsync(thread.OwnerId, thread.ThreadId);
        await fixture.Threads.UpdateAsync(current! with { Metadata = Json("""{"in_use":true}""") }, current!.ETag);
        var rows = await fixture.CountCheckpointRowsAsync(thread);

        var outcome = await fixture.Handler(new CompactionOptions()).HandleAsync(message);

        Assert.Equal(CompactionOutcome.ThreadKept, outcome.Outcome);
        Assert.NotNull(await fixture.Threads.GetAsync(thread.OwnerId, thread.ThreadId));
        Assert.Equal(rows, await fixture.CountCheckpointRowsAsync(thread));
    }

    [Fact(Timeout = 120_000)]
    public async Task RunOnceAsync_RunWhoseLeaseExpiredLongAgo_EndsFailedAndTheNextQueuedRunCanStart()
    {
        var hourAgo = new TableRunStore(fixture.Service, fixture.RunTable, new FakeTimeProvider(DateTimeOffset.UtcNow - TimeSpan.FromHours(1)));
        var thread = await fixture.NewThreadAsync();
        var abandoned = await fixture.CreateRunAsync(thread, CompactionFixture.Input("abandoned"));
        await hourAgo.TryAcquireAsync(thread.OwnerId, thread.ThreadId, abandoned.RunId, "dead-executor", TimeSpan.FromSeconds(30));
        var queued = await fixture.CreateRunAsync(thread, CompactionFixture.Input("queued", ""","multitask_strategy":"enqueue" """));
        var liveThread = await fixture.NewThreadAsync();
        var live = await fixture.CreateRunAsync(liveThread, CompactionFixture.Input("alive"));
        await fixture.Runs.TryAcquireAsync(liveThread.OwnerId, liveThread.ThreadId, live.RunId, "live-executor", TimeSpan.FromMinutes(5));

        var result = await fixture.Sweep(new CompactionOptions()).RunOnceAsync();
        var ended = await fixture.Runs.GetAsync(thread.OwnerId, thread.ThreadId, abandoned.RunId);
        var next = await fixture.Runs.TryAcquireAsync(thread.OwnerId, thread.ThreadId, queued.RunId, "new-executor", TimeSpan.FromMinutes(1));

        Assert.True(result.RunsFailed >= 1);
        Assert.Equal(RunStatus.Error, ended!.Status);
        Assert.NotNull(ended.Error);
        Assert.NotNull(next);
        Assert.Equal(RunStatus.Running, (await fixture.Runs.GetAsync(liveThread.OwnerId, liveThread.ThreadId, live.RunId))!.Status);
    }

    [Fact(Timeout = 120_000)]
    public async Task RunOnceAsync_AbandonedRunAloneOnItsThread_ThreadEndsInError()
    {
        var hourAgo = new TableRunStore(fixture.Service, fixture.RunTable, new FakeTimeProvider(DateTimeOffset.UtcNow - TimeSpan.FromHours(1)));
        var thread = await fixture.NewThreadAsync();
        var busy = await fixture.Threads.UpdateAsync(thread with { Status = ThreadStatus.Busy }, thread.ETag);
        var abandoned = await fixture.CreateRunAsync(busy!, CompactionFixture.Input("abandoned"));
        await hourAgo.TryAcquireAsync(thread.OwnerId, thread.ThreadId, abandoned.RunId, "dead-executor", TimeSpan.FromSeconds(30));

        await fixture.Sweep(new CompactionOptions()).RunOnceAsync();

        Assert.Equal(ThreadStatus.Error, (await fixture.Threads.GetAsync(thread.OwnerId, thread.ThreadId))!.Status);
        Assert.Null(await fixture.Runs.GetActiveAsync(thread.OwnerId, thread.ThreadId));
    }

    [Fact(Timeout = 120_000)]
    public async Task CompactionQueue_HandlerFailsEveryTime_MessageGoesToThePoisonQueueWithTheReasonLogged()
    {
        var thread = await fixture.NewThreadAsync();
        var failing = fixture.Handler(new CompactionOptions(), fixture.CheckpointsThrough(_ => throw new SimulatedCrashException("storage is unreachable")));
        var attempts = 0;
        var logger = new ListLogger();
        var queueName = QueueTestClients.UniqueQueueName();
        var pump = new QueueMessagePump(
            fixture.Queues,
            queueName,
            (message, ct) =>
            {
                Interlocked.Increment(ref attempts);
                return failing.HandleAsync(CompactionMessage.Parse(message.Body), ct);
            },
            new QueueMessagePumpOptions { VisibilityTimeout = TimeSpan.FromSeconds(3), MinIdleDelay = TimeSpan.FromMilliseconds(20), MaxIdleDelay = TimeSpan.FromMilliseconds(200) },
            logger: logger);
        await pump.InitializeAsync();
        await new QueueCompactionScheduler(fixture.Queues, queueName).ScheduleAsync(new CompactionMessage(thread.OwnerId, thread.ThreadId));

        using var stop = new CancellationTokenSource();
        var running = pump.RunAsync(stop.Token);
        var poisoned = await QueueTestClients.PollAsync(
            async () => (await fixture.Queues.GetQueueClient(queueName + "-poison").PeekMessagesAsync(32)).Value, m => m.Length >= 1, TimeSpan.FromSeconds(90), "poisoning");
        await stop.CancelAsync();
        await running;
        await fixture.Queues.GetQueueClient(queueName).DeleteIfExistsAsync();
        await fixture.Queues.GetQueueClient(queueName + "-poison").DeleteIfExistsAsync();

        Assert.Equal(thread.ThreadId, CompactionMessage.Parse(Assert.Single(poisoned).Body).ThreadId);
        Assert.Equal(5, attempts);
        Assert.Contains(logger.Messages, m => m.Contains("poison", StringComparison.Ordinal) && m.Contains("storage is unreachable", StringComparison.Ordinal));
    }

    /// <summary>A thread with two background runs (checkpoints, run rows, persisted events).</summary>
    private async Task<(AgentThread Thread, List<AgentRun> Runs)> ThreadWithRunsAsync(AgentThread thread)
    {
        var runs = new List<AgentRun> { await fixture.RunAsync(thread, "first tokens=3"), await fixture.RunAsync(thread, "second tokens=3") };
        return ((await fixture.Threads.GetAsync(thread.OwnerId, thread.ThreadId))!, runs);
    }

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items)
        {
            list.Add(item);
        }

        return list;
    }
}
