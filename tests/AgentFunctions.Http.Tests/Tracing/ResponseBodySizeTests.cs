using System.Net.Http.Headers;
using AgentFunctions.Core.Telemetry;
using AgentFunctions.Http.Tests.Runs;
using static AgentFunctions.Http.Tests.Runs.RunsApi;

namespace AgentFunctions.Http.Tests.Tracing;

/// <summary>
/// The invocation span's <c>http.response.body.size</c>: the bytes of body written when it ended, which for a complete
/// response are every byte the client reads (so the span ended after the last of them was written).
/// </summary>
public sealed class ResponseBodySizeTests(TracingServerFixture server) : IClassFixture<TracingServerFixture>
{
    private readonly RunsApi _api = new(server);

    [Fact(Timeout = 60_000)]
    public async Task Stream_Run_SpanBodySizeIsEveryByteTheClientRead()
    {
        var threadId = await _api.NewThreadAsync();
        var (traceParent, traceId, _) = SpanRecorder.NewTraceParent();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/threads/{threadId}/runs/stream")
        {
            Content = new StringContent(Body("tokens=300", "\"stream_mode\":[\"values\",\"messages-tuple\"]"), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        request.Headers.Add("traceparent", traceParent);

        using var response = await _api.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var body = await response.Content.ReadAsByteArrayAsync();
        var invocation = await server.Spans.InvocationAsync(traceId);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("completed", invocation.GetTagItem(TelemetryAttributes.InvocationOutcome));
        Assert.Equal((long)body.Length, invocation.GetTagItem(TelemetryAttributes.HttpResponseBodySize));
        Assert.Equal(server.Writes[traceId].Bytes, body.Length);
    }

    [Fact(Timeout = 60_000)]
    public async Task Get_Thread_SpanBodySizeIsEveryByteTheClientRead()
    {
        var threadId = await _api.NewThreadAsync();
        var (traceParent, traceId, _) = SpanRecorder.NewTraceParent();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/threads/{threadId}");
        request.Headers.Add("traceparent", traceParent);

        using var response = await _api.Client.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();
        var invocation = await server.Spans.InvocationAsync(traceId);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.True(body.Length > 0);
        Assert.Equal((long)body.Length, invocation.GetTagItem(TelemetryAttributes.HttpResponseBodySize));
    }
}
