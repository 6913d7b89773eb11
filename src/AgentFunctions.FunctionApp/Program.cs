using AgentFunctions.Core.Telemetry;
using AgentFunctions.Hosting;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;

// The Azure Functions app: the worker with ASP.NET Core integration, the services every host adds, and
// OpenTelemetry. Composition only; the functions are in Http/ and Queues/.
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();

// Worker middleware (builder.UseMiddleware<T>(), outermost first) goes here: it wraps every invocation,
// HTTP and queue alike, and for HTTP the whole response, which ApiInvocation writes inside the invocation.

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
