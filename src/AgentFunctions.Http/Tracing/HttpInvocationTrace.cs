using System.Diagnostics;
using AgentFunctions.Core.Telemetry;
using AgentFunctions.Http.Problems;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AgentFunctions.Http.Tracing;

/// <summary>
/// One HTTP invocation inside its trace, for both hosts: the server's middleware (<see cref="InvocationTracingMiddleware"/>)
/// and the Functions app's worker middleware call <see cref="TraceAsync"/>. The <see cref="InvocationTrace"/> starts
/// before the invocation runs and is ended by this method's own flow once the response has been completely written:
/// the invocation (the handler, and any result executed after it, such as an SSE stream) has run, and the response
/// has been completed here, so its last byte has been handed to the server before the span ends. A client that went
/// away ends it as cancelled; a fault (one answered with a 5xx problem, or one that escaped) as failed. The span says
/// how many bytes of body had been written when it ended (<c>http.response.body.size</c>, counted by
/// <see cref="CountedResponseBody"/>): after a complete response, the whole body.
/// </summary>
public static class HttpInvocationTrace
{
    /// <param name="context">The request.</param>
    /// <param name="invocation">Everything that writes the response.</param>
    /// <param name="route">The span's route when the request matched no endpoint of the host's routing (a Functions trigger).</param>
    /// <param name="traceParent">The parent; null for the request's own <c>traceparent</c> header.</param>
    /// <param name="traceState">The parent's trace state, with <paramref name="traceParent"/>.</param>
    public static async Task TraceAsync(HttpContext context, Func<Task> invocation, string? route = null, string? traceParent = null, string? traceState = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(invocation);
        var request = context.Request;
        if (traceParent is null)
        {
            traceParent = request.Headers.TraceParent.ToString() is { Length: > 0 } header ? header : null;
            traceState = request.Headers.TraceState;
        }

        var trace = InvocationTrace.Start(request.Method, ActivityKind.Server, traceParent, traceState);
        if (trace.Activity is { IsAllDataRequested: true } started)
        {
            started.SetTag(TelemetryAttributes.HttpRequestMethod, request.Method);
            started.SetTag(TelemetryAttributes.UrlPath, request.Path.Value);
            started.SetTag(TelemetryAttributes.UrlScheme, request.Scheme);
        }

        var body = CountedResponseBody.Install(context);
        var aborted = context.RequestAborted;
        try
        {
            await invocation().ConfigureAwait(false);
            if (!aborted.IsCancellationRequested)
            {
                // Sends whatever is left (the end of a chunked body) now, so the span ends after the last byte.
                await context.Response.CompleteAsync().ConfigureAwait(false);
            }
        }
        catch when (aborted.IsCancellationRequested)
        {
            Name(trace, context, route, body);
            trace.Cancel(context.Response.StatusCode);
            throw;
        }
        catch (Exception e)
        {
            Name(trace, context, route, body);
            trace.Fail(e, context.Response.HasStarted ? context.Response.StatusCode : StatusCodes.Status500InternalServerError);
            throw;
        }

        Name(trace, context, route, body);
        var status = context.Response.StatusCode;
        if (aborted.IsCancellationRequested)
        {
            trace.Cancel(status);
        }
        else if (context.Features.Get<IExceptionHandlerFeature>()?.Error is { } handled && (status >= 500 || ApiProblem.From(handled).Status >= 500))
        {
            // Answered as a problem: a fault of ours (a 5xx, or a stream that failed after its head was sent).
            trace.Fail(handled, status);
        }
        else
        {
            trace.Complete(status);
        }
    }

    /// <summary>
    /// Names the span after the route it matched (<c>POST /threads/{threadId}/runs/stream</c>), once routing has run
    /// (the exception handler clears the request's endpoint, and keeps it on its feature), else after <paramref name="route"/>;
    /// and gives it the bytes of body written so far.
    /// </summary>
    private static void Name(InvocationTrace trace, HttpContext context, string? route, CountedResponseBody? body)
    {
        if (trace.Activity is not { } activity)
        {
            return;
        }

        if (body is not null)
        {
            activity.SetTag(TelemetryAttributes.HttpResponseBodySize, body.Bytes);
        }

        if ((context.GetEndpoint() ?? context.Features.Get<IExceptionHandlerFeature>()?.Endpoint) is RouteEndpoint { RoutePattern.RawText: { } matched })
        {
            route = matched;
        }

        if (route is not null)
        {
            activity.DisplayName = context.Request.Method + " " + route;
            activity.SetTag(TelemetryAttributes.HttpRoute, route);
        }
    }
}
