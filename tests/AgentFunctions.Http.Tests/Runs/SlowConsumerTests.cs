using System.Net.Http.Headers;
using System.Text;
using AgentFunctions.Core.Telemetry;
using AgentFunctions.Core.Threads;
using AgentFunctions.Http.Tests.Tracing;
using Microsoft.Extensions.Logging;
using static AgentFunctions.Http.Tests.Runs.RunsApi;

namespace AgentFunctions.Http.Tests.Runs;

/// <summary>Streams read slower than the run produces them, and clients that go away once the run has ended.</summary>
public sealed class SlowConsumerTests(SlowConsumerServerFixture server) : IClassFixture<SlowConsumerServerFixture>
{
    // Some megabytes of events: more than the socket buffers between the server and a slow reader hold.
    private const string LongRun = "tokens=6000";
    private const string Modes = "\"stream_mode\":[\"values\",\"messages-tuple\"]";

    private readonly RunsApi _api = new(server);

    [Fact(Timeout = 120_000)]
    public async Task Stream_ConsumerSlowerThanTheRun_EveryEventOnceInOrderWithTheIdsAFastConsumerSees()
    {
        var fast = await _api.StreamAsync($"/threads/{await _api.NewThreadAsync()}/runs/stream", Body(LongRun, Modes));
        var threadId = await _api.NewThreadAsync();
        using var slowClient = server.SlowClient();

        using var response = await PostStreamAsync(slowClient, $"/threads/{threadId}/runs/stream", Body(LongRun, Modes), traceParent: null);
        await using var frames = SseParser.ReadAsync(await response.Content.ReadAsStreamAsync()).GetAsyncEnumerator();
        Assert.True(await frames.MoveNextAsync());
        var runId = frames.Current.Json.GetProperty("run_id").GetString()!;
        await _api.WaitForStatusAsync(threadId, runId, "success"); // the run ends while its consumer has read next to nothing
        var slow = new List<SseFrame> { frames.Current };
        while (await frames.MoveNextAsync())
        {
            slow.Add(frames.Current);
        }

        Assert.Equal(fast.Frames.Select(f => (f.Id, f.Event)), slow.Select(f => (f.Id, f.Event)));
        Assert.Equal(Enumerable.Range(0, slow.Count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), slow.Select(f => f.Id));
        Assert.Equal(TokenTexts(fast.Frames), TokenTexts(slow));
        Assert.Equal(Messages(slow[^1].Json)[^1].Text, string.Concat(TokenTexts(slow)));
        Assert.Contains(server.Logs.Entries, e => e.EventId == 106 && e.Values.GetValueOrDefault("field:RunId") == runId);
        Assert.Contains(server.Logs.Entries, e => e.EventId == 108 && e.Values.GetValueOrDefault("field:RunId") == runId);
    }

    [Fact(Timeout = 120_000)]
    public async Task Stream_ClientGoesAwayAfterTheRunEnded_NoErrorLoggedSpanCancelledRunAsItEnded()
    {
        var threadId = await _api.NewThreadAsync();
        var (traceParent, traceId, _) = SpanRecorder.NewTraceParent();
        using var slowClient = server.SlowClient();
        string runId;
        string before;
        using (var response = await PostStreamAsync(slowClient, $"/threads/{threadId}/runs/stream", Body(LongRun, Modes), traceParent))
        {
            await using var frames = SseParser.ReadAsync(await response.Content.ReadAsStreamAsync()).GetAsyncEnumerator();
            Assert.True(await frames.MoveNextAsync());
            runId = frames.Current.Json.GetProperty("run_id").GetString()!;
            await _api.WaitForStatusAsync(threadId, runId, "success");
            before = (await _api.GetRunAsync(threadId, runId))!.Value.GetRawText();
        }

        var invocation = await server.Spans.InvocationAsync(traceId);

        Assert.Equal("cancelled", invocation.GetTagItem(TelemetryAttributes.InvocationOutcome));
        Assert.Equal(1, server.Spans.Stops(invocation.SpanId));
        Assert.DoesNotContain(server.Logs.Entries, e => e.Level >= LogLevel.Error);
        Assert.Equal(before, (await _api.GetRunAsync(threadId, runId))!.Value.GetRawText());
        Assert.Equal(ThreadStatus.Idle, (await _api.Threads.GetAsync(Owner, threadId))!.Status);
    }

    private static List<string> TokenTexts(IEnumerable<SseFrame> frames)
        => [.. frames.Where(f => f.Event == "messages").Select(f => f.Json[0]).Where(c => c.GetProperty("type").GetString() is "AIMessageChunk" or "ai").Select(c => Text(c.GetProperty("content")))];

    private static async Task<HttpResponseMessage> PostStreamAsync(HttpClient client, string path, string body, string? traceParent)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (traceParent is not null)
        {
            request.Headers.Add("traceparent", traceParent);
        }

        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(200, (int)response.StatusCode);
        return response;
    }
}
