using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace AgentFunctions.Hosting.Telemetry;

/// <summary>
/// Where the library's spans and metrics go. OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is configured (with the
/// other <c>OTEL_*</c> settings the OpenTelemetry SDK reads, such as <c>OTEL_EXPORTER_OTLP_PROTOCOL</c> and
/// <c>OTEL_EXPORTER_OTLP_HEADERS</c>), and whatever a host adds (the Functions app, Azure Monitor); with neither,
/// no provider is built and nothing is exported.
/// </summary>
public sealed class TelemetryExportOptions
{
    /// <summary>The configuration key of the OTLP endpoint, as the OpenTelemetry SDK names it.</summary>
    public const string OtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>The configuration key of the exported service name.</summary>
    public const string ServiceNameKey = "OTEL_SERVICE_NAME";

    /// <summary>The service name when <see cref="ServiceNameKey"/> is not set.</summary>
    public const string DefaultServiceName = "agentfunctions";

    /// <summary>Export spans over OTLP: <see cref="OtlpEndpointKey"/> is set, and <c>OTEL_TRACES_EXPORTER</c> is not <c>none</c>.</summary>
    public bool OtlpTraces { get; set; }

    /// <summary>Export metrics over OTLP: <see cref="OtlpEndpointKey"/> is set, and <c>OTEL_METRICS_EXPORTER</c> is not <c>none</c>.</summary>
    public bool OtlpMetrics { get; set; }

    /// <summary>Export logs over OTLP: <see cref="OtlpEndpointKey"/> is set, and <c>OTEL_LOGS_EXPORTER</c> is not <c>none</c> (read at registration).</summary>
    public bool OtlpLogs { get; set; }

    /// <summary>The <c>service.name</c> of what is exported.</summary>
    public string ServiceName { get; set; } = DefaultServiceName;

    /// <summary>More configuration of the tracer provider (an exporter, a sampler), applied after the library's.</summary>
    public IList<Action<TracerProviderBuilder>> Tracing { get; } = [];

    /// <summary>More configuration of the meter provider (an exporter, more meters), applied after the library's.</summary>
    public IList<Action<MeterProviderBuilder>> Metrics { get; } = [];

    /// <summary>Whether anything is exported, so that providers are worth building.</summary>
    public bool Exports => OtlpTraces || OtlpMetrics || Tracing.Count > 0 || Metrics.Count > 0;

    /// <summary>Whether a signal is exported over OTLP: the endpoint is set and its <c>OTEL_{SIGNAL}_EXPORTER</c> is not <c>none</c>.</summary>
    internal static bool Exported(Microsoft.Extensions.Configuration.IConfiguration configuration, string signal)
        => !string.IsNullOrWhiteSpace(configuration[OtlpEndpointKey])
            && !string.Equals(configuration[$"OTEL_{signal}_EXPORTER"], "none", StringComparison.OrdinalIgnoreCase);
}
