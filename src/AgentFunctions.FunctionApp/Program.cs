using AgentFunctions.FunctionApp.Startup;
using AgentFunctions.FunctionApp.Tracing;
using AgentFunctions.Hosting.Configuration;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

// The Azure Functions app: the worker with ASP.NET Core integration, the services every host adds, and
// OpenTelemetry. Composition only; the functions are in Http/, Queues/ and Timers/.
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();

// Each invocation's trace, HTTP, queue and timer alike; for HTTP it covers the whole response, which the functions
// write through ApiInvocation inside the invocation.
builder.UseMiddleware<InvocationTraceMiddleware>();
builder.Services.AddFunctionApp(builder.Configuration);

try
{
    using var host = builder.Build();
    StartupFailure.ValidateSettings(host.Services);
    await host.RunAsync();
    return 0;
}
catch (Exception e) when (StartupFailure.Describe(e) is { } message)
{
    // A bad setting: the worker stops at start with the setting named (the Functions host shows the worker's output),
    // not at the first run.
    await Console.Error.WriteLineAsync(message);
    return 1;
}
