using System.Diagnostics;
using System.Net.Http.Headers;
using AgentFunctions.Core.Telemetry;
using AgentFunctions.Http.Tests.Runs;
using static AgentFunctions.Http.Tests.Runs.RunsApi;

namespace AgentFunctions.Http.Tests.Tracing;

/// <summary>
/// Each request's span, over real HTTP: when it ends (after the last byte of the response), what it holds (the
/// run, model, tool and storage spans, with the right parents), whose child it is (the caller's traceparent), and
/// how a client that goes away or a fault ends it. Spans are picked out by the trace id each request sends.
/// </summary>
public sealed class InvocationTracingTests(TracingServerFixture server) : IClassFixture<TracingServerFixture>
{
    private readonly RunsApi _api = new(server);

    [Fact(Timeout = 60_000)]
    public async Task Stream_ToolRoundTrip_SpanEndsAfterTheLastSseByteAndHoldsRunModelAndToolSpans()
    {
        var threadId = await _api.NewThreadAsync();
        var (traceParent, traceId, callerSpan) = SpanRecorder.NewTraceParent();

        var (response, frames) = await StreamAsync($"/threads/{threadId}/runs/stream", Body("calc: 2*21"), traceParent);
        var invocation = await server.Spans.InvocationAsync(traceId);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Contains(frames, f => f.Event == "values");
        var writes = server.Writes[traceId];
        Assert.True(writes.Bytes > 0 && writes.Completed, "the SSE body was written and the response completed");
        Assert.Equal(0, writes.Late);
        Assert.Equal(1, server.Spans.Stops(invocation.SpanId));
        Assert.Equal("POST /threads/{threadId}/runs/stream", invocation.DisplayName);
        Assert.Equal(callerSpan, invocation.ParentSpanId);

        var spans = server.Spans.Trace(traceId);
        var run = Assert.Single(spans, s => s.DisplayName == "invoke_agent agent");
        Assert.Equal(invocation.SpanId, run.ParentSpanId);
        Assert.Equal("success", run.GetTagItem(TelemetryAttributes.RunStatus));
        Assert.Equal(threadId, run.GetTagItem(TelemetryAttributes.GenAIConversationId));
        var chats = spans.Where(s => s.DisplayName == "chat offline").OrderBy(s => s.StartTimeUtc).ToList();
        Assert.Equal(2, chats.Count);
        Assert.All(chats, chat =>
        {
            Assert.Equal(run.SpanId, chat.ParentSpanId);
            Assert.Equal(ActivityKind.Client, chat.Kind);
            Assert.Equal("chat", chat.GetTagItem(TelemetryAttributes.GenAIOperationName));
            Assert.Equal("offline", chat.GetTagItem(TelemetryAttributes.GenAIProviderName));
            Assert.Equal("offline", chat.GetTagItem(TelemetryAttributes.GenAIRequestModel));
            Assert.True(chat.GetTagItem(TelemetryAttributes.GenAIUsageInputTokens) is long and > 0);
            Assert.True(chat.GetTagItem(TelemetryAttributes.GenAIUsageOutputTokens) is long and > 0);
        });
        Assert.Equal(["tool_calls"], (string[])chats[0].GetTagItem(TelemetryAttributes.GenAIResponseFinishReasons)!);
        Assert.Equal(["stop"], (string[])chats[1].GetTagItem(TelemetryAttributes.GenAIResponseFinishReasons)!);
        var tool = Assert.Single(spans, s => s.DisplayName == "execute_tool calculator");
        Assert.Equal(run.SpanId, tool.ParentSpanId);
        Assert.Equal("calculator", tool.GetTagItem(TelemetryAttributes.GenAIToolName));
        Assert.True(tool.StartTimeUtc >= chats[0].StartTimeUtc && tool.StartTimeUtc <= chats[1].StartTimeUtc, "the tool ran between the two model calls");
    }

    [Fact(Timeout = 60_000)]
    public async Task Stream_Run_StorageCallsAreClientSpansWithMethodTableAndStatus()
    {
        var threadId = await _api.NewThreadAsync();
        var (traceParent, traceId, _) = SpanRecorder.NewTraceParent();

        await StreamAsync($"/threads/{threadId}/runs/stream", Body("tokens=2"), traceParent);
        await server.Spans.InvocationAsync(traceId);

        var spans = server.Spans.Trace(traceId);
        var ids = spans.Select(s => s.SpanId).ToHashSet();
        var storage = spans.Where(s => s.GetTagItem(TelemetryAttributes.StorageService) is not null).ToList();
        var checkpointWrite = storage.First(s => s.GetTagItem(TelemetryAttributes.StorageResource) is string table && table.EndsWith("checkpoints", StringComparison.Ordinal)
            && (string?)s.GetTagItem(TelemetryAttributes.HttpRequestMethod) == "POST");
        Assert.Equal(ActivityKind.Client, checkpointWrite.Kind);
        Assert.Equal("table", checkpointWrite.GetTagItem(TelemetryAttributes.StorageService));
        Assert.Equal(202, checkpointWrite.GetTagItem(TelemetryAttributes.HttpResponseStatusCode));
        Assert.StartsWith("Table POST ", checkpointWrite.DisplayName, StringComparison.Ordinal);
        Assert.All(storage, s => Assert.Contains(s.ParentSpanId, ids));
    }

