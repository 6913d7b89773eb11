using System.Diagnostics;
using AgentFunctions.Core.Telemetry;
using AgentFunctions.Http.Tracing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace AgentFunctions.FunctionApp.Tracing;

/// <summary>
/// Owns each invocation's trace, with the code the server uses: an HTTP invocation through
/// <see cref="HttpInvocationTrace"/> (the functions write their whole response through <c>ApiInvocation</c> inside the
/// invocation, so the span ends after its last byte), a queue message or a timer through <see cref="InvocationTrace.RunAsync"/>.
/// The parent is the worker's own invocation span when its OpenTelemetry defaults create one, else the host's trace context.
/// </summary>
internal sealed class InvocationTraceMiddleware : IFunctionsWorkerMiddleware
{
    public Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        var (parent, state) = Activity.Current is { IdFormat: ActivityIdFormat.W3C } worker
            ? (worker.Id, worker.TraceStateString)
            : (context.TraceContext.TraceParent, context.TraceContext.TraceState);
        var name = context.FunctionDefinition.Name;
        if (context.GetHttpContext() is { } http)
        {
            return HttpInvocationTrace.TraceAsync(http, () => next(context), name, parent, state);
        }

        var queue = context.FunctionDefinition.InputBindings.Values.Any(b => string.Equals(b.Type, "queueTrigger", StringComparison.OrdinalIgnoreCase));
        return InvocationTrace.RunAsync(
            queue ? "process " + name : name, queue ? ActivityKind.Consumer : ActivityKind.Internal, () => next(context), parent, state,
            [new(TelemetryAttributes.FaasInvocationId, context.InvocationId)], context.CancellationToken);
    }
}
