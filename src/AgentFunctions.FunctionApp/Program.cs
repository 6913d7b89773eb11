using AgentFunctions.Core.Telemetry;
using AgentFunctions.FunctionApp.Tracing;
using AgentFunctions.Hosting;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;

// The Azure Functions app: the worker with ASP.NET Core integration, the services every host adds, and
// OpenTelemetry. Composition only; the functions are in Http/, Queues/ and Timers/.
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();

// Each invocation's trace, HTTP, queue and timer alike; for HTTP it covers the whole response, which the functions
// write through ApiInvocation inside the invocation.
builder.UseMiddleware<InvocationTraceMiddleware>();

// The same call as the server's; with OTEL_EXPORTER_OTLP_ENDPOINT set, it also exports our spans, metrics and logs over OTLP.
builder.Services.AddAgentFunctions(builder.Configuration);

// The worker's OpenTelemetry defaults (its resource, its invocation spans, and the capability that stops the
// host from sending the same telemetry again; host.json has "telemetryMode": "OpenTelemetry"), our source and
// meter, and Application Insights when the platform gives its connection string.
var telemetry = builder.Services.AddOpenTelemetry()
    .UseFunctionsWorkerDefaults()
    .WithTracing(tracing => tracing.AddSource(AgentTelemetry.Name))
    .WithMetrics(metrics => metrics.AddMeter(AgentTelemetry.Name));
if (!string.IsNullOrEmpty(builder.Configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"]))
{
    telemetry.UseAzureMonitorExporter();
}

builder.Build().Run();