    [Fact(Timeout = 60_000)]
    public async Task Get_WithTraceParent_TheCallersTraceIsHonoured()
    {
        var (traceParent, traceId, callerSpan) = SpanRecorder.NewTraceParent();

        using var response = await SendAsync(HttpMethod.Get, "/threads/" + Guid.NewGuid(), traceParent, "vendor=abc");
        var invocation = await server.Spans.InvocationAsync(traceId);

        Assert.Equal(404, (int)response.StatusCode);
        Assert.Equal(traceId, invocation.TraceId);
        Assert.Equal(callerSpan, invocation.ParentSpanId);
        Assert.True(invocation.HasRemoteParent);
        Assert.Equal("vendor=abc", invocation.TraceStateString);
        Assert.Equal(ActivityKind.Server, invocation.Kind);
        Assert.Equal("GET /threads/{threadId}", invocation.DisplayName);
        Assert.Equal(404, invocation.GetTagItem(TelemetryAttributes.HttpResponseStatusCode));
        Assert.Equal(ActivityStatusCode.Unset, invocation.Status);
    }

    [Fact(Timeout = 60_000)]
    public async Task Get_WithoutTraceParent_InvocationIsTheRootOfANewTrace()
    {
        var path = "/threads/" + Guid.NewGuid();

        using var response = await _api.Client.GetAsync(path);
        var invocation = await WaitForAsync(() => server.Spans.All().FirstOrDefault(s => (string?)s.GetTagItem(TelemetryAttributes.UrlPath) == path));

        Assert.Equal(404, (int)response.StatusCode);
        Assert.Equal(default, invocation.ParentSpanId);
        Assert.Null(invocation.Parent);
        Assert.NotEqual(default, invocation.TraceId);
    }

    [Fact(Timeout = 60_000)]
    public async Task Later_ResultWritesItsBodyAfterTheHandlerReturned_SpanEndsAfterTheLastByte()
    {
        var (traceParent, traceId, _) = SpanRecorder.NewTraceParent();

        using var response = await SendAsync(HttpMethod.Get, "/test/later", traceParent);
        var body = await response.Content.ReadAsStringAsync();
        var invocation = await server.Spans.InvocationAsync(traceId);

        Assert.Equal("one two three", body);
        Assert.Equal(0, server.Writes[traceId].Late);
        Assert.Equal(13, server.Writes[traceId].Bytes);
        Assert.Equal("completed", invocation.GetTagItem(TelemetryAttributes.InvocationOutcome));
    }

    [Fact(Timeout = 60_000)]
    public async Task Stream_ClientGoesAwayMidStream_SpanEndsOnceAsCancelledNotAsAnError()
    {
        var threadId = await _api.NewThreadAsync();
        var (traceParent, traceId, _) = SpanRecorder.NewTraceParent();

        using (var request = new HttpRequestMessage(HttpMethod.Post, $"/threads/{threadId}/runs/stream") { Content = Json(Body("tokens=200 delay_ms=20", "\"stream_mode\":\"messages-tuple\"")) })
        {
            request.Headers.Add("traceparent", traceParent);
            using var response = await _api.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            var stream = await response.Content.ReadAsStreamAsync();
            var seen = 0;
            await foreach (var _ in SseParser.ReadAsync(stream))
            {
                if (++seen == 3)
                {
                    break;
                }
            }
        }

        var invocation = await server.Spans.InvocationAsync(traceId);

        Assert.Equal("cancelled", invocation.GetTagItem(TelemetryAttributes.InvocationOutcome));
        Assert.NotEqual(ActivityStatusCode.Error, invocation.Status);
        Assert.Equal(1, server.Spans.Stops(invocation.SpanId));
        Assert.Single(server.Spans.Trace(traceId), s => s.Kind == ActivityKind.Server);
    }

