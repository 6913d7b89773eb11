using AgentFunctions.Core.RunEvents;
using AgentFunctions.Core.Stores;
using AgentFunctions.Storage.RunEvents;
using Azure;
using static AgentFunctions.Storage.Tests.RunEvents.RunEventTestData;

namespace AgentFunctions.Storage.Tests.RunEvents;

/// <summary>The writer's rules and failures. The tests of this class switch its fixture's outage on and off, one at a time.</summary>
public class RunEventWriterTests(RunEventLogFixture fixture) : IClassFixture<RunEventLogFixture>, IDisposable
{
    public void Dispose()
    {
        fixture.Outage.Down = false;
        fixture.Outage.LoseNextTransactionResponse = false;
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Append_SequenceThatIsNotTheNext_IsRefusedAndNotBuffered()
    {
        var log = await fixture.LogAsync();
        var run = NewRun();
        await using (var writer = log.OpenWriter(run))
        {
            await WriteAsync(writer, 0, 2);

            await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await writer.AppendAsync(Token(3)));
            await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await writer.AppendAsync(Token(1)));
            await writer.AppendAsync(Token(2));
            await writer.CompleteAsync();
        }

        Assert.Equal(Range(0, 3), Sequences(await ToListAsync(log.ReadAsync(run))));
    }

    [Fact]
    public async Task Append_NegativeFirstSequence_IsRefused()
    {
        var log = await fixture.LogAsync();
        await using var writer = log.OpenWriter(NewRun());

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await writer.AppendAsync(Token(-1)));
    }

    [Fact]
    public async Task Append_EventThatCannotBeStored_IsRefused()
    {
        var log = await fixture.LogAsync();
        await using var writer = log.OpenWriter(NewRun());

        await Assert.ThrowsAsync<ArgumentException>(async () => await writer.AppendAsync(new RunEvent(0, "bad\nname", Json("{}"))));
        await Assert.ThrowsAsync<ArgumentException>(async () => await writer.AppendAsync(new RunEvent(0, RunEvent.Values, default)));
    }

    [Fact]
    public async Task Append_AfterComplete_IsRefused()
    {
        var log = await fixture.LogAsync();
        await using var writer = log.OpenWriter(NewRun());
        await WriteAsync(writer, 0, 3);
        await writer.CompleteAsync();

        await writer.CompleteAsync();
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await writer.AppendAsync(Token(3)));
    }

    [Fact]
    public async Task Dispose_WithoutComplete_WritesTheEventsButNoEndMarker()
    {
        var log = await fixture.LogAsync(o => o.FlushInterval = TimeSpan.FromSeconds(30));
        var run = NewRun();
        await using (var writer = log.OpenWriter(run))
        {
            await WriteAsync(writer, 0, 5);
        }

        var read = await ToListAsync(log.ReadAsync(run));

        Assert.Equal(Range(0, 5), Sequences(read));
        Assert.Equal(1, await fixture.CountRowsAsync(run));
    }

    [Fact]
    public async Task Append_ContinuingALogFromItsNextSequence_ExtendsIt()
    {
        var log = await fixture.LogAsync();
        var run = NewRun();
        await using (var first = log.OpenWriter(run))
        {
            await WriteAsync(first, 0, 10);
        }

        await using (var second = log.OpenWriter(run))
        {
            await WriteAsync(second, 10, 10);
            await second.CompleteAsync();
        }

        Assert.Equal(Range(0, 20), Sequences(await ToListAsync(log.FollowAsync(run))));
    }

    [Fact]
    public async Task Flush_SecondWriterFromTheSameSequence_IsAConflict()
    {
        var log = await fixture.LogAsync();
        var run = NewRun();
        await using var first = log.OpenWriter(run);
        var second = log.OpenWriter(run);
        await WriteAsync(first, 0, 5);
        await first.FlushAsync();

        await WriteAsync(second, 0, 3);

        await Assert.ThrowsAsync<StoreConflictException>(() => second.FlushAsync());
        Assert.Equal(Range(0, 5), Sequences(await ToListAsync(log.ReadAsync(run))));
    }

    [Fact]
    public async Task Flush_StorageDown_ThrowsAndKeepsTheEventsForTheNextFlush()
    {
        var log = await fixture.LogAsync(o => o.FlushInterval = TimeSpan.FromSeconds(30));
        var run = NewRun();
        await using var writer = log.OpenWriter(run);
        await WriteAsync(writer, 0, 10);
        await writer.FlushAsync();

        await WriteAsync(writer, 10, 10);
        fixture.Outage.Down = true;
        await Assert.ThrowsAsync<RequestFailedException>(() => writer.FlushAsync());
        fixture.Outage.Down = false;
        await WriteAsync(writer, 20, 5);
        await writer.CompleteAsync();

        Assert.Equal(Range(0, 25), Sequences(await ToListAsync(log.ReadAsync(run))));
    }

    [Fact]
    public async Task Append_AfterABackgroundWriteFailed_ThrowsItOnceAndLosesNothing()
    {
        var log = await fixture.LogAsync(o => o.FlushInterval = TimeSpan.FromMilliseconds(50));
        var run = NewRun();
        await using var writer = log.OpenWriter(run);
        var idle = ((TableRunEventWriter)writer).WriteLoop;
        fixture.Outage.Down = true;

        await writer.AppendAsync(Token(0));
        // This writer's own write (started by its flush timer), not any request that failed in the outage: it has put
        // its events back and kept its failure once its loop has ended.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (((TableRunEventWriter)writer).WriteLoop == idle)
        {
            await Task.Delay(10, deadline.Token);
        }

        await ((TableRunEventWriter)writer).WriteLoop;
        fixture.Outage.Down = false;
        await Assert.ThrowsAsync<RequestFailedException>(async () => await writer.AppendAsync(Token(1)));
        await writer.AppendAsync(Token(1));
        await writer.CompleteAsync();

        Assert.Equal(Range(0, 2), Sequences(await ToListAsync(log.ReadAsync(run))));
    }

    [Fact]
    public async Task Flush_AfterATransactionWhoseResponseWasLost_WritesEveryEventOnce()
    {
        var log = await fixture.LogAsync(o => o.FlushInterval = TimeSpan.FromSeconds(30));
        var run = NewRun();
        await using var writer = log.OpenWriter(run);
        await WriteAsync(writer, 0, 10);
        fixture.Outage.LoseNextTransactionResponse = true;

        await Assert.ThrowsAsync<RequestFailedException>(() => writer.FlushAsync());
        var applied = await ToListAsync(log.ReadAsync(run));
        await WriteAsync(writer, 10, 10);
        await writer.CompleteAsync();

        Assert.Equal(Range(0, 10), Sequences(applied));
        Assert.Equal(Range(0, 20), Sequences(await ToListAsync(log.ReadAsync(run))));
        Assert.Equal(Range(0, 20), Sequences(await ToListAsync(log.FollowAsync(run))));
    }
}
