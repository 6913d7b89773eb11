using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Logs;

namespace AgentFunctions.Hosting.Telemetry;

/// <summary>Registers the library's telemetry export: called by <c>AddAgentFunctions</c>; a host adds exporters with <see cref="ConfigureAgentFunctionsTelemetry"/>.</summary>
public static class TelemetryServiceCollectionExtensions
{
    /// <summary>
    /// Logs carry the current trace and span ids; the providers start and stop with the host; with
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> set, spans, metrics and logs are exported over OTLP (each unless its
    /// <c>OTEL_TRACES_EXPORTER</c>, <c>OTEL_METRICS_EXPORTER</c> or <c>OTEL_LOGS_EXPORTER</c> is <c>none</c>).
    /// </summary>
    public static IServiceCollection AddAgentFunctionsTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var logs = TelemetryExportOptions.Exported(configuration, "LOGS");
        services.AddOptions<TelemetryExportOptions>().Configure(o =>
        {
            o.OtlpTraces = TelemetryExportOptions.Exported(configuration, "TRACES");
            o.OtlpMetrics = TelemetryExportOptions.Exported(configuration, "METRICS");
            o.OtlpLogs = logs;
            o.ServiceName = configuration[TelemetryExportOptions.ServiceNameKey] is { Length: > 0 } name ? name : TelemetryExportOptions.DefaultServiceName;
        });
        services.Configure<LoggerFactoryOptions>(o =>
            o.ActivityTrackingOptions |= ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        services.TryAddSingleton<TelemetryProviders>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, TelemetryProviders>(sp => sp.GetRequiredService<TelemetryProviders>()));
        if (logs)
        {
            services.AddLogging(logging => logging.AddOpenTelemetry(o => o.AddOtlpExporter()));
        }

        return services;
    }

    /// <summary>Adds to the export (an exporter for the Functions app, a sampler): <c>o.Tracing.Add(b => b.AddXxxExporter())</c>.</summary>
    public static IServiceCollection ConfigureAgentFunctionsTelemetry(this IServiceCollection services, Action<TelemetryExportOptions> configure)
    {
        services.Configure(configure);
        return services;
    }
}
