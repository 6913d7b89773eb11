using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace AgentFunctions.FunctionApp.Tests.Host;

/// <summary>
/// Whole traces from the Functions app in an OTLP backend: streamed runs through a Functions host whose host and worker
/// export over OTLP to a loopback receiver. Each request's trace has one root and every span's parent is exported in
/// it; the app's invocation span is there once per request, ends after the last byte of its stream (its
/// <c>http.response.body.size</c> is every byte the client read) and is no other request's.
/// </summary>
public sealed class FunctionsHostTraceTests(FunctionsHostFixture host, ITestOutputHelper output) : IClassFixture<FunctionsHostFixture>
{
    private const string InvocationName = "POST /threads/{threadId}/runs/stream";

    [FunctionsHostFact(Timeout = 300_000)]
    public async Task Stream_OneRun_WholeTraceWithOneRootAndTheInvocationSpanEndingAfterTheLastByte()
    {
        var streamed = await StreamAsync("tokens=2000");

        var traces = await WholeTracesAsync([streamed]);

        // The trace as a backend shows it, for the record (dotnet test's console logger at detailed verbosity shows it).
        foreach (var span in traces[0].Spans.OrderBy(s => s.Start))
        {
            output.WriteLine(span.ToString());
        }

        AssertWhole(Assert.Single(traces), streamed);
    }

    [FunctionsHostFact(Timeout = 300_000)]
    public async Task Stream_FiftyAtOnce_EachAWholeTraceOfItsOwn()
    {
        var streamed = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => StreamAsync("tokens=300")));

        var traces = await WholeTracesAsync(streamed);

        Assert.Equal(50, traces.Count);
        Assert.Equal(50, traces.Select(t => t.Invocation.TraceId).Distinct().Count());
        foreach (var (trace, request) in traces.Zip(streamed))
        {
            AssertWhole(trace, request);
        }
    }

    private static void AssertWhole(Trace trace, Streamed request)
    {
        var invocation = trace.Invocation;
        var ids = trace.Spans.Select(s => s.SpanId).ToHashSet();
        var root = Assert.Single(trace.Spans, s => s.IsRoot);
        Assert.All(trace.Spans.Where(s => !s.IsRoot), s => Assert.True(ids.Contains(s.ParentSpanId), $"{s}: its parent is not in the trace ({Describe(trace)})"));
        Assert.Equal(trace.Spans.Count, ids.Count);

        // One invocation span of ours per request, none in another request's trace.
        Assert.Single(trace.Spans, s => s.Name == InvocationName);
        Assert.Equal(request.Path, invocation.Attribute("url.path"));
        Assert.Equal("completed", invocation.Attribute("agentfunctions.invocation.outcome"));
        Assert.Equal(200L, invocation.Attribute("http.response.status_code"));
        Assert.Equal(request.Bytes, invocation.Attribute("http.response.body.size"));

        // Its run inside it, and its parents up to the root exported (the worker's invocation span among them).
        var run = Assert.Single(trace.Spans, s => s.Name == "invoke_agent agent");
        Assert.Equal(invocation.SpanId, run.ParentSpanId);
        Assert.True(invocation.End >= run.End, "the invocation span ends after its run");
        Assert.NotSame(root, invocation);
        Assert.Contains(Ancestors(trace, invocation), s => s.Scope == "Microsoft.Azure.Functions.Worker");
    }

    private static IEnumerable<ExportedSpan> Ancestors(Trace trace, ExportedSpan span)
    {
        var byId = trace.Spans.ToDictionary(s => s.SpanId);
        while (!span.IsRoot && byId.TryGetValue(span.ParentSpanId, out var parent))
        {
            yield return parent;
            span = parent;
        }
    }

    private static string Describe(Trace trace) => string.Join("; ", trace.Spans.Select(s => s.ToString()));

    /// <summary>
    /// Each request's trace as received, once every request's invocation span has arrived and its trace has a root and
    /// no span whose parent is missing (both exporters send in batches), or as it stands after two minutes.
    /// </summary>
    private async Task<IReadOnlyList<Trace>> WholeTracesAsync(IReadOnlyList<Streamed> requests)
    {
        IReadOnlyList<Trace?> traces = [];
        for (var i = 0; i < 600; i++)
        {
            var spans = ExportedSpan.All(host.Receiver);
            var byTrace = spans.ToLookup(s => s.TraceId);
            traces = [.. requests.Select(r => spans.SingleOrDefault(s => s.Name == InvocationName && (string?)s.Attribute("url.path") == r.Path) is { } invocation
                ? new Trace(invocation, [.. byTrace[invocation.TraceId]])
                : null)];
            if (traces.All(t => t is not null && t.IsWhole))
            {
                break;
            }

            await Task.Delay(200);
        }

        Assert.All(traces, t => Assert.NotNull(t));
        return [.. traces.Select(t => t!)];
    }

    private async Task<Streamed> StreamAsync(string text)
    {
        using var created = await host.Client.PostAsync("threads", new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.Equal(200, (int)created.StatusCode);
        var threadId = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("thread_id").GetString()!;
        var path = $"/threads/{threadId}/runs/stream";
        var body = $$"""{"assistant_id":"agent","input":{"messages":[{"role":"user","content":"{{text}}"}]},"stream_mode":["values","messages-tuple"]}""";
        using var request = new HttpRequestMessage(HttpMethod.Post, path.TrimStart('/')) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));

        using var response = await host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var bytes = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Contains("event: values", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        return new Streamed(path, bytes.LongLength);
    }

    private sealed record Streamed(string Path, long Bytes);

    private sealed record Trace(ExportedSpan Invocation, IReadOnlyList<ExportedSpan> Spans)
    {
        public bool IsWhole
        {
            get
            {
                var ids = Spans.Select(s => s.SpanId).ToHashSet();
                return Spans.Count(s => s.IsRoot) == 1 && Spans.All(s => s.IsRoot || ids.Contains(s.ParentSpanId));
            }
        }
    }
}
