using System.Text.Json;
using AgentFunctions.Core.RunEvents;
using AgentFunctions.Core.Stores;
using static AgentFunctions.Storage.Tests.RunEvents.RunEventTestData;

namespace AgentFunctions.Storage.Tests.RunEvents;

public class RunEventLogReadTests(RunEventLogFixture fixture) : IClassFixture<RunEventLogFixture>
{
    [Fact]
    public async Task Read_AfterComplete_ReturnsEveryEventWithItsNameAndData()
    {
        var log = await fixture.LogAsync();
        var run = NewRun();
        var overOneProperty = new string('é', 40_000) + "🚀";
        var large = string.Concat(Enumerable.Repeat("token \"quoted\" <tag> & 'x' ", 12_000));
        RunEvent[] events =
        [
            new(0, RunEvent.Metadata, Json($$"""{"run_id":"{{run}}","attempt":1}""")),
            new(1, RunEvent.Messages, Json("""[{"type":"AIMessageChunk","content":"héllo wörld 🚀 日本語\n\ttab","id":"m1"},{"langgraph_node":"agent"}]""")),
            new(2, RunEvent.Values, JsonSerializer.SerializeToElement(new { messages = new[] { new { type = "ai", content = overOneProperty } } })),
            new(3, "custom/my event", JsonSerializer.SerializeToElement(large)),
            new(4, RunEvent.Updates, Json("null")),
            new(5, RunEvent.Error, Json("""{"error":"Boom","message":"line1\nline2"}""")),
        ];
        await using (var writer = log.OpenWriter(run))
        {
            foreach (var runEvent in events)
            {
                await writer.AppendAsync(runEvent);
            }

            await writer.CompleteAsync();
        }

        var read = await ToListAsync(log.ReadAsync(run));

        Assert.True(large.Length > 300_000);
        Assert.Equal(Sequences(events), Sequences(read));
        Assert.Equal(events.Select(e => e.Event), read.Select(e => e.Event));
        Assert.All(events.Zip(read), pair => Assert.True(JsonElement.DeepEquals(pair.First.Data, pair.Second.Data), $"event {pair.First.Sequence} differs"));
    }

    [Fact]
    public async Task Append_TenThousandSmallEvents_WritesFarFewerRowsThanEvents()
    {
        var log = await fixture.LogAsync();
        var run = NewRun();

        await using (var writer = log.OpenWriter(run))
        {
            await WriteAsync(writer, 0, 10_000);
            await writer.CompleteAsync();
        }

        var rows = await fixture.CountRowsAsync(run);
        var read = await ToListAsync(log.ReadAsync(run));

        Assert.InRange(rows, 2, 10_000 / 50);
        Assert.Equal(Range(0, 10_000), Sequences(read));
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(0L)]
    [InlineData(50L)]
    [InlineData(99L)]
    [InlineData(100L)]
    [InlineData(998L)]
    [InlineData(999L)]
    [InlineData(5_000L)]
    public async Task Read_AfterSequence_ReturnsExactlyTheLaterEventsInOrder(long afterSequence)
    {
        var log = await fixture.LogAsync(o => o.MaxEventsPerSegment = 100);
        var run = NewRun();
        await using (var writer = log.OpenWriter(run))
        {
            await WriteAsync(writer, 0, 1_000);
            await writer.CompleteAsync();
        }

        var read = await ToListAsync(log.ReadAsync(run, afterSequence));

        var expected = afterSequence >= 999 ? [] : Range(afterSequence + 1, 999 - afterSequence);
        Assert.Equal(expected, Sequences(read));
    }

    [Fact]
    public async Task Read_PartitionWithoutEvents_ReturnsNothing()
    {
        var log = await fixture.LogAsync();

        var read = await ToListAsync(log.ReadAsync(NewRun()));

        Assert.Empty(read);
    }

    [Fact]
    public async Task ReadAndFollow_NotEnumerated_SendNoRequest()
    {
        var log = await fixture.LogAsync();
        var run = NewRun();
        fixture.Requests.Reset();

        _ = log.ReadAsync(run);
        _ = log.FollowAsync(run);

        Assert.Equal(0, fixture.Requests.Count);
    }

    [Fact]
    public async Task Read_FirstEventsOfALongLog_SendsOneRequest()
    {
        var log = await fixture.LogAsync(o => o.MaxEventsPerSegment = 10);
        var run = NewRun();
        await using (var writer = log.OpenWriter(run))
        {
            await WriteAsync(writer, 0, 5_000);
            await writer.CompleteAsync();
        }

        fixture.Requests.Reset();
        var first = new List<RunEvent>();
        await foreach (var runEvent in log.ReadAsync(run, afterSequence: 2_500))
        {
            first.Add(runEvent);
            if (first.Count == 25)
            {
                break;
            }
        }

        Assert.Equal(Range(2_501, 25), Sequences(first));
        Assert.Equal(1, fixture.Requests.Count);
    }

    [Fact]
    public async Task Read_Pages_ContinueFromTheServicesToken()
    {
        var log = await fixture.LogAsync(o => o.MaxEventsPerSegment = 10);
        var run = NewRun();
        await using (var writer = log.OpenWriter(run))
        {
            await WriteAsync(writer, 0, 100);
            await writer.CompleteAsync();
        }

        string? token = null;
        await foreach (var page in log.ReadAsync(run).AsPages(pageSizeHint: 3))
        {
            token = page.ContinuationToken;
            break;
        }

        var rest = new List<RunEvent>();
        await foreach (var page in log.ReadAsync(run).AsPages(token, pageSizeHint: 3))
        {
            rest.AddRange(page.Values);
        }

        Assert.NotNull(token);
        Assert.Equal(Range(30, 70), Sequences(rest));
    }

    [Fact]
    public async Task Delete_LogOfMoreThanOneTransactionOfRows_RemovesEveryRow()
    {
        var log = await fixture.LogAsync(o => o.MaxEventsPerSegment = 4);
        var run = NewRun();
        await using (var writer = log.OpenWriter(run))
        {
            await WriteAsync(writer, 0, 1_000);
            await writer.CompleteAsync();
        }

        var before = await fixture.CountRowsAsync(run);
        await log.DeleteAsync(run);

        Assert.True(before > 250);
        Assert.Equal(0, await fixture.CountRowsAsync(run));
        Assert.Empty(await ToListAsync(log.ReadAsync(run)));
    }

    [Fact]
    public async Task Read_InvalidRunIdOrSequence_IsRefusedBeforeAnyRequest()
    {
        var log = await fixture.LogAsync();
        fixture.Requests.Reset();

        Assert.Throws<InvalidResourceIdException>(() => log.ReadAsync("a'b"));
        Assert.Throws<InvalidResourceIdException>(() => log.FollowAsync("a/b"));
        Assert.Throws<InvalidResourceIdException>(() => log.OpenWriter(""));
        Assert.Throws<ArgumentOutOfRangeException>(() => log.ReadAsync(NewRun(), -2));
        Assert.Equal(0, fixture.Requests.Count);
    }
}
