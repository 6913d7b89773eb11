using AgentFunctions.Core.Graphs;
using AgentFunctions.Http.Identity;
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
        endpoints.MapGet("/ok", InfoHandlers.Ok).WithName("Ok").AllowAnonymous();
        endpoints.MapGet("/info", InfoHandlers.Info).WithName("Info");

        var api = endpoints.MapGroup(string.Empty).AddEndpointFilter(AuthenticateAsync);
        api.MapAssistants();
        api.MapThreads();
        api.MapThreadState();
        api.MapRuns();
        api.MapStore();
        api.MapCrons();
        return endpoints;
    }

    /// <summary>Every API route but /ok and /info: the caller must be identified (401 otherwise) and is set on the request.</summary>
    private static async ValueTask<object?> AuthenticateAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
        => await CallerAuthentication.AuthenticateAsync(context.HttpContext).ConfigureAwait(false) ?? await next(context).ConfigureAwait(false);
}

/// <summary><c>GET /ok</c> and <c>GET /info</c>: whether this server answers, and what it is and can do. Neither needs a caller.</summary>
public static class InfoHandlers
{
    public static IResult Ok() => TypedResults.Ok(new Dictionary<string, bool> { ["ok"] = true });

    /// <summary>What this server is, and every graph it serves (<c>graphs</c>: <c>{graph_id, description, assistant_id}</c>, its default assistant's id).</summary>
    public static IResult Info(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var graphs = context.RequestServices.GetRequiredService<GraphRegistry>();
        return TypedResults.Ok(new Dictionary<string, object>
        {
            ["version"] = typeof(InfoHandlers).Assembly.GetName().Version?.ToString() ?? "0.0.0",
            ["langgraph_py_version"] = "0.0.0",
            ["flags"] = new Dictionary<string, bool> { ["assistants"] = true, ["crons"] = true, ["langsmith"] = false },
            ["host"] = new Dictionary<string, string> { ["kind"] = "agentfunctions" },
            ["graphs"] = graphs.Graphs.Select(g => new Dictionary<string, string>
            {
                ["graph_id"] = g.Id,
                ["description"] = g.Description,
                ["assistant_id"] = GraphRegistry.DefaultAssistantId(g.Id),
            }).ToList(),
        });
    }
}
