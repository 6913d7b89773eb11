using System.Collections.Concurrent;
using AgentFunctions.Core.RunEvents;
using Microsoft.Extensions.Time.Testing;
using static AgentFunctions.Storage.Tests.RunEvents.RunEventTestData;

namespace AgentFunctions.Storage.Tests.RunEvents;

public class RunEventLogFollowTests(RunEventLogFixture fixture) : IClassFixture<RunEventLogFixture>
{
    // Generous: the bounds below are about not hanging, not about speed.
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Follow_StartedBeforeTheFirstWrite_YieldsEveryEventOnceInOrderAndEndsOnComplete()
    {
        var log = await fixture.LogAsync(o => o.MaxEventsPerSegment = 7);
        var run = NewRun();
        var following = ToListAsync(log.FollowAsync(run));

        await using (var writer = log.OpenWriter(run))
        {
            for (var round = 0; round < 10; round++)
            {
                await WriteAsync(writer, round * 30, 30);
                await writer.FlushAsync();
                await Task.Delay(20);
            }

            await WriteAsync(writer, 300, 5);
            await writer.CompleteAsync();
        }

        var followed = await following.WaitAsync(Deadline);

        Assert.Equal(Range(0, 305), Sequences(followed));
    }

    [Fact]
    public async Task Follow_FromTheMiddleOfASegment_YieldsOnlyTheLaterEvents()
    {
        var log = await fixture.LogAsync();
        var run = NewRun();
        await using var writer = log.OpenWriter(run);
        await WriteAsync(writer, 0, 20);
        await writer.FlushAsync();
        var following = ToListAsync(log.FollowAsync(run, afterSequence: 12));

        await WriteAsync(writer, 20, 10);
        await writer.CompleteAsync();
        var followed = await following.WaitAsync(Deadline);

        Assert.Equal(Range(13, 17), Sequences(followed));
    }

    [Fact]
    public async Task Follow_CompletedLog_ReplaysAndEnds()
    {
        var log = await fixture.LogAsync(o => o.MaxEventsPerSegment = 50);
        var run = NewRun();
        await using (var writer = log.OpenWriter(run))
        {
            await WriteAsync(writer, 0, 1_000);
            await writer.CompleteAsync();
        }

        var followed = await ToListAsync(log.FollowAsync(run)).WaitAsync(Deadline);
        var afterLast = await ToListAsync(log.FollowAsync(run, afterSequence: 999)).WaitAsync(Deadline);

        Assert.Equal(Range(0, 1_000), Sequences(followed));
        Assert.Empty(afterLast);
    }

    [Fact]
    public async Task Follow_CompletedEmptyLog_Ends()
    {
        var log = await fixture.LogAsync();
        var run = NewRun();
        await using (var writer = log.OpenWriter(run))
        {
            await writer.CompleteAsync();
        }

        var followed = await ToListAsync(log.FollowAsync(run)).WaitAsync(Deadline);

        Assert.Empty(followed);
        Assert.Equal(1, await fixture.CountRowsAsync(run));
    }

    [Fact]
    public async Task Append_OneEventNeitherFlushedNorCompleted_IsWrittenAfterTheFlushInterval()
    {
        var log = await fixture.LogAsync(o => o.FlushInterval = TimeSpan.FromMilliseconds(100));
        var run = NewRun();
        await using var writer = log.OpenWriter(run);
        using var cancel = new CancellationTokenSource(Deadline);

        await writer.AppendAsync(Token(0));
        RunEvent? seen = null;
        await foreach (var runEvent in log.FollowAsync(run, cancellationToken: cancel.Token))
        {
            seen = runEvent;
            break;
        }

        Assert.Equal(0, seen?.Sequence);
    }

    [Fact(Timeout = 60_000)]
    public async Task Follow_Cancelled_ThrowsOperationCanceledPromptly()
    {
        // The log's clock does not move: a follower waiting for its next poll ends only because it is cancelled.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var log = await fixture.LogAsync(o => o.FollowMaxPollInterval = TimeSpan.FromSeconds(5), clock);
        var run = NewRun();
        await using (var writer = log.OpenWriter(run))
        {
            await WriteAsync(writer, 0, 3);
        }

        using var cancel = new CancellationTokenSource();
        var followed = new ConcurrentQueue<RunEvent>();
        var following = Task.Run(async () =>
        {
            await foreach (var runEvent in log.FollowAsync(run, cancellationToken: cancel.Token))
            {
                followed.Enqueue(runEvent);
            }
        });
        while (followed.Count < 3 && !following.IsCompleted)
        {
            await Task.Delay(10);
        }

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => following);
        Assert.Equal(Range(0, 3), Sequences(followed));
    }
}
