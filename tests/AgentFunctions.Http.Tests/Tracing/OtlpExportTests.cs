using System.Text;
using Microsoft.Extensions.DependencyInjection;
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

        var providers = server.Services.GetRequiredService<AgentFunctions.Hosting.Telemetry.TelemetryProviders>();
        Assert.NotNull(providers.Tracer);
        await server.StopAsync();

        var spans = server.Receiver.Spans().Where(s => s.TraceId == traceId.ToHexString()).ToList();
        var invocation = Assert.Single(spans, s => s.Name == "POST /threads/{threadId}/runs/stream");
        Assert.Equal(callerSpan.ToHexString(), invocation.ParentSpanId);
        var run = Assert.Single(spans, s => s.Name == "invoke_agent agent");
        Assert.Equal(invocation.SpanId, run.ParentSpanId);
        Assert.Equal(2, spans.Count(s => s.Name == "chat offline" && s.ParentSpanId == run.SpanId));
        Assert.Single(spans, s => s.Name == "execute_tool calculator" && s.ParentSpanId == run.SpanId);
        Assert.Null(providers.Tracer); // shut down with the host
        var metrics = server.Receiver.Posts["/v1/metrics"].Select(Encoding.UTF8.GetString).ToList();
        Assert.Contains(metrics, m => m.Contains("agentfunctions.runs", StringComparison.Ordinal) && m.Contains("gen_ai.client.token.usage", StringComparison.Ordinal));
    }
}

public sealed class TelemetryProvidersTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public void Start_NoOtlpEndpointConfigured_NoProviderIsBuiltAndNothingIsExported()
    {
        var providers = server.Services.GetRequiredService<AgentFunctions.Hosting.Telemetry.TelemetryProviders>();

        Assert.Null(providers.Tracer);
        Assert.Null(providers.Meter);
    }
}

/// <summary>OTLP configured with <c>OTEL_TRACES_EXPORTER=none</c>: metrics only.</summary>
public sealed class OtlpMetricsOnlyServerFixture : OtlpServerFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings() => [.. base.Settings(), new("OTEL_TRACES_EXPORTER", "none")];
}

public sealed class OtlpSignalSwitchTests(OtlpMetricsOnlyServerFixture server) : IClassFixture<OtlpMetricsOnlyServerFixture>
{
    [Fact]
    public void Start_TracesExporterNone_NoTracerProviderButAMeterProvider()
    {
        var providers = server.Services.GetRequiredService<AgentFunctions.Hosting.Telemetry.TelemetryProviders>();

        Assert.Null(providers.Tracer);
        Assert.NotNull(providers.Meter);
    }
}
