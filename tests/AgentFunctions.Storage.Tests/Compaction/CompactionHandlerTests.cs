using AgentFunctions.Core.Assistants;
using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.Compaction;
using AgentFunctions.Core.Runs;
using AgentFunctions.Core.State;
using static AgentFunctions.Storage.Tests.Checkpoints.CheckpointTestData;
using static AgentFunctions.Storage.Tests.Compaction.CompactionTestData;

namespace AgentFunctions.Storage.Tests.Compaction;

public class CompactionHandlerTests(CompactionFixture fixture) : IClassFixture<CompactionFixture>
{
    // A plain reply run writes 3 checkpoints: 8 runs are 24, past a threshold of 10 after the 4th.
    private static CompactionOptions Options(int keepLatest = 5) => new() { Threshold = 10, KeepLatest = keepLatest };

    [Fact(Timeout = 120_000)]
    public async Task RunsEnding_PastTheThreshold_QueueOneRequestThatCompactsOnce()
    {
        var options = Options();
        var trigger = fixture.Trigger(options);
        var thread = await fixture.NewThreadAsync();
        for (var i = 0; i < 8; i++)
        {
            await fixture.RunAsync(thread, $"hello {i} tokens=3", trigger);
        }

        var queued = await fixture.TakeMessagesAsync(thread.ThreadId);
        var handler = fixture.Handler(options);
        var first = await handler.HandleAsync(Assert.Single(queued));
        var again = await handler.HandleAsync(queued[0]);
        var other = await handler.HandleAsync(new CompactionMessage(thread.OwnerId, thread.ThreadId));

        Assert.Equal(CompactionOutcome.Compacted, first.Outcome);
        Assert.Equal(19, first.CheckpointsDeleted);
        Assert.Equal(CompactionOutcome.AlreadyCompacted, again.Outcome);
        Assert.Equal(CompactionOutcome.AlreadyCompacted, other.Outcome);
        Assert.Equal(5, (await HistoryIdsAsync(fixture.Checkpoints, thread.OwnerId, thread.ThreadId)).Count);
    }

    [Fact(Timeout = 120_000)]
    public async Task RunsEnding_AfterACompaction_QueueTheNextRequestOnlyPastTheThresholdAgain()
    {
        var options = Options();
        var trigger = fixture.Trigger(options);
        var thread = await fixture.NewThreadAsync();
        for (var i = 0; i < 4; i++)
        {
            await fixture.RunAsync(thread, $"hello {i} tokens=3", trigger);
        }

        await fixture.Handler(options).HandleAsync(Assert.Single(await fixture.TakeMessagesAsync(thread.ThreadId)));
        for (var i = 0; i < 3; i++)
        {
            await fixture.RunAsync(thread, $"more {i} tokens=3", trigger);
        }

        var afterNine = await fixture.TakeMessagesAsync(thread.ThreadId);
        await fixture.RunAsync(thread, "one more tokens=3", trigger);
        var afterTwelve = await fixture.TakeMessagesAsync(thread.ThreadId);

        Assert.Empty(afterNine);
        Assert.Single(afterTwelve);
    }

    [Fact(Timeout = 120_000)]
    public async Task RunsEnding_WhileTheThreadsNewestCheckpointIsWithinTheThreshold_ReadNoMark()
    {
        // Checkpoints 3, 6 and 9 cannot be past a threshold of 10, whatever was compacted; the 4th run's 12 can.
        var counting = new MarkReads(fixture.Checkpoints);
        var trigger = new CompactionTrigger(counting, fixture.Scheduler, Options());
        var thread = await fixture.NewThreadAsync();
        var reads = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            await fixture.RunAsync(thread, $"hello {i} tokens=3", trigger);
            reads.Add(counting.Count);
        }

