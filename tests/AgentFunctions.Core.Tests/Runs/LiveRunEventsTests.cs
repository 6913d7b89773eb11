using System.Text.Json;
using AgentFunctions.Core.RunEvents;
using AgentFunctions.Core.Runs;

namespace AgentFunctions.Core.Tests.Runs;

/// <summary>The ring of a running run's newest events: what it holds for live consumers, and what it lets go of.</summary>
public class LiveRunEventsTests
{
    private static readonly JsonElement Data = JsonElement.Parse("""{"text":"lorem ipsum dolor sit amet"}""");

    [Fact]
    public void Complete_AConsumerThatFellBehind_TheRingLetsGoOfEveryEventAndTheConsumerReadsTheLogToTheEnd()
    {
        // Arrange: a consumer that read one event, then 100 events, most of which left the small ring (so the log is written).
        var ring = new LiveRunEvents(maxBytes: 4096);
        var slow = ring.FromStart();
        Assert.Null(ring.Publish(new RunEvent(0, "metadata", Data), persisted: false));
        Assert.Equal(LiveTake.Event, ring.TryTake(slow, out _, out _));
        var toLog = Enumerable.Range(1, 99).Select(n => ring.Publish(new RunEvent(n, "values", Data), persisted: false)).OfType<IReadOnlyList<RunEvent>>().ToList();

        // Act
        ring.Complete();

        // Assert: the log starts at the consumer's next event; the ring holds nothing, so the consumer reads on from the log
        // and, given the last event, has caught up with a run that has ended.
        Assert.Equal(1, Assert.Single(toLog)[0].Sequence);
        Assert.Equal(LiveTake.Behind, ring.TryTake(slow, out _, out _));
        Assert.False(ring.Delivered(slow, 98));
        Assert.True(ring.Delivered(slow, 99));
        Assert.Equal(LiveTake.Ended, ring.TryTake(slow, out _, out _));
    }

    [Fact]
    public void Complete_AConsumerThatFollowsLive_KeepsTheEventsItHasNotReadAndGetsThemInOrder()
    {
        var ring = new LiveRunEvents(maxBytes: 1024 * 1024);
        var live = ring.FromStart();
        for (var n = 0; n < 10; n++)
        {
            Assert.Null(ring.Publish(new RunEvent(n, "values", Data), persisted: false));
        }

        for (var n = 0; n < 7; n++)
        {
            Assert.Equal(LiveTake.Event, ring.TryTake(live, out _, out _));
        }

        ring.Complete();

        var rest = new List<long>();
        while (ring.TryTake(live, out var runEvent, out _) == LiveTake.Event)
        {
            rest.Add(runEvent!.Sequence);
        }

        Assert.Equal([7, 8, 9], rest);
        Assert.Equal(LiveTake.Ended, ring.TryTake(live, out _, out _));
    }
}
