using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using AgentFunctions.Http.Tests.Runs;
using static AgentFunctions.Http.Tests.Runs.RunsApi;

namespace AgentFunctions.Http.Tests.Tracing;

/// <summary>The server configured with <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, exporting to a loopback OTLP receiver.</summary>
public class OtlpServerFixture : ServerFixture
{
    public OtlpReceiver Receiver { get; } = new();

    public override async Task InitializeAsync()
    {
        await Receiver.StartAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Receiver.DisposeAsync();
    }

    protected override IEnumerable<KeyValuePair<string, string?>> Settings()
        =>
        [
            new("OTEL_EXPORTER_OTLP_ENDPOINT", Receiver.Endpoint.ToString().TrimEnd('/')),
            new("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
            new("OTEL_SERVICE_NAME", "agentfunctions-test"),
        ];
}

public sealed class OtlpExportTests(OtlpServerFixture server) : IClassFixture<OtlpServerFixture>
{
    [Fact(Timeout = 60_000)]
    public async Task Stream_OtlpConfigured_SpansAndMetricsArriveAtTheReceiverWhenTheHostStops()
    {
        var api = new RunsApi(server);
        var threadId = await api.NewThreadAsync();
        var (traceParent, traceId, callerSpan) = SpanRecorder.NewTraceParent();
        using (var request = new HttpRequestMessage(HttpMethod.Post, $"/threads/{threadId}/runs/stream") { Content = new StringContent(Body("calc: 6*7"), Encoding.UTF8, "application/json") })
        {
            request.Headers.Add("traceparent", traceParent);
            using var response = await api.Client.SendAsync(request);
            Assert.Equal(200, (int)response.StatusCode);
        }

        await server.ShutDownAsync();

        var spans = server.Receiver.Spans().Where(s => s.TraceId == traceId.ToHexString()).ToList();
        var invocation = Assert.Single(spans, s => s.Name == "POST /threads/{threadId}/runs/stream");
        Assert.Equal(callerSpan.ToHexString(), invocation.ParentSpanId);
        var run = Assert.Single(spans, s => s.Name == "invoke_agent agent");
        Assert.Equal(invocation.SpanId, run.ParentSpanId);
        Assert.Equal(2, spans.Count(s => s.Name == "chat offline" && s.ParentSpanId == run.SpanId));
        Assert.Single(spans, s => s.Name == "execute_tool calculator" && s.ParentSpanId == run.SpanId);
        var metrics = server.Receiver.Posts["/v1/metrics"].Select(Encoding.UTF8.GetString).ToList();
        Assert.Contains(metrics, m => m.Contains("agentfunctions.runs", StringComparison.Ordinal) && m.Contains("gen_ai.client.token.usage", StringComparison.Ordinal));
    }
}

public sealed class OtlpLogExportTests(OtlpServerFixture server) : IClassFixture<OtlpServerFixture>
{
    [Fact(Timeout = 60_000)]
    public async Task Stream_OtlpConfigured_LogsArriveAtTheReceiverWithTheirTraceAndSpan()
    {
        var api = new RunsApi(server);
        var threadId = await api.NewThreadAsync();
        var (traceParent, traceId, _) = SpanRecorder.NewTraceParent();
        using (var request = new HttpRequestMessage(HttpMethod.Post, $"/threads/{threadId}/runs/stream") { Content = new StringContent(Body("tokens=2"), Encoding.UTF8, "application/json") })
        {
            request.Headers.Add("traceparent", traceParent);
            using var response = await api.Client.SendAsync(request);
            Assert.Equal(200, (int)response.StatusCode);
        }

        await server.ShutDownAsync();

        var run = Assert.Single(server.Receiver.Spans(), s => s.TraceId == traceId.ToHexString() && s.Name == "invoke_agent agent");
        var records = server.Receiver.LogRecords().Where(r => r.TraceId == traceId.ToHexString()).ToList();
        var started = Assert.Single(records, r => r.Body == "Run {RunId} on thread {ThreadId} started (attempt {Attempt})");
        Assert.Equal(run.SpanId, started.SpanId);
        Assert.Contains(records, r => r.Body == "Run {RunId} on thread {ThreadId} ended: {Status}" && r.SpanId == run.SpanId);
    }
}

public sealed class TelemetryPipelineTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public void Start_NoOtlpEndpointConfigured_NoProviderIsBuiltAndNothingListens()
    {
        Assert.Null(server.Services.GetService<TracerProvider>());
        Assert.Null(server.Services.GetService<MeterProvider>());
        Assert.Null(server.Services.GetService<LoggerProvider>());
    }
}

/// <summary>OTLP configured with <c>OTEL_TRACES_EXPORTER=none</c>: metrics and logs only.</summary>
public sealed class OtlpMetricsOnlyServerFixture : OtlpServerFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings() => [.. base.Settings(), new("OTEL_TRACES_EXPORTER", "none")];
}

public sealed class OtlpSignalSwitchTests(OtlpMetricsOnlyServerFixture server) : IClassFixture<OtlpMetricsOnlyServerFixture>
{
    [Fact]
    public void Start_TracesExporterNone_NoTracerProviderButAMeterProvider()
    {
        Assert.Null(server.Services.GetService<TracerProvider>());
        Assert.NotNull(server.Services.GetService<MeterProvider>());
    }
}

/// <summary>
/// No <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>: the host adds its own exporter to the pipeline with
/// <c>services.AddOpenTelemetry()</c>, as the Functions app adds Azure Monitor's.
/// </summary>
public sealed class HostExporterServerFixture : ServerFixture
{
    public OtlpReceiver Receiver { get; } = new();

    public override async Task InitializeAsync()
    {
        await Receiver.StartAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Receiver.DisposeAsync();
    }

    protected override void Configure(WebApplicationBuilder builder)
        => builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddOtlpExporter(o =>
        {
            o.Endpoint = new Uri(Receiver.Endpoint, "v1/traces");
            o.Protocol = OtlpExportProtocol.HttpProtobuf;
        }));
}

public sealed class HostExporterTests(HostExporterServerFixture server) : IClassFixture<HostExporterServerFixture>
{
    [Fact(Timeout = 60_000)]
    public async Task Stream_HostAddsAnExporter_ItReceivesTheLibrarySpans()
    {
        var api = new RunsApi(server);
        var threadId = await api.NewThreadAsync();
        var (traceParent, traceId, callerSpan) = SpanRecorder.NewTraceParent();
        using (var request = new HttpRequestMessage(HttpMethod.Post, $"/threads/{threadId}/runs/stream") { Content = new StringContent(Body("tokens=2"), Encoding.UTF8, "application/json") })
        {
            request.Headers.Add("traceparent", traceParent);
            using var response = await api.Client.SendAsync(request);
            Assert.Equal(200, (int)response.StatusCode);
        }

        await server.ShutDownAsync();

        var spans = server.Receiver.Spans().Where(s => s.TraceId == traceId.ToHexString()).ToList();
        var invocation = Assert.Single(spans, s => s.Name == "POST /threads/{threadId}/runs/stream");
        Assert.Equal(callerSpan.ToHexString(), invocation.ParentSpanId);
        Assert.Single(spans, s => s.Name == "invoke_agent agent" && s.ParentSpanId == invocation.SpanId);
    }
}
