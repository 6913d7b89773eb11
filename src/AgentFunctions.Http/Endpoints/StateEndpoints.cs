using Microsoft.AspNetCore.Routing;

namespace AgentFunctions.Http.Endpoints;

/// <summary>The thread state and history routes.</summary>
public static class StateEndpoints
{
    public static RouteGroupBuilder MapThreadState(this RouteGroupBuilder api) => api;
}
