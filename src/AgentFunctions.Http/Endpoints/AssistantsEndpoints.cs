using AgentFunctions.Http.Assistants;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AgentFunctions.Http.Endpoints;

/// <summary>The assistants routes.</summary>
public static class AssistantsEndpoints
{
    public static RouteGroupBuilder MapAssistants(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapPost("/assistants", (Func<HttpContext, Task<IResult>>)AssistantHandlers.CreateAsync).WithName("CreateAssistant").WithTags("Assistants");
        api.MapPost("/assistants/search", (Func<HttpContext, Task<IResult>>)AssistantHandlers.SearchAsync).WithName("SearchAssistants").WithTags("Assistants");
        api.MapPost("/assistants/count", (Func<HttpContext, Task<IResult>>)AssistantHandlers.CountAsync).WithName("CountAssistants").WithTags("Assistants");
        api.MapGet("/assistants/{assistantId}", (HttpContext context, string assistantId) => AssistantHandlers.GetAsync(context, assistantId)).WithName("GetAssistant").WithTags("Assistants");
        api.MapPatch("/assistants/{assistantId}", (HttpContext context, string assistantId) => AssistantHandlers.PatchAsync(context, assistantId)).WithName("PatchAssistant").WithTags("Assistants");
        api.MapDelete("/assistants/{assistantId}", (HttpContext context, string assistantId) => AssistantHandlers.DeleteAsync(context, assistantId)).WithName("DeleteAssistant").WithTags("Assistants");
        api.MapGet("/assistants/{assistantId}/graph", (HttpContext context, string assistantId) => AssistantHandlers.GetGraphAsync(context, assistantId)).WithName("GetAssistantGraph").WithTags("Assistants");
        api.MapPost("/assistants/{assistantId}/versions", (HttpContext context, string assistantId) => AssistantHandlers.ListVersionsAsync(context, assistantId)).WithName("ListAssistantVersions").WithTags("Assistants");
        api.MapPost("/assistants/{assistantId}/latest", (HttpContext context, string assistantId) => AssistantHandlers.SetLatestAsync(context, assistantId)).WithName("SetLatestAssistantVersion").WithTags("Assistants");
        api.MapGet("/assistants/{assistantId}/subgraphs", (HttpContext context, string assistantId) => AssistantHandlers.GetSubgraphsAsync(context, assistantId)).WithName("GetAssistantSubgraphs").WithTags("Assistants");
        api.MapGet("/assistants/{assistantId}/schemas", (HttpContext context, string assistantId) => AssistantHandlers.GetSchemasAsync(context, assistantId)).WithName("GetAssistantSchemas").WithTags("Assistants");
        return api;
    }
}
