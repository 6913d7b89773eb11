using AgentFunctions.Core.RunEvents;
using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Threads;
using AgentFunctions.Storage.RunEvents;
using Azure.Core;
using Azure.Data.Tables;
using static AgentFunctions.Storage.Tests.Runtime.RunExecutorFixture;

namespace AgentFunctions.Storage.Tests.Runtime;

public class RunExecutorTests(RunExecutorFixture fixture) : IClassFixture<RunExecutorFixture>
{
    [Fact(Timeout = 60_000)]
    public async Task Worker_BackgroundRun_RunsItPersistsItsEventsAndFreesTheThread()
    {
        var thread = await fixture.NewThreadAsync();
        var run = await fixture.CreateRunAsync(thread, Input("tokens=5", ""","stream_mode":["values","messages-tuple"]"""));

        var ended = await new RunWorker(fixture.Runs, fixture.Executor()).HandleAsync(new RunMessage(thread.OwnerId, thread.ThreadId, run.RunId));

        var events = await ReadLogAsync(run.RunId);
        Assert.Equal(RunStatus.Success, ended!.Status);
        Assert.Equal(ThreadStatus.Idle, (await fixture.Threads.GetAsync(thread.OwnerId, thread.ThreadId))!.Status);
        Assert.Equal("metadata", events[0].Event);
        Assert.Equal(Enumerable.Range(0, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
        Assert.Equal(5, events.Count(e => e.Event == "messages"));
        Assert.Equal(2, (await fixture.Checkpoints.GetLatestAsync(thread.OwnerId, thread.ThreadId))!.Values.Messages.Count);
    }

    [Fact(Timeout = 60_000)]
    public async Task Worker_SameMessageDeliveredTwiceAtOnce_RunsTheRunOnce()
    {
        var thread = await fixture.NewThreadAsync();
        var run = await fixture.CreateRunAsync(thread, Input("tokens=20 delay_ms=10"));
        var message = new RunMessage(thread.OwnerId, thread.ThreadId, run.RunId);

        var outcomes = await Task.WhenAll(
            new RunWorker(fixture.Runs, fixture.Executor()).HandleAsync(message),
            new RunWorker(fixture.Runs, fixture.Executor()).HandleAsync(message));
        var again = await new RunWorker(fixture.Runs, fixture.Executor()).HandleAsync(message);

        Assert.Single(outcomes, o => o is not null);
        Assert.Null(again);
        var checkpoints = 0;
        await foreach (var summary in fixture.Checkpoints.GetCheckpointSummariesAsync(thread.OwnerId, thread.ThreadId))
        {
            checkpoints++;
        }

        Assert.Equal(3, checkpoints);
    }

    [Fact(Timeout = 60_000)]
    public async Task Execute_CancelRequestedFromAnotherInstance_StopsSoonAsInterrupted()
    {
        var thread = await fixture.NewThreadAsync();
        var run = await fixture.CreateRunAsync(thread, Input("tokens=2000 delay_ms=20", ""","stream_mode":"messages-tuple" """));
        var handle = fixture.Executor().Start(run, persistEvents: true);
        await WaitForEventsAsync(run.RunId, 5);

        await fixture.Runs.RequestCancelAsync(thread.OwnerId, thread.ThreadId, run.RunId, CancelAction.Interrupt);
        var ended = await handle.Completion;

        Assert.Equal(RunStatus.Interrupted, ended!.Status);
        Assert.True((await ReadLogAsync(run.RunId)).Count(e => e.Event == "messages") < 1000);
        Assert.Equal(ThreadStatus.Idle, (await fixture.Threads.GetAsync(thread.OwnerId, thread.ThreadId))!.Status);
        Assert.Null(await fixture.Runs.GetActiveAsync(thread.OwnerId, thread.ThreadId));
    }

    [Fact(Timeout = 60_000)]
    public async Task Execute_RollbackRequested_RemovesTheRunAndWhatItWrote()
    {
        var thread = await fixture.NewThreadAsync();
        var first = await fixture.CreateRunAsync(thread, Input("tokens=1"));
        await fixture.Executor().Start(first, persistEvents: false).Completion;
        var before = (await fixture.Checkpoints.GetLatestAsync(thread.OwnerId, thread.ThreadId))!.CheckpointId;
        var run = await fixture.CreateRunAsync(thread, Input("tokens=2000 delay_ms=20"));
        var handle = fixture.Executor().Start(run, persistEvents: true);
        await WaitForEventsAsync(run.RunId, 2);

        await fixture.Runs.RequestCancelAsync(thread.OwnerId, thread.ThreadId, run.RunId, CancelAction.Rollback);
        await handle.Completion;

        Assert.Equal(before, (await fixture.Checkpoints.GetLatestAsync(thread.OwnerId, thread.ThreadId))!.CheckpointId);
        Assert.Null(await fixture.Runs.GetAsync(thread.OwnerId, thread.ThreadId, run.RunId));
    }

    [Fact(Timeout = 60_000)]
    public async Task Execute_InterruptStrategy_StopsTheActiveRunAndRunsTheNewOne()
    {
        var thread = await fixture.NewThreadAsync();
        var slow = await fixture.CreateRunAsync(thread, Input("tokens=2000 delay_ms=20"));
        var slowHandle = fixture.Executor().Start(slow, persistEvents: true);
        await WaitForEventsAsync(slow.RunId, 2);

        var next = await fixture.CreateRunAsync(thread, Input("tokens=2", ""","multitask_strategy":"interrupt" """));
        var nextEnded = await fixture.Executor().Start(next, persistEvents: false).Completion;
        var slowEnded = await slowHandle.Completion;

        Assert.Equal(RunStatus.Interrupted, slowEnded!.Status);
        Assert.Equal(RunStatus.Success, nextEnded!.Status);
        Assert.Equal("Lorem ipsum.", (await fixture.Checkpoints.GetLatestAsync(thread.OwnerId, thread.ThreadId))!.Values.Messages[^1].Content.ToText());
    }

    [Fact(Timeout = 60_000)]
    public async Task Execute_EnqueueStrategy_RunsTheNextAfterTheActiveOneEnds()
    {
        var thread = await fixture.NewThreadAsync();
        var first = await fixture.CreateRunAsync(thread, Input("first tokens=30 delay_ms=10"));
        var second = await fixture.CreateRunAsync(thread, Input("second tokens=1", ""","multitask_strategy":"enqueue" """));

        var secondHandle = fixture.Executor().Start(second, persistEvents: false);
        var firstEnded = await fixture.Executor().Start(first, persistEvents: false).Completion;
        var secondEnded = await secondHandle.Completion;

        Assert.Equal(RunStatus.Success, firstEnded!.Status);
        Assert.Equal(RunStatus.Success, secondEnded!.Status);
        Assert.Equal(
            ["first tokens=30 delay_ms=10", "ai", "second tokens=1", "ai"],
            (await fixture.Checkpoints.GetLatestAsync(thread.OwnerId, thread.ThreadId))!.Values.Messages.Select(m => m.Type == "ai" ? "ai" : m.Content.ToText()));
    }

    [Fact(Timeout = 60_000)]
    public async Task Follow_WhileARunGoesOn_ReplaysFromAnyIdAndEndsWithTheRun()
    {
        var thread = await fixture.NewThreadAsync();
        var run = await fixture.CreateRunAsync(thread, Input("tokens=50 delay_ms=5", ""","stream_mode":"messages-tuple" """));
        var handle = fixture.Executor().Start(run, persistEvents: true);
        await WaitForEventsAsync(run.RunId, 10);

        var joined = new List<RunEvent>();
        await foreach (var e in fixture.Events.FollowAsync(run.RunId, afterSequence: 6))
        {
            joined.Add(e);
        }

        await handle.Completion;
        var all = await ReadLogAsync(run.RunId);
        Assert.Equal(all.Skip(7).Select(e => e.Sequence), joined.Select(e => e.Sequence));
    }

    [Fact(Timeout = 60_000)]
    public async Task ReadEvents_ConsumerGoesAwayWithCancel_InterruptsTheRun()
    {
        var thread = await fixture.NewThreadAsync();
        var run = await fixture.CreateRunAsync(thread, Input("tokens=2000 delay_ms=10", ""","stream_mode":"messages-tuple" """));
        var handle = fixture.Executor().Start(run, persistEvents: false);
        using var client = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            var seen = 0;
            await foreach (var e in handle.ReadEventsAsync(DisconnectAction.Cancel, client.Token))
            {
                if (++seen == 5)
                {
                    await client.CancelAsync();
                }
            }
        });

        Assert.Equal(RunStatus.Interrupted, (await handle.Completion)!.Status);
    }

