using System.Diagnostics;
using AgentFunctions.Core.Telemetry;
using AgentFunctions.Http.Problems;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AgentFunctions.Http.Tracing;

/// <summary>
/// Owns each request's trace in the ASP.NET Core host: an <see cref="InvocationTrace"/> started before anything
/// else runs, parented on the request's <c>traceparent</c>, and ended by this middleware's own flow once the
/// response has been completely written: the handler and any result it returned (an SSE stream, an
/// <see cref="IResult"/> executed after it) have run, and the response has been completed here, so its last byte
/// has been handed to the server before the span ends. A client that went away ends it as cancelled; a fault
/// (one the exception handler answered with a 5xx, or one that escaped) as failed.
/// </summary>
/// <remarks>
/// The span's parent is the caller's <c>traceparent</c>, not ASP.NET Core's own request activity, which is not
/// exported; logs written during the request carry this span's trace and span ids.
/// </remarks>
internal sealed class InvocationTracingMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var headers = request.Headers;
        var trace = InvocationTrace.Start(request.Method, ActivityKind.Server, headers.TraceParent.ToString() is { Length: > 0 } parent ? parent : null, headers.TraceState);
        if (trace.Activity is { IsAllDataRequested: true } started)
        {
            started.SetTag(TelemetryAttributes.HttpRequestMethod, request.Method);
            started.SetTag(TelemetryAttributes.UrlPath, request.Path.Value);
            started.SetTag(TelemetryAttributes.UrlScheme, request.Scheme);
        }

        var aborted = context.RequestAborted;
        try
        {
            await next(context).ConfigureAwait(false);
            if (!aborted.IsCancellationRequested)
            {
                // Sends whatever is left (the end of a chunked body) now, so the span ends after the last byte.
                await context.Response.CompleteAsync().ConfigureAwait(false);
            }
        }
        catch when (aborted.IsCancellationRequested)
        {
            Name(trace, context);
            trace.Cancel(context.Response.StatusCode);
            throw;
        }
        catch (Exception e)
        {
            Name(trace, context);
            trace.Fail(e, context.Response.HasStarted ? context.Response.StatusCode : StatusCodes.Status500InternalServerError);
            throw;
        }

        Name(trace, context);
        var status = context.Response.StatusCode;
        if (aborted.IsCancellationRequested)
        {
            trace.Cancel(status);
        }
        else if (context.Features.Get<IExceptionHandlerFeature>()?.Error is { } handled && (status >= 500 || ApiProblem.From(handled).Status >= 500))
        {
            // Answered by the exception handler: a fault of ours (a 5xx, or a stream that failed after its head was sent).
            trace.Fail(handled, status);
        }
        else
        {
            trace.Complete(status);
        }
    }

    /// <summary>
    /// Names the span after the route it matched (<c>POST /threads/{threadId}/runs/stream</c>), once routing has run
    /// (the exception handler clears the request's endpoint, and keeps it on its feature).
    /// </summary>
    private static void Name(InvocationTrace trace, HttpContext context)
    {
        if (trace.Activity is { } activity
            && (context.GetEndpoint() ?? context.Features.Get<IExceptionHandlerFeature>()?.Endpoint) is RouteEndpoint { RoutePattern.RawText: { } route })
        {
            activity.DisplayName = context.Request.Method + " " + route;
            activity.SetTag(TelemetryAttributes.HttpRoute, route);
        }
    }
}
