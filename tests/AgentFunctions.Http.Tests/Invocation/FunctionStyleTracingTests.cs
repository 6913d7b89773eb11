using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using AgentFunctions.Core.Telemetry;
using AgentFunctions.Http.Tests.Runs;
using AgentFunctions.Http.Tests.Tracing;

namespace AgentFunctions.Http.Tests.Invocation;

/// <summary>
/// The invocation's trace as the Functions app's worker middleware owns it (<see cref="Http.Tracing.HttpInvocationTrace"/>
/// around <see cref="Http.Invocation.ApiInvocation"/>), over real HTTP: it ends once, after the streamed body, as the
/// parent of the run's spans; a fault answered as a 500 problem is a failed span with the exception; a client's 404 is not.
/// </summary>
public class FunctionStyleTracingTests(FunctionStyleServerFixture server) : IClassFixture<FunctionStyleServerFixture>
{
    private readonly HttpClient _client = server.Client(FunctionStyleServerFixture.Key);

    [Fact(Timeout = 60_000)]
    public async Task StreamedRun_ThroughTheFunctionsEntryPoint_OneSpanEndsAfterTheBodyAndParentsTheRun()
    {
        var threadId = (await (await _client.PostJsonAsync("/threads", "{}")).ReadJsonAsync()).GetProperty("thread_id").GetString();
        var (traceParent, traceId, callerSpan) = SpanRecorder.NewTraceParent();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/threads/{threadId}/runs/stream")
        {
            Content = new StringContent("""{"assistant_id":"agent","input":{"messages":[{"role":"user","content":"calc: 2*21"}]}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        request.Headers.Add("traceparent", traceParent);

        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var frames = SseParser.Parse(await response.Content.ReadAsByteArrayAsync());
        var invocation = await server.Spans.InvocationAsync(traceId);

        Assert.Contains(frames, f => f.Event == "values");
        Assert.Equal(callerSpan, invocation.ParentSpanId);
        Assert.Equal("POST /threads/{threadId}/runs/stream", invocation.DisplayName);
        Assert.Equal(1, server.Spans.Stops(invocation.SpanId));
        Assert.Equal("completed", invocation.GetTagItem(TelemetryAttributes.InvocationOutcome));
        var spans = server.Spans.Trace(traceId);
        var run = Assert.Single(spans, s => s.DisplayName == "invoke_agent agent");
        Assert.Equal(invocation.SpanId, run.ParentSpanId);
        Assert.True(run.StartTimeUtc + run.Duration <= invocation.StartTimeUtc + invocation.Duration, "the run ended inside the invocation");
        Assert.Contains(spans, s => s.DisplayName == "execute_tool calculator" && s.ParentSpanId == run.SpanId);
    }

    [Fact(Timeout = 60_000)]
    public async Task HandlerFault_AnsweredAsA500Problem_SpanFailedWithTheException()
    {
        var (traceParent, traceId, _) = SpanRecorder.NewTraceParent();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/fails") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        request.Headers.Add("traceparent", traceParent);

        using var response = await _client.SendAsync(request);
        var invocation = await server.Spans.InvocationAsync(traceId);

        await response.AssertProblemAsync(500);
        Assert.Equal(ActivityStatusCode.Error, invocation.Status);
        Assert.Equal("failed", invocation.GetTagItem(TelemetryAttributes.InvocationOutcome));
        Assert.Equal(typeof(InvalidOperationException).FullName, invocation.GetTagItem(TelemetryAttributes.ErrorType));
        Assert.Contains(invocation.Events, e => e.Name == "exception");
    }

    [Fact(Timeout = 60_000)]
    public async Task UnknownThread_404Problem_SpanCompletedNotAnError()
    {
        var (traceParent, traceId, _) = SpanRecorder.NewTraceParent();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/threads/" + Guid.NewGuid());
        request.Headers.Add("traceparent", traceParent);

        using var response = await _client.SendAsync(request);
        var invocation = await server.Spans.InvocationAsync(traceId);

        await response.AssertProblemAsync(404);
        Assert.Equal(ActivityStatusCode.Unset, invocation.Status);
        Assert.Equal("completed", invocation.GetTagItem(TelemetryAttributes.InvocationOutcome));
        Assert.Equal(404, invocation.GetTagItem(TelemetryAttributes.HttpResponseStatusCode));
    }
}
