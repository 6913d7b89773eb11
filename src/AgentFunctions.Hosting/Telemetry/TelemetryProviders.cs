using AgentFunctions.Core.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace AgentFunctions.Hosting.Telemetry;

/// <summary>
/// The OpenTelemetry SDK's tracer and meter providers, owned by the host: built before any hosted service starts
/// (so the first request and the first queue message are traced), flushed and disposed after every hosted service
/// has stopped (so the spans of work that ended while stopping are sent). The SDK reads its <c>OTEL_*</c> settings
/// from the host's configuration. Nothing is built when nothing is exported.
/// </summary>
public sealed class TelemetryProviders(IOptions<TelemetryExportOptions> options, IConfiguration configuration) : IHostedLifecycleService, IDisposable
{
    private readonly TelemetryExportOptions _options = options.Value;
    private readonly Lock _lock = new();
    private TracerProvider? _tracer;
    private MeterProvider? _meter;

    /// <summary>The tracer provider while it runs; null when nothing is exported.</summary>
    public TracerProvider? Tracer => _tracer;

    /// <summary>The meter provider while it runs; null when nothing is exported.</summary>
    public MeterProvider? Meter => _meter;

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_options.Exports || _tracer is not null || _meter is not null)
            {
                return Task.CompletedTask;
            }

            // Each provider only when something takes its signal: a tracer provider samples every span, exported or not.
            if (_options.OtlpTraces || _options.Tracing.Count > 0)
            {
                var tracing = Sdk.CreateTracerProviderBuilder()
                    .ConfigureServices(services => services.AddSingleton(configuration))
                    .ConfigureResource(Describe)
                    .AddSource(AgentTelemetry.Name);
                if (_options.OtlpTraces)
                {
                    tracing.AddOtlpExporter();
                }

                foreach (var configure in _options.Tracing)
                {
                    configure(tracing);
                }

                _tracer = tracing.Build();
            }

            if (_options.OtlpMetrics || _options.Metrics.Count > 0)
            {
                var metrics = Sdk.CreateMeterProviderBuilder()
                    .ConfigureServices(services => services.AddSingleton(configuration))
                    .ConfigureResource(Describe)
                    .AddMeter(AgentTelemetry.Name, "Microsoft.AspNetCore.Hosting");
                if (_options.OtlpMetrics)
                {
                    metrics.AddOtlpExporter();
                }

                foreach (var configure in _options.Metrics)
                {
                    configure(metrics);
                }

                _meter = metrics.Build();
            }
        }

        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Sends what is buffered and shuts the providers down, once the hosted services have stopped.</summary>
    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        Shutdown();
        return Task.CompletedTask;
    }

    public void Dispose() => Shutdown();

    private void Shutdown()
    {
        TracerProvider? tracer;
        MeterProvider? meter;
        lock (_lock)
        {
            (tracer, meter, _tracer, _meter) = (_tracer, _meter, null, null);
        }

        // Dispose flushes: spans first, so that metrics recorded at their end are in the last metric export too.
        tracer?.Dispose();
        meter?.Dispose();
    }

    private void Describe(ResourceBuilder resource) => resource.AddService(_options.ServiceName);
}
