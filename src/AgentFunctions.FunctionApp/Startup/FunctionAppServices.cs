using AgentFunctions.Hosting;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.FunctionApp.Startup;

/// <summary>The Functions app's services: the ones every host adds, and the worker's telemetry on the same pipeline.</summary>
internal static class FunctionAppServices
{
    /// <summary>The setting that turns on Application Insights (the platform sets it).</summary>
    public const string ApplicationInsightsConnectionString = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    public static IServiceCollection AddFunctionApp(this IServiceCollection services, IConfiguration configuration)
    {
        // The same call as the server's. It sets up the one OpenTelemetry pipeline (our source and meter; with
        // OTEL_EXPORTER_OTLP_ENDPOINT set, OTLP export of spans, metrics and logs), and checks every section's settings
        // when the host starts.
        services.AddAgentFunctions(configuration);

        // The same pipeline (AddOpenTelemetry returns a builder over the same providers): the worker's defaults (its
        // resource, its invocation spans' source, and the capability that stops the host from sending the same telemetry
        // again; host.json has "telemetryMode": "OpenTelemetry"), and Application Insights when the platform gives its
        // connection string. Every exporter, OTLP and Azure Monitor alike, receives the same spans, the worker's invocation
        // span included (and Azure Monitor's sampler, when it is there, decides for all of them).
        var telemetry = services.AddOpenTelemetry().UseFunctionsWorkerDefaults();
        if (!string.IsNullOrEmpty(configuration[ApplicationInsightsConnectionString]))
        {
            telemetry.UseAzureMonitorExporter();
        }

        return services;
    }
}
