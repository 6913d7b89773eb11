using Microsoft.AspNetCore.Routing;

namespace AgentFunctions.Http.Endpoints;

/// <summary>The assistants routes.</summary>
public static class AssistantsEndpoints
{
    public static RouteGroupBuilder MapAssistants(this RouteGroupBuilder api) => api;
}