    [Fact(Timeout = 60_000)]
    public async Task ReadEvents_ConsumerGoesAwayWithContinue_TheRunFinishes()
    {
        var thread = await fixture.NewThreadAsync();
        var run = await fixture.CreateRunAsync(thread, Input("tokens=50 delay_ms=5", ""","stream_mode":"messages-tuple" """));
        var handle = fixture.Executor().Start(run, persistEvents: false);
        using var client = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var e in handle.ReadEventsAsync(DisconnectAction.Continue, client.Token))
            {
                await client.CancelAsync();
            }
        });

        Assert.Equal(RunStatus.Success, (await handle.Completion)!.Status);
    }

    [Fact(Timeout = 60_000)]
    public async Task ReadEvents_ConsumerFallsBehindTheLiveEvents_ReadsTheLogByKeyEveryEventOnceInOrder()
    {
        var requests = new CountingPolicy();
        var clientOptions = new TableClientOptions();
        clientOptions.AddPolicy(requests, HttpPipelinePosition.PerRetry);
        var events = new TableRunEventLog(
            new TableServiceClient(TestStorage.ConnectionString, clientOptions),
            new RunEventLogOptions { TableName = fixture.EventsTable, FlushInterval = TimeSpan.FromMilliseconds(50) });
        var thread = await fixture.NewThreadAsync();
        var run = await fixture.CreateRunAsync(thread, Input("tokens=300", ""","stream_mode":"messages-tuple" """));
        var handle = fixture.Executor(events, liveEventBufferBytes: 4096).Start(run, persistEvents: false);

        var received = new List<RunEvent>();
        await foreach (var e in handle.ReadEventsAsync(DisconnectAction.Continue))
        {
            if (received.Count == 0)
            {
                await handle.Completion; // the run ends while its consumer has read one event: it reads the rest from the log
            }

            received.Add(e);
        }

        List<(string Method, Uri Uri)> sent;
        lock (requests.Methods)
        {
            sent = [.. requests.Requests.Where(r => r.Uri.AbsolutePath.Contains(fixture.EventsTable, StringComparison.Ordinal))];
        }

        Assert.Equal(RunStatus.Success, (await handle.Completion)!.Status);
        Assert.Equal(Enumerable.Range(0, received.Count).Select(i => (long)i), received.Select(e => e.Sequence));
        Assert.Equal(300, received.Count(e => e.Event == "messages"));
        Assert.Contains(sent, r => r.Method == "GET" && r.Uri.AbsolutePath.Contains("(PartitionKey=", StringComparison.Ordinal));
        Assert.DoesNotContain(sent, r => r.Method == "GET" && r.Uri.Query.Contains("filter", StringComparison.Ordinal));
    }

    private async Task<List<RunEvent>> ReadLogAsync(string runId)
    {
        var events = new List<RunEvent>();
        await foreach (var e in fixture.Events.ReadAsync(runId))
        {
            events.Add(e);
        }

        return events;
    }

    private async Task WaitForEventsAsync(string runId, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await ReadLogAsync(runId)).Count < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the run did not write {count} events in time");
            await Task.Delay(50);
        }
    }
}
