using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Http.Tracing;

/// <summary>
/// Owns each request's trace in the ASP.NET Core host, outermost, through <see cref="HttpInvocationTrace"/>. The span's
/// parent is the caller's <c>traceparent</c>, not ASP.NET Core's own request activity, which is not exported; logs
/// written during the request carry this span's trace and span ids.
/// </summary>
internal sealed class InvocationTracingMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context) => HttpInvocationTrace.TraceAsync(context, () => next(context));
}