    [Fact(Timeout = 60_000)]
    public async Task Throw_HandlerFault_SpanEndsOnceAsAnErrorWithTheException()
    {
        var (traceParent, traceId, _) = SpanRecorder.NewTraceParent();

        using var response = await SendAsync(HttpMethod.Get, "/test/throw", traceParent);
        var invocation = await server.Spans.InvocationAsync(traceId);

        Assert.Equal(500, (int)response.StatusCode);
        Assert.Equal(ActivityStatusCode.Error, invocation.Status);
        Assert.Equal("failed", invocation.GetTagItem(TelemetryAttributes.InvocationOutcome));
        Assert.Equal(500, invocation.GetTagItem(TelemetryAttributes.HttpResponseStatusCode));
        Assert.Equal(typeof(InvalidOperationException).FullName, invocation.GetTagItem(TelemetryAttributes.ErrorType));
        var exception = Assert.Single(invocation.Events, e => e.Name == "exception");
        Assert.Equal(typeof(InvalidOperationException).FullName, exception.Tags.First(t => t.Key == "exception.type").Value);
        Assert.Equal(1, server.Spans.Stops(invocation.SpanId));
    }

    [Fact(Timeout = 60_000)]
    public async Task Throw_FaultAfterTheResponseStarted_SpanEndsOnceAsAnError()
    {
        var (traceParent, traceId, _) = SpanRecorder.NewTraceParent();

        using var response = await SendAsync(HttpMethod.Get, "/test/throw-after-start", traceParent);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => response.Content.ReadAsStringAsync());
        var invocation = await server.Spans.InvocationAsync(traceId);

        Assert.Equal(ActivityStatusCode.Error, invocation.Status);
        Assert.Single(invocation.Events, e => e.Name == "exception");
        Assert.Equal(1, server.Spans.Stops(invocation.SpanId));
    }

    [Fact(Timeout = 60_000)]
    public async Task Requests_OneConnectionManyInvocations_ActivityCurrentIsTheSameBeforeAndAfterEach()
    {
        var threadId = await _api.NewThreadAsync();
        using var client = server.Client();
        var before = server.ProbedRequests;

        for (var i = 0; i < 5; i++)
        {
            var (traceParent, traceId, _) = SpanRecorder.NewTraceParent();
            using (var request = new HttpRequestMessage(HttpMethod.Post, $"/threads/{threadId}/runs/stream") { Content = Json(Body("tokens=2")) })
            {
                request.Headers.Add("traceparent", traceParent);
                using var response = await client.SendAsync(request);
                Assert.Equal(200, (int)response.StatusCode);
            }

            await server.Spans.InvocationAsync(traceId);
            using var notFound = await client.GetAsync("/threads/" + Guid.NewGuid());
            using var failed = await client.GetAsync("/test/throw");
            using var later = await client.GetAsync("/test/later");
        }

        await WaitForAsync(() => server.ProbedRequests >= before + 20 ? (object)true : null);
        Assert.Empty(server.CurrentMismatches);
    }

    [Fact(Timeout = 60_000)]
    public async Task Stream_TracedRun_LogsCarryTheTraceAndTheRunSpanIds()
    {
        var threadId = await _api.NewThreadAsync();
        var (traceParent, traceId, _) = SpanRecorder.NewTraceParent();

        var (_, frames) = await StreamAsync($"/threads/{threadId}/runs/stream", Body("tokens=2"), traceParent);
        await server.Spans.InvocationAsync(traceId);
        var runId = frames[0].Json.GetProperty("run_id").GetString();

        var run = Assert.Single(server.Spans.Trace(traceId), s => s.DisplayName == "invoke_agent agent");
        var started = Assert.Single(server.Logs.Entries, e => e.EventId == 100 && e.Values.GetValueOrDefault("field:RunId") == runId);
        Assert.Equal(traceId.ToHexString(), started.Values["TraceId"]);
        Assert.Equal(run.SpanId.ToHexString(), started.Values["SpanId"]);
    }

    private async Task<(HttpResponseMessage Response, IReadOnlyList<SseFrame> Frames)> StreamAsync(string path, string body, string traceParent)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Json(body) };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        request.Headers.Add("traceparent", traceParent);
        var response = await _api.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return (response, SseParser.Parse(await response.Content.ReadAsByteArrayAsync()));
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string traceParent, string? traceState = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("traceparent", traceParent);
        if (traceState is not null)
        {
            request.Headers.Add("tracestate", traceState);
        }

        return await _api.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    private static StringContent Json(string body) => new(body, System.Text.Encoding.UTF8, "application/json");

    /// <summary>Polls until <paramref name="find"/> finds something (a guard against a hang, not a timing).</summary>
    private static async Task<T> WaitForAsync<T>(Func<T?> find)
        where T : class
    {
        for (var i = 0; i < 600; i++)
        {
            if (find() is { } found)
            {
                return found;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("Not seen within 30 s.");
    }
}
