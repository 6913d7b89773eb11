using Microsoft.AspNetCore.Routing;

namespace AgentFunctions.Http.Endpoints;

/// <summary>The threads routes.</summary>
public static class ThreadsEndpoints
{
    public static RouteGroupBuilder MapThreads(this RouteGroupBuilder api) => api;
}
