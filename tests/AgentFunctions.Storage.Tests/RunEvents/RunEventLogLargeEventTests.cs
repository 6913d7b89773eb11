using AgentFunctions.Core.RunEvents;
using AgentFunctions.Core.Stores;
using AgentFunctions.Storage.RunEvents;
using Azure;
using static AgentFunctions.Storage.Tests.RunEvents.RunEventTestData;

namespace AgentFunctions.Storage.Tests.RunEvents;

/// <summary>
/// Events larger than a row (a <c>values</c> event of a long thread). The tests of this class switch its
/// fixture's outage on and off, one at a time.
/// </summary>
public class RunEventLogLargeEventTests(RunEventLogFixture fixture) : IClassFixture<RunEventLogFixture>, IDisposable
{
    private const int OneMiB = 1024 * 1024;

    // Generous: the bounds below are about not hanging, not about speed.
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    public void Dispose()
    {
        fixture.Outage.Down = false;
        fixture.Outage.LoseNextTransactionResponse = false;
        fixture.Outage.TransactionsBeforeDown = null;
        GC.SuppressFinalize(this);
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(9L)]
    [InlineData(10L)]
    [InlineData(19L)]
    [InlineData(20L)]
    [InlineData(21L)]
    public async Task Read_LargeEventsBetweenSmallOnes_ReturnsExactlyTheLaterEventsWhole(long afterSequence)
    {
        var log = await fixture.LogAsync();
        var run = NewRun();
        var events = Mixed();
        await using (var writer = log.OpenWriter(run))
        {
            await AppendAsync(writer, events);
            await writer.CompleteAsync();
        }

        var read = await ToListAsync(log.ReadAsync(run, afterSequence));

        AssertSameEvents([.. events.Where(e => e.Sequence > afterSequence)], read);
    }

    [Fact]
    public async Task Read_PagesOfTwoRows_HoldLargeEventsWhole()
    {
        var log = await fixture.LogAsync(o => o.MaxEventsPerSegment = 4);
        var run = NewRun();
        var events = Mixed();
        await using (var writer = log.OpenWriter(run))
        {
            await AppendAsync(writer, events);
            await writer.CompleteAsync();
        }

        var pages = new List<IReadOnlyList<RunEvent>>();
        await foreach (var page in log.ReadAsync(run).AsPages(pageSizeHint: 2))
        {
            pages.Add(page.Values);
        }

        AssertSameEvents(events, [.. pages.SelectMany(p => p)]);
        Assert.True(pages.Count > 5);
    }

    [Fact]
    public async Task Flush_LargeEventThatFitsInATransaction_WritesItWithTheEventsBeforeItInOneTransaction()
    {
        var log = await fixture.LogAsync(o => o.FlushInterval = TimeSpan.FromSeconds(30));
        var run = NewRun();
        await using var writer = log.OpenWriter(run);
        RunEvent[] events = [Token(0), Token(1), OfJsonBytes(2, OneMiB)];
        fixture.Requests.Reset();

        await AppendAsync(writer, events);
        await writer.FlushAsync();
        var requests = fixture.Requests.Count;

        Assert.Equal(1, requests);
        AssertSameEvents(events, await ToListAsync(log.ReadAsync(run)));
    }

    [Fact]
    public async Task Follow_StartedBeforeLargeEvents_YieldsEachWholeOnceInOrder()
    {
        var log = await fixture.LogAsync();
        var run = NewRun();
        var events = Mixed();
        var following = ToListAsync(log.FollowAsync(run));

        await using (var writer = log.OpenWriter(run))
        {
            foreach (var runEvent in events)
            {
                await writer.AppendAsync(runEvent);
                if (runEvent.Sequence % 5 == 4)
                {
                    await writer.FlushAsync();
                }
            }

            await writer.CompleteAsync();
        }

        var followed = await following.WaitAsync(Deadline);

        AssertSameEvents(events, followed);
    }

    [Theory]
    [InlineData(19L)]
    [InlineData(20L)]
    public async Task Follow_FromJustBeforeOrAtALargeEvent_YieldsExactlyTheLaterEvents(long afterSequence)
    {
        var log = await fixture.LogAsync();
        var run = NewRun();
        var events = Mixed();
        await using var writer = log.OpenWriter(run);
        await AppendAsync(writer, events.Take(21));
        await writer.FlushAsync();
        var following = ToListAsync(log.FollowAsync(run, afterSequence));

        await AppendAsync(writer, events.Skip(21));
        await writer.CompleteAsync();
        var followed = await following.WaitAsync(Deadline);

        AssertSameEvents([.. events.Where(e => e.Sequence > afterSequence)], followed);
    }

    // 6 MiB of ASCII JSON is 15 rows of up to 440,000 characters: parts 1-8 and 9-14 in two transactions, then the head.
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Flush_TransactionOfAnEventOverATransactionFails_ShowsNoPartOfItAndTheRetryStoresItOnce(int transactionsBeforeDown)
    {
        var log = await fixture.LogAsync(o => o.FlushInterval = TimeSpan.FromSeconds(30));
        var run = NewRun();
        RunEvent[] events = [Token(0), Token(1), OfJsonBytes(2, 6 * OneMiB), Token(3)];
        await using var writer = log.OpenWriter(run);
        await AppendAsync(writer, events.Take(2));
        await writer.FlushAsync();

        fixture.Outage.TransactionsBeforeDown = transactionsBeforeDown;
        await writer.AppendAsync(events[2]);
        await Assert.ThrowsAsync<RequestFailedException>(() => writer.FlushAsync());
        fixture.Outage.Down = false;
        var visible = await ToListAsync(log.ReadAsync(run));
        await writer.AppendAsync(events[3]);
        await writer.CompleteAsync();

        var clean = NewRun();
        await using (var other = log.OpenWriter(clean))
        {
            await AppendAsync(other, events);
            await other.CompleteAsync();
        }

        Assert.Equal(Range(0, 2), Sequences(visible));
        AssertSameEvents(events, await ToListAsync(log.ReadAsync(run)));
        AssertSameEvents(events, await ToListAsync(log.FollowAsync(run)).WaitAsync(Deadline));
        Assert.Equal(await fixture.CountRowsAsync(clean), await fixture.CountRowsAsync(run));
    }

