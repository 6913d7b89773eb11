using AgentFunctions.Http.Identity;
using AgentFunctions.Http.Problems;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Http.Invocation;

/// <summary>
/// The API as a host without the server's middleware calls it (an Azure Functions HTTP trigger): one
/// call does for a request what the server's pipeline and endpoint filter do, with the same code. It
/// applies the body size limit, identifies the caller (401 otherwise), runs the handler, writes its
/// result to the response, and turns a failure into problem details. The response is complete when
/// the returned task is, so a streamed body is written inside the caller's invocation; the returned
/// result is empty, leaving the host nothing more to write.
/// </summary>
public static class ApiInvocation
{
    /// <summary>Runs <paramref name="handler"/> for an identified caller and writes the result it returns.</summary>
    public static Task<IResult> InvokeAsync(HttpContext context, Func<HttpContext, Task<IResult>> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return InvokeAsync(context, async c => await (await handler(c).ConfigureAwait(false)).ExecuteAsync(c).ConfigureAwait(false));
    }

    /// <summary>Runs <paramref name="writer"/>, a handler that writes the response itself, for an identified caller.</summary>
    public static async Task<IResult> InvokeAsync(HttpContext context, Func<HttpContext, Task> writer)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(writer);
        try
        {
            if (await PrepareAsync(context).ConfigureAwait(false) is { } refused)
            {
                await refused.ExecuteAsync(context).ConfigureAwait(false);
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

        return Results.Empty;
    }

    /// <summary>The request limits and the caller; the problem to answer with when the caller is not identified.</summary>
    private static ValueTask<IResult?> PrepareAsync(HttpContext context)
    {
        RequestLimits.Apply(context, context.RequestServices.GetRequiredService<IOptions<HttpApiOptions>>().Value);
        return CallerAuthentication.AuthenticateAsync(context);
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
