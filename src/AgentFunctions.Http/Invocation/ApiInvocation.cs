using AgentFunctions.Http.Identity;
using AgentFunctions.Http.Problems;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Http.Invocation;

/// <summary>
/// The API as a host without the server's middleware calls it (an Azure Functions HTTP trigger): one
/// call does for a request what the server's pipeline and endpoint filter do, with the same code. It
/// applies the body size limit, identifies the caller (401 otherwise), runs the handler, writes its
/// result to the response, and turns a failure into problem details. The response is complete when
/// the returned task is, so a streamed body is written inside the caller's invocation. Every HTTP
/// function returns what this returns, a <see cref="WrittenResponse"/>, which only this class makes and
/// which leaves the host nothing more to write: a function that returned a result of its own would have
/// the worker execute it after the invocation's trace had completed the response (a 500 with an empty body).
/// </summary>
public static class ApiInvocation
{
    /// <summary>Runs <paramref name="handler"/> for an identified caller and writes the result it returns.</summary>
    public static Task<WrittenResponse> InvokeAsync(HttpContext context, Func<HttpContext, Task<IResult>> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return InvokeAsync(context, async c => await (await handler(c).ConfigureAwait(false)).ExecuteAsync(c).ConfigureAwait(false));
    }

    /// <summary>Runs <paramref name="writer"/>, a handler that writes the response itself, for an identified caller.</summary>
    public static Task<WrittenResponse> InvokeAsync(HttpContext context, Func<HttpContext, Task> writer)
        => WriteAsync(context, writer, identifyCaller: true);

    /// <summary>
    /// Runs <paramref name="handler"/>, one of the routes that need no caller (<c>/ok</c>, <c>/info</c>, as on the
    /// server), and writes the result it returns.
    /// </summary>
    public static Task<WrittenResponse> InvokeWithoutCallerAsync(HttpContext context, Func<IResult> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return WriteAsync(context, c => handler().ExecuteAsync(c), identifyCaller: false);
    }

    private static async Task<WrittenResponse> WriteAsync(HttpContext context, Func<HttpContext, Task> writer, bool identifyCaller)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(writer);
        try
        {
            if (await PrepareAsync(context, identifyCaller).ConfigureAwait(false) is { } refused)
            {
                await refused.ExecuteAsync(context).ConfigureAwait(false);
            }
            else if (Compression(context) is { } provider)
            {
                // As the server's pipeline does (UseResponseCompression), for JSON and NDJSON bodies only.
                await new ResponseCompressionMiddleware(c => writer(c), provider).Invoke(context).ConfigureAwait(false);
            }
            else
            {
                await writer(context).ConfigureAwait(false);
            }
        }
        catch (Exception exception)
        {
            await HandleAsync(context, exception).ConfigureAwait(false);
        }

        return WrittenResponse.Instance;
    }

    private static IResponseCompressionProvider? Compression(HttpContext context)
        => context.RequestServices.GetRequiredService<IOptions<HttpApiOptions>>().Value.ResponseCompression
            ? context.RequestServices.GetService<IResponseCompressionProvider>()
            : null;

    /// <summary>The request limits and the caller; the problem to answer with when the caller is not identified.</summary>
    private static ValueTask<IResult?> PrepareAsync(HttpContext context, bool identifyCaller)
    {
        RequestLimits.Apply(context, context.RequestServices.GetRequiredService<IOptions<HttpApiOptions>>().Value);
        return identifyCaller ? CallerAuthentication.AuthenticateAsync(context) : ValueTask.FromResult<IResult?>(null);
    }

    /// <summary>
    /// What the server's exception handler middleware does: a clean response, the failure on the request's
    /// <see cref="IExceptionHandlerFeature"/> (where the invocation's trace finds it), then the API's problem for it.
    /// </summary>
    private static async Task HandleAsync(HttpContext context, Exception exception)
    {
        if (!context.Response.HasStarted)
        {
            context.Response.Clear();
        }

        context.Features.Set<IExceptionHandlerFeature>(new ExceptionHandlerFeature { Error = exception, Path = context.Request.Path.Value ?? string.Empty });

        var handler = context.RequestServices.GetRequiredService<ApiExceptionHandler>();
        await handler.TryHandleAsync(context, exception, context.RequestAborted).ConfigureAwait(false);
    }
}

/// <summary>The per-request limits both hosts apply.</summary>
internal static class RequestLimits
{
    /// <summary>Sets the largest request body (413 above it) where the server lets a request change it.</summary>
    public static void Apply(HttpContext context, HttpApiOptions options)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = options.MaxRequestBodyBytes;
        }
    }
}
