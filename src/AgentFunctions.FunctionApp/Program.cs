using AgentFunctions.FunctionApp.Tracing;
using AgentFunctions.Hosting;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// The Azure Functions app: the worker with ASP.NET Core integration, the services every host adds, and
// OpenTelemetry. Composition only; the functions are in Http/, Queues/ and Timers/.
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();

// Each invocation's trace, HTTP, queue and timer alike; for HTTP it covers the whole response, which the functions
// write through ApiInvocation inside the invocation.
builder.UseMiddleware<InvocationTraceMiddleware>();

// The same call as the server's. It sets up the one OpenTelemetry pipeline (our source and meter; with
// OTEL_EXPORTER_OTLP_ENDPOINT set, OTLP export of spans, metrics and logs).
builder.Services.AddAgentFunctions(builder.Configuration);

// The same pipeline (AddOpenTelemetry returns a builder over the same providers): the worker's defaults (its
// resource, its invocation spans' source, and the capability that stops the host from sending the same telemetry
// again; host.json has "telemetryMode": "OpenTelemetry"), and Application Insights when the platform gives its
// connection string. Every exporter, OTLP and Azure Monitor alike, receives the same spans, the worker's invocation
// span included (and Azure Monitor's sampler, when it is there, decides for all of them).
var telemetry = builder.Services.AddOpenTelemetry().UseFunctionsWorkerDefaults();
if (!string.IsNullOrEmpty(builder.Configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"]))
{
    telemetry.UseAzureMonitorExporter();
}

builder.Build().Run();