        Assert.Equal([0, 0, 0, 1], reads);
        Assert.Single(await fixture.TakeMessagesAsync(thread.ThreadId));
    }

    [Fact(Timeout = 120_000)]
    public async Task HandleAsync_ThreadOfRuns_StateHashAndEveryKeptCheckpointUnchanged()
    {
        var thread = await fixture.NewThreadAsync();
        for (var i = 0; i < 8; i++)
        {
            await fixture.RunAsync(thread, i % 2 == 0 ? $"calc: {i} * 7" : $"hello {i} tokens=4");
        }

        var hash = await StateHashAsync(fixture.Checkpoints, thread.OwnerId, thread.ThreadId);
        var before = await ReadAllAsync(fixture.Checkpoints, thread.OwnerId, thread.ThreadId);
        var latestFive = (await HistoryIdsAsync(fixture.Checkpoints, thread.OwnerId, thread.ThreadId))[..5];

        var result = await fixture.Handler(Options()).HandleAsync(new CompactionMessage(thread.OwnerId, thread.ThreadId));
        var after = await ReadAllAsync(fixture.Checkpoints, thread.OwnerId, thread.ThreadId);

        Assert.Equal(CompactionOutcome.Compacted, result.Outcome);
        Assert.Equal(hash, await StateHashAsync(fixture.Checkpoints, thread.OwnerId, thread.ThreadId));
        Assert.Equal(latestFive.Order(), after.Keys.Order());
        Assert.All(latestFive, id => Assert.Equal(before[id], after[id]));
    }

    [Fact(Timeout = 120_000)]
    public async Task HandleAsync_RunsWritingBetweenItsTransactions_LoseNothing()
    {
        var thread = await fixture.NewThreadAsync();
        for (var i = 0; i < 40; i++)
        {
            await fixture.Checkpoints.PutAsync(Write(thread.OwnerId, thread.ThreadId, (await fixture.Checkpoints.GetLatestAsync(thread.OwnerId, thread.ThreadId))?.CheckpointId, StateUpdate.FromMessages(Human($"old {i}"))));
        }

        var before = await ReadAllAsync(fixture.Checkpoints, thread.OwnerId, thread.ThreadId);
        var concurrent = new List<AgentRun>();

        // Before each of the compaction's transactions, a whole run executes on the thread.
        var compaction = fixture.CheckpointsThrough(async message =>
        {
            if (InterceptingPolicy.IsBatch(message) && concurrent.Count < 3)
            {
                concurrent.Add(await fixture.RunAsync(thread, $"during {concurrent.Count} tokens=3"));
            }
        });
        var result = await fixture.Handler(Options(keepLatest: 5), compaction).HandleAsync(new CompactionMessage(thread.OwnerId, thread.ThreadId));
        var latest = await fixture.Checkpoints.GetLatestAsync(thread.OwnerId, thread.ThreadId);
        var after = await ReadAllAsync(fixture.Checkpoints, thread.OwnerId, thread.ThreadId);

        Assert.Equal(CompactionOutcome.Compacted, result.Outcome);
        Assert.Equal(3, concurrent.Count);
        Assert.All(concurrent, run => Assert.Equal(RunStatus.Success, run.Status));
        Assert.Equal(40 + 6, latest!.Values.Messages.Count);
        Assert.Equal(["during 0 tokens=3", "during 1 tokens=3", "during 2 tokens=3"], latest.Values.Messages.OfType<Core.Messages.HumanMessage>().Skip(40).Select(m => m.Content.ToText()));
        Assert.Equal(5 + 9, after.Count);
        Assert.All(after.Keys.Where(before.ContainsKey), id => Assert.Equal(before[id], after[id]));
    }

    [Fact(Timeout = 120_000)]
    public async Task HandleAsync_KilledBetweenBatchesThenRedelivered_EndsAsAnUninterruptedCompaction()
    {
        var (clean, interrupted) = (await fixture.NewThreadAsync(), await fixture.NewThreadAsync());
        foreach (var thread in new[] { clean, interrupted })
        {
            await WriteTurnsAsync(fixture.Checkpoints, thread.OwnerId, thread.ThreadId, turns: 100);
        }

        var options = Options(keepLatest: 20);
        await fixture.Handler(options).HandleAsync(new CompactionMessage(clean.OwnerId, clean.ThreadId));
        var before = await ReadAllAsync(fixture.Checkpoints, interrupted.OwnerId, interrupted.ThreadId);
        var batches = 0;
        var crashing = fixture.CheckpointsThrough(message => InterceptingPolicy.IsBatch(message) && ++batches == 3 ? throw new SimulatedCrashException() : ValueTask.CompletedTask);
        var message = new CompactionMessage(interrupted.OwnerId, interrupted.ThreadId);

        await Assert.ThrowsAsync<SimulatedCrashException>(() => fixture.Handler(options, crashing).HandleAsync(message));
        var anotherRequest = await fixture.Handler(options).HandleAsync(new CompactionMessage(interrupted.OwnerId, interrupted.ThreadId));
        var redelivered = await fixture.Handler(options).HandleAsync(message);
        var after = await ReadAllAsync(fixture.Checkpoints, interrupted.OwnerId, interrupted.ThreadId);

        Assert.Equal(CompactionOutcome.Busy, anotherRequest.Outcome);
        Assert.Equal(CompactionOutcome.Compacted, redelivered.Outcome);
        Assert.Equal(20, after.Count);
        Assert.All(after, pair => Assert.Equal(before[pair.Key], pair.Value));
        Assert.Equal(await fixture.CountCheckpointRowsAsync(clean), await fixture.CountCheckpointRowsAsync(interrupted));
    }

    [Fact(Timeout = 120_000)]
    public async Task HandleAsync_AssistantOverrideKeepAll_KeepsEveryCheckpointButDeletesOldRunEvents()
    {
        var assistant = await fixture.Assistants.CreateAsync(new Assistant
        {
            AssistantId = Guid.NewGuid().ToString("D"),
            OwnerId = "owner",
            GraphId = "agent",
            Name = "keeps everything",
            Config = Json("""{"configurable":{"compaction":{"policy":"keep_all"}}}"""),
        });
        var thread = await fixture.NewThreadAsync();
        var runs = new List<AgentRun>();
        for (var i = 0; i < 5; i++)
        {
            runs.Add(await fixture.RunAsync(thread, $"hello {i} tokens=3", assistantId: assistant.AssistantId));
        }

        var options = Options();
        options.EventRetention = TimeSpan.FromMilliseconds(1);
        var result = await fixture.Handler(options).HandleAsync(new CompactionMessage(thread.OwnerId, thread.ThreadId));

        Assert.Equal(CompactionOutcome.Compacted, result.Outcome);
        Assert.Equal(0, result.CheckpointsDeleted);
        Assert.Equal(15, (await HistoryIdsAsync(fixture.Checkpoints, thread.OwnerId, thread.ThreadId)).Count);
        Assert.Equal(5, result.RunEventLogsDeleted);
        foreach (var run in runs)
        {
            Assert.Empty(await ToListAsync(fixture.Events.ReadAsync(run.RunId)));
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task HandleAsync_RecentRunEvents_AreKept()
    {
        var thread = await fixture.NewThreadAsync();
        var run = await fixture.RunAsync(thread, "hello tokens=3");
        for (var i = 0; i < 4; i++)
        {
            await fixture.RunAsync(thread, $"hello {i} tokens=3");
        }

        var result = await fixture.Handler(Options()).HandleAsync(new CompactionMessage(thread.OwnerId, thread.ThreadId));

        Assert.Equal(0, result.RunEventLogsDeleted);
        Assert.NotEmpty(await ToListAsync(fixture.Events.ReadAsync(run.RunId)));
    }

    [Fact(Timeout = 120_000)]
    public async Task HandleAsync_NewestRunInterruptedThenStateUpdates_KeepsItsResumableCheckpoint()
    {
        var thread = await fixture.NewThreadAsync();
        await fixture.RunAsync(thread, "hello tokens=3");
        var interrupted = await fixture.RunAsync(thread, "calc: 6 * 7", extra: ""","interrupt_before":["tools"]""");
        var paused = await fixture.Checkpoints.GetLatestAsync(thread.OwnerId, thread.ThreadId);
        var parent = paused!.CheckpointId;
        for (var i = 0; i < 12; i++)
        {
            parent = (await fixture.Checkpoints.PutAsync(Write(thread.OwnerId, thread.ThreadId, parent, StateUpdate.FromMessages(Human($"note {i}")), source: CheckpointSource.Update))).CheckpointId;
        }

        await fixture.Handler(Options()).HandleAsync(new CompactionMessage(thread.OwnerId, thread.ThreadId));
        var history = await HistoryIdsAsync(fixture.Checkpoints, thread.OwnerId, thread.ThreadId);

        Assert.Equal(RunStatus.Interrupted, interrupted.Status);
        Assert.Equal(["tools"], paused.Next);
        Assert.Equal(6, history.Count);
        Assert.Equal(paused.CheckpointId, history[^1]);
        Assert.Equal(Describe(paused), Describe((await fixture.Checkpoints.GetAsync(thread.OwnerId, thread.ThreadId, paused.CheckpointId))!));
    }

    [Fact(Timeout = 120_000)]
    public async Task HandleAsync_RunningRun_KeepsItsStartSoThatARollbackStillWorks()
    {
        var thread = await fixture.NewThreadAsync();
        for (var i = 0; i < 4; i++)
        {
            await fixture.RunAsync(thread, $"hello {i} tokens=3");
        }

        var start = await fixture.Checkpoints.GetLatestAsync(thread.OwnerId, thread.ThreadId);
        var run = await fixture.CreateRunAsync(thread, Input("long"));
        await fixture.Runs.TryAcquireAsync(thread.OwnerId, thread.ThreadId, run.RunId, "executor", TimeSpan.FromMinutes(5));
        var parent = start!.CheckpointId;
        for (var i = 0; i < 10; i++)
        {
            var metadata = Json($$"""{"source":"loop","step":{{i}},"parents":{},"run_id":"{{run.RunId}}"}""");
            parent = (await fixture.Checkpoints.PutAsync(Write(thread.OwnerId, thread.ThreadId, parent, StateUpdate.FromMessages(Ai($"step {i}")), step: i) with { Metadata = metadata })).CheckpointId;
        }

        var result = await fixture.Handler(Options()).HandleAsync(new CompactionMessage(thread.OwnerId, thread.ThreadId));
        await fixture.Checkpoints.DeleteAfterAsync(thread.OwnerId, thread.ThreadId, start.CheckpointId);
        var afterRollback = await fixture.Checkpoints.GetLatestAsync(thread.OwnerId, thread.ThreadId);

        Assert.Equal(11, result.CheckpointsDeleted);
        Assert.Equal(Describe(start), Describe(afterRollback!));
    }

    [Fact(Timeout = 120_000)]
    public async Task HandleAsync_PinMetadataPolicy_KeepsMatchingCheckpoints()
    {
        var thread = await fixture.NewThreadAsync();
        string? parent = null;
        var marked = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            var metadata = Json(i % 7 == 3 ? """{"source":"loop","step":0,"parents":{},"keep":true}""" : """{"source":"loop","step":0,"parents":{}}""");
            parent = (await fixture.Checkpoints.PutAsync(Write(thread.OwnerId, thread.ThreadId, parent, StateUpdate.FromMessages(Human($"m {i}"))) with { Metadata = metadata })).CheckpointId;
            if (i % 7 == 3)
            {
                marked.Add(parent);
            }
        }

        var options = Options(keepLatest: 2);
        options.PinMetadata["keep"] = "true";
        await fixture.Handler(options).HandleAsync(new CompactionMessage(thread.OwnerId, thread.ThreadId));
        var history = await HistoryIdsAsync(fixture.Checkpoints, thread.OwnerId, thread.ThreadId);

        Assert.Equal(2 + 3, history.Count);
        Assert.All(marked, id => Assert.Contains(id, history));
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

    private static string Input(string text) => CompactionFixture.Input(text);

    /// <summary>The compaction marks as stored, counting the reads of a thread's mark.</summary>
    private sealed class MarkReads(ICheckpointCompaction inner) : ICheckpointCompaction
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public Task<CompactionMark> GetMarkAsync(string ownerId, string threadId, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _count);
            return inner.GetMarkAsync(ownerId, threadId, cancellationToken);
        }

        public Task<bool> TryRecordRequestAsync(string ownerId, string threadId, CompactionMark seen, long sequence, DateTimeOffset now, CancellationToken cancellationToken = default)
            => inner.TryRecordRequestAsync(ownerId, threadId, seen, sequence, now, cancellationToken);

        public Task<CompactionMark?> TryHoldAsync(string ownerId, string threadId, string holder, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken = default)
            => inner.TryHoldAsync(ownerId, threadId, holder, now, until, cancellationToken);

        public Task<CompactionMark> RenewAsync(string ownerId, string threadId, CompactionMark held, DateTimeOffset until, CancellationToken cancellationToken = default)
            => inner.RenewAsync(ownerId, threadId, held, until, cancellationToken);

        public Task FinishAsync(string ownerId, string threadId, CompactionMark held, long compactedSequence, DateTimeOffset? eventsPurgedBefore, CancellationToken cancellationToken = default)
            => inner.FinishAsync(ownerId, threadId, held, compactedSequence, eventsPurgedBefore, cancellationToken);

        public Task<CheckpointCompactionResult> CompactAsync(
            string ownerId, string threadId, CheckpointRetention retention, Func<CancellationToken, Task>? renew = null, CancellationToken cancellationToken = default)
            => inner.CompactAsync(ownerId, threadId, retention, renew, cancellationToken);
    }
}
