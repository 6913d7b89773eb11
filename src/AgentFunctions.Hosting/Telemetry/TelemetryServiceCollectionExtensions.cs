using AgentFunctions.Core.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace AgentFunctions.Hosting.Telemetry;

/// <summary>
/// The library's telemetry: one OpenTelemetry pipeline (OpenTelemetry.Extensions.Hosting, started and disposed with
/// the host) that every host extends. Called by <c>AddAgentFunctions</c>; a host adds to the same pipeline with
/// <c>services.AddOpenTelemetry()</c> (an exporter, the Functions worker's defaults), which returns a builder over
/// the same providers.
/// </summary>
public static class TelemetryServiceCollectionExtensions
{
    /// <summary>The configuration key of the OTLP endpoint, as the OpenTelemetry SDK names it.</summary>
    public const string OtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>The configuration key of the exported service name.</summary>
    public const string ServiceNameKey = "OTEL_SERVICE_NAME";

    /// <summary>The service name when <see cref="ServiceNameKey"/> is not set.</summary>
    public const string DefaultServiceName = "agentfunctions";

    /// <summary>
    /// Logs carry the current trace and span ids. The library's source and meter go into whichever tracer and meter
    /// providers the pipeline has; with <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> set (and the other <c>OTEL_*</c> settings
    /// the SDK reads, such as <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>), spans, metrics and logs are exported over OTLP,
    /// each unless its <c>OTEL_TRACES_EXPORTER</c>, <c>OTEL_METRICS_EXPORTER</c> or <c>OTEL_LOGS_EXPORTER</c> is
    /// <c>none</c>. A signal that nothing exports has no provider, so nothing listens to its spans or measurements.
    /// </summary>
    public static OpenTelemetryBuilder AddAgentFunctionsTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.Configure<LoggerFactoryOptions>(o =>
            o.ActivityTrackingOptions |= ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);

        var serviceName = configuration[ServiceNameKey] is { Length: > 0 } name ? name : DefaultServiceName;
        var telemetry = services.AddOpenTelemetry().ConfigureResource(resource => resource.AddService(serviceName));

        // Into the providers the pipeline builds, without building one: WithTracing and WithMetrics do, and a tracer
        // provider samples and records every span of its sources whether or not anything exports them.
        services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddSource(AgentTelemetry.Name));
        services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddMeter(AgentTelemetry.Name, "Microsoft.AspNetCore.Hosting"));

        // Per signal rather than UseOtlpExporter, which exports every signal and has no switch for one of them.
        if (OtlpExported(configuration, "TRACES"))
        {
            telemetry.WithTracing(tracing => tracing.AddOtlpExporter());
        }

        if (OtlpExported(configuration, "METRICS"))
        {
            telemetry.WithMetrics(metrics => metrics.AddOtlpExporter());
        }

        if (OtlpExported(configuration, "LOGS"))
        {
            telemetry.WithLogging(logging => logging.AddOtlpExporter());
        }

        return telemetry;
    }

    /// <summary>Whether a signal is exported over OTLP: the endpoint is set and its <c>OTEL_{SIGNAL}_EXPORTER</c> is not <c>none</c>.</summary>
    private static bool OtlpExported(IConfiguration configuration, string signal)
        => !string.IsNullOrWhiteSpace(configuration[OtlpEndpointKey])
            && !string.Equals(configuration[$"OTEL_{signal}_EXPORTER"], "none", StringComparison.OrdinalIgnoreCase);
}
