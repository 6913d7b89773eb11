using AgentFunctions.Http.Identity;
using AgentFunctions.Http.Problems;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Http.Endpoints;

/// <summary>Maps the whole API (the Agent Protocol routes as LangGraph Platform serves them) on an endpoint builder.</summary>
public static class ApiEndpoints
{
    public static IEndpointRouteBuilder MapAgentFunctionsApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/ok", () => TypedResults.Ok(new Dictionary<string, bool> { ["ok"] = true })).WithName("Ok").AllowAnonymous();
        endpoints.MapGet("/info", InfoHandlers.Info).WithName("Info");

        var api = endpoints.MapGroup(string.Empty).AddEndpointFilter(AuthenticateAsync);
        api.MapAssistants();
        api.MapThreads();
        api.MapThreadState();
        api.MapRuns();
        return endpoints;
    }

    /// <summary>Every API route but /ok: the caller must be identified (401 otherwise) and is set on the request.</summary>
    private static async ValueTask<object?> AuthenticateAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var caller = http.RequestServices.GetRequiredService<CallerIdentity>().Identify(http.Request);
        if (caller is null)
        {
            return new ApiProblem(StatusCodes.Status401Unauthorized, "Unauthorized", "The request does not say who is calling (an x-api-key, or the platform's sign-in).").ToResult();
        }

        http.SetCaller(caller);
        return await next(context).ConfigureAwait(false);
    }
}

/// <summary><c>GET /info</c>: what this server is and can do.</summary>
public static class InfoHandlers
{
    public static IResult Info() => TypedResults.Ok(new Dictionary<string, object>
    {
        ["version"] = typeof(InfoHandlers).Assembly.GetName().Version?.ToString() ?? "0.0.0",
        ["langgraph_py_version"] = "0.0.0",
        ["flags"] = new Dictionary<string, bool> { ["assistants"] = true, ["crons"] = false, ["langsmith"] = false },
        ["host"] = new Dictionary<string, string> { ["kind"] = "agentfunctions" },
    });
}
