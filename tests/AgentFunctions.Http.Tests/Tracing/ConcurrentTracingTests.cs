using System.Diagnostics;
using AgentFunctions.Core.Telemetry;
using AgentFunctions.Http.Tests.Runs;
using static AgentFunctions.Http.Tests.Runs.RunsApi;

namespace AgentFunctions.Http.Tests.Tracing;

/// <summary>Many invocations at once, and background runs: every span stays in the trace of the invocation it belongs to.</summary>
public sealed class ConcurrentTracingTests(TracingServerFixture server) : IClassFixture<TracingServerFixture>
{
    private const int Invocations = 200;

    private readonly RunsApi _api = new(server);

    [Fact(Timeout = 180_000)]
    public async Task Stream_200ConcurrentInvocations_200TracesAndNoSpanParentedAcrossThem()
    {
        var callers = Enumerable.Range(0, Invocations).Select(_ => SpanRecorder.NewTraceParent()).ToList();
        var threads = await Task.WhenAll(Enumerable.Range(0, Invocations).Select(_ => _api.NewThreadAsync()));

        var statuses = await Task.WhenAll(callers.Select((caller, i) => StreamAsync(threads[i], caller.Header)));
        var invocations = await Task.WhenAll(callers.Select(c => server.Spans.InvocationAsync(c.TraceId)));

        Assert.All(statuses, status => Assert.Equal(200, status));
        Assert.Equal(Invocations, invocations.Select(i => i.TraceId).Distinct().Count());
        var all = server.Spans.All();
        var byId = all.ToDictionary(s => s.SpanId);
        for (var i = 0; i < Invocations; i++)
        {
            var (_, traceId, callerSpan) = callers[i];
            var trace = server.Spans.Trace(traceId);
            var ids = trace.Select(s => s.SpanId).ToHashSet();
            Assert.Equal(callerSpan, invocations[i].ParentSpanId);
            Assert.Single(trace, s => s.Kind == ActivityKind.Server);
            Assert.Single(trace, s => s.DisplayName == "invoke_agent agent" && s.ParentSpanId == invocations[i].SpanId);
            Assert.Contains(trace, s => s.DisplayName == "chat offline");
            Assert.All(trace.Where(s => s != invocations[i]), s => Assert.Contains(s.ParentSpanId, ids));
        }

        // And the other way round: no span anywhere has a parent in another trace.
        Assert.All(all.Where(s => byId.ContainsKey(s.ParentSpanId)), s => Assert.Equal(byId[s.ParentSpanId].TraceId, s.TraceId));
        Assert.Empty(server.CurrentMismatches);
    }

    [Fact(Timeout = 60_000)]
    public async Task Create_BackgroundRun_ItsSpanIsAChildOfTheQueueMessageAndLinksToTheQueuingRequest()
    {
        var threadId = await _api.NewThreadAsync();
        var (traceParent, traceId, _) = SpanRecorder.NewTraceParent();

        using var request = new HttpRequestMessage(HttpMethod.Post, $"/threads/{threadId}/runs") { Content = new StringContent(Body("tokens=2"), System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("traceparent", traceParent);
        using var response = await _api.Client.SendAsync(request);
        var runId = (await response.ReadJsonAsync()).GetProperty("run_id").GetString();
        using var joined = await _api.Client.GetAsync($"/threads/{threadId}/runs/{runId}/join");
        var queuing = await server.Spans.InvocationAsync(traceId);
        var run = await WaitForRunSpanAsync(runId!);

        // The message's span ends after the run's, once the message is deleted: wait for it.
        var message = await WaitForSpanAsync(s => s.SpanId == run.ParentSpanId, "The queue message's span");
        Assert.Equal(ActivityKind.Consumer, message.Kind);
        Assert.Equal("process " + server.Prefix.ToLowerInvariant() + "runs", message.DisplayName);
        Assert.Equal("completed", message.GetTagItem(TelemetryAttributes.InvocationOutcome));
        var link = Assert.Single(run.Links);
        Assert.Equal(queuing.TraceId, link.Context.TraceId);
        Assert.Equal(queuing.SpanId, link.Context.SpanId);
        Assert.NotEqual(queuing.TraceId, run.TraceId);
    }

    private async Task<int> StreamAsync(string threadId, string traceParent)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/threads/{threadId}/runs/stream")
        {
            Content = new StringContent(Body("tokens=3"), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("traceparent", traceParent);
        using var response = await _api.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var frames = SseParser.Parse(await response.Content.ReadAsByteArrayAsync());
        Assert.Contains(frames, f => f.Event == "values");
        return (int)response.StatusCode;
    }

    /// <summary>The run's span once it has ended (polled: the worker ends it after the run's record says so).</summary>
    private Task<Activity> WaitForRunSpanAsync(string runId)
        => WaitForSpanAsync(s => (string?)s.GetTagItem(TelemetryAttributes.RunId) == runId, "The run's span");

    private async Task<Activity> WaitForSpanAsync(Func<Activity, bool> match, string what)
    {
        for (var i = 0; i < 600; i++)
        {
            if (server.Spans.All().FirstOrDefault(match) is { } span)
            {
                return span;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"{what} did not end within 30 s.");
    }
}