    [Fact]
    public async Task Append_AfterAWriterFailedHalfwayThroughALargeEvent_AnotherWriterStoresItsOwnEventWhole()
    {
        var log = await fixture.LogAsync(o => o.FlushInterval = TimeSpan.FromSeconds(30));
        var run = NewRun();
        var first = log.OpenWriter(run);
        fixture.Outage.TransactionsBeforeDown = 1;
        await first.AppendAsync(OfJsonBytes(0, 6 * OneMiB));
        await Assert.ThrowsAsync<RequestFailedException>(() => first.FlushAsync());
        fixture.Outage.Down = false;
        RunEvent[] events = [Values(0, 6 * OneMiB), Token(1)];

        await using (var second = log.OpenWriter(run))
        {
            await AppendAsync(second, events);
            await second.CompleteAsync();
        }

        await Assert.ThrowsAsync<StoreConflictException>(async () => await first.DisposeAsync());
        AssertSameEvents(events, await ToListAsync(log.ReadAsync(run)));
        AssertSameEvents(events, await ToListAsync(log.FollowAsync(run)).WaitAsync(Deadline));
    }

    [Fact]
    public async Task Flush_AfterTheResponseToALargeEventsTransactionWasLost_WritesItOnce()
    {
        var log = await fixture.LogAsync(o => o.FlushInterval = TimeSpan.FromSeconds(30));
        var run = NewRun();
        RunEvent[] events = [Token(0), Values(1, OneMiB), Token(2)];
        await using var writer = log.OpenWriter(run);
        await writer.AppendAsync(events[0]);
        fixture.Outage.LoseNextTransactionResponse = true;

        await writer.AppendAsync(events[1]);
        await Assert.ThrowsAsync<RequestFailedException>(() => writer.FlushAsync());
        await writer.AppendAsync(events[2]);
        await writer.CompleteAsync();

        AssertSameEvents(events, await ToListAsync(log.ReadAsync(run)));
    }

    [Fact]
    public async Task Append_EventOverMaxEventBytes_IsRefusedBeforeAnythingIsWritten()
    {
        var log = await fixture.LogAsync(o =>
        {
            o.MaxEventBytes = OneMiB;
            o.FlushInterval = TimeSpan.FromSeconds(30);
        });
        var run = NewRun();
        await using var writer = log.OpenWriter(run);
        await writer.AppendAsync(Token(0));
        fixture.Requests.Reset();

        var refused = await Assert.ThrowsAsync<ArgumentException>(async () => await writer.AppendAsync(OfJsonBytes(1, OneMiB + 1)));
        var requests = fixture.Requests.Count;
        await writer.AppendAsync(OfJsonBytes(1, OneMiB));
        await writer.CompleteAsync();

        Assert.Equal(0, requests);
        Assert.Contains(nameof(RunEventLogOptions.MaxEventBytes), refused.Message, StringComparison.Ordinal);
        Assert.Equal(Range(0, 2), Sequences(await ToListAsync(log.ReadAsync(run))));
    }

    [Fact]
    public async Task Append_EventOfTheDefaultLimit_RoundTripsAndOneByteMoreIsRefused()
    {
        var log = await fixture.LogAsync();
        var run = NewRun();
        RunEvent[] events = [OfJsonBytes(0, RunEventLogOptions.DefaultMaxEventBytes)];
        await using (var writer = log.OpenWriter(run))
        {
            await writer.AppendAsync(events[0]);
            await Assert.ThrowsAsync<ArgumentException>(async () => await writer.AppendAsync(OfJsonBytes(1, RunEventLogOptions.DefaultMaxEventBytes + 1)));
            await writer.CompleteAsync();
        }

        var read = await ToListAsync(log.ReadAsync(run));

        AssertSameEvents(events, read);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(RunEventLogOptions.MaxEventBytesLimit + 1)]
    public void Options_MaxEventBytesOutOfRange_IsRefused(int maxEventBytes)
    {
        var options = new RunEventLogOptions { MaxEventBytes = maxEventBytes };

        Assert.Throws<ArgumentOutOfRangeException>(() => new TableRunEventLog(fixture.Service, options));
    }

    /// <summary>Small events 0-9, a 1 MiB <c>values</c> event at 10, small 11-19, a 6 MiB one (over a transaction) at 20, small 21-29.</summary>
    private static List<RunEvent> Mixed()
        => [.. Enumerable.Range(0, 30).Select(i => i switch
        {
            10 => Values(i, OneMiB),
            20 => Values(i, 6 * OneMiB),
            _ => Token(i),
        })];

    private static async Task AppendAsync(IRunEventWriter writer, IEnumerable<RunEvent> events)
    {
        foreach (var runEvent in events)
        {
            await writer.AppendAsync(runEvent);
        }
    }
}
