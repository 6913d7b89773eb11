using Microsoft.AspNetCore.Routing;

namespace AgentFunctions.Http.Endpoints;

/// <summary>The runs routes.</summary>
public static class RunsEndpoints
{
    public static RouteGroupBuilder MapRuns(this RouteGroupBuilder api) => api;
}
