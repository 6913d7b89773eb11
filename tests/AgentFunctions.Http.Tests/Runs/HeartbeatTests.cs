using System.Text;
using static AgentFunctions.Http.Tests.Runs.RunsApi;

namespace AgentFunctions.Http.Tests.Runs;

/// <summary>The server with a heartbeat every 50 ms, far shorter than the pauses of the runs its tests stream.</summary>
public sealed class HeartbeatServerFixture : ServerFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings() => [new("Http:SseHeartbeat", "00:00:00.050")];
}

/// <summary>Heartbeat comments keep a quiet stream open, and never come between or inside the events.</summary>
public sealed class HeartbeatTests(HeartbeatServerFixture server) : IClassFixture<HeartbeatServerFixture>
{
    private readonly RunsApi _api = new(server);

    [Fact(Timeout = 120_000)]
    public async Task Stream_RunPausesLongerThanTheHeartbeat_HeartbeatsBetweenWholeEvents()
    {
        // Each of the 3 tokens comes a second after the one before: 20 heartbeat intervals of silence each time.
        using var response = await _api.PostStreamAsync($"/threads/{await _api.NewThreadAsync()}/runs/stream", Body("tokens=3 delay_ms=1000", "\"stream_mode\":[\"messages-tuple\",\"values\"]"));
        var text = Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync());

        var blocks = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        var heartbeats = blocks.Count(b => b == ": heartbeat");
        Assert.True(heartbeats >= 3, $"expected a heartbeat in each of the 3 pauses, got {heartbeats}:\n{text}");
        Assert.All(blocks.Where(b => b != ": heartbeat"), b => Assert.StartsWith("event: ", b, StringComparison.Ordinal));
        var frames = SseParser.Parse(Encoding.UTF8.GetBytes(text));
        Assert.Equal(Enumerable.Range(0, frames.Count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), frames.Select(f => f.Id));
        Assert.Equal("values", frames[^1].Event);
        var tokens = frames.Where(f => f.Event == "messages").Select(f => f.Json[0]).Where(c => c.GetProperty("type").GetString() is "AIMessageChunk" or "ai").Select(c => Text(c.GetProperty("content")));
        Assert.Equal(Messages(frames[^1].Json)[^1].Text, string.Concat(tokens));
    }

    [Fact(Timeout = 120_000)]
    public async Task Stream_EventsFasterThanTheHeartbeat_EveryEventOnceInOrder()
    {
        // Thousands of events, most of them already waiting when the stream asks for the next one.
        var (response, frames) = await _api.StreamAsync($"/threads/{await _api.NewThreadAsync()}/runs/stream", Body("tokens=3000", "\"stream_mode\":[\"messages-tuple\"]"));
        using (response)
        {
            Assert.Equal(200, (int)response.StatusCode);
        }

        Assert.Equal(Enumerable.Range(0, frames.Count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), frames.Select(f => f.Id));
        Assert.Equal(3000, frames.Count(f => f.Event == "messages" && f.Json[0].GetProperty("type").GetString() is "AIMessageChunk" or "ai" && Text(f.Json[0].GetProperty("content")).Length > 0));
    }
}
