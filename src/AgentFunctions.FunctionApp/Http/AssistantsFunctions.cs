using AgentFunctions.Http.Assistants;
using AgentFunctions.Http.Invocation;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions.FunctionApp.Http;

/// <summary>The assistants routes, each a call to its handler through <see cref="ApiInvocation"/>.</summary>
public static class AssistantsFunctions
{
    [Function("CreateAssistant")]
    public static Task<WrittenResponse> CreateAsync([HttpTrigger(ApiAuthorization.Level, "post", Route = "assistants")] HttpRequest request)
        => ApiInvocation.InvokeAsync(request.HttpContext, AssistantHandlers.CreateAsync);

    [Function("SearchAssistants")]
    public static Task<WrittenResponse> SearchAsync([HttpTrigger(ApiAuthorization.Level, "post", Route = "assistants/search")] HttpRequest request)
        => ApiInvocation.InvokeAsync(request.HttpContext, AssistantHandlers.SearchAsync);

    [Function("CountAssistants")]
    public static Task<WrittenResponse> CountAsync([HttpTrigger(ApiAuthorization.Level, "post", Route = "assistants/count")] HttpRequest request)
        => ApiInvocation.InvokeAsync(request.HttpContext, AssistantHandlers.CountAsync);

    [Function("GetAssistant")]
    public static Task<WrittenResponse> GetAsync([HttpTrigger(ApiAuthorization.Level, "get", Route = "assistants/{assistantId}")] HttpRequest request, string assistantId)
        => ApiInvocation.InvokeAsync(request.HttpContext, context => AssistantHandlers.GetAsync(context, assistantId));

    [Function("PatchAssistant")]
    public static Task<WrittenResponse> PatchAsync([HttpTrigger(ApiAuthorization.Level, "patch", Route = "assistants/{assistantId}")] HttpRequest request, string assistantId)
        => ApiInvocation.InvokeAsync(request.HttpContext, context => AssistantHandlers.PatchAsync(context, assistantId));

    [Function("DeleteAssistant")]
    public static Task<WrittenResponse> DeleteAsync([HttpTrigger(ApiAuthorization.Level, "delete", Route = "assistants/{assistantId}")] HttpRequest request, string assistantId)
        => ApiInvocation.InvokeAsync(request.HttpContext, context => AssistantHandlers.DeleteAsync(context, assistantId));

    [Function("GetAssistantGraph")]
    public static Task<WrittenResponse> GetGraphAsync([HttpTrigger(ApiAuthorization.Level, "get", Route = "assistants/{assistantId}/graph")] HttpRequest request, string assistantId)
        => ApiInvocation.InvokeAsync(request.HttpContext, context => AssistantHandlers.GetGraphAsync(context, assistantId));

    [Function("ListAssistantVersions")]
    public static Task<WrittenResponse> ListVersionsAsync([HttpTrigger(ApiAuthorization.Level, "post", Route = "assistants/{assistantId}/versions")] HttpRequest request, string assistantId)
        => ApiInvocation.InvokeAsync(request.HttpContext, context => AssistantHandlers.ListVersionsAsync(context, assistantId));

    [Function("SetLatestAssistantVersion")]
    public static Task<WrittenResponse> SetLatestAsync([HttpTrigger(ApiAuthorization.Level, "post", Route = "assistants/{assistantId}/latest")] HttpRequest request, string assistantId)
        => ApiInvocation.InvokeAsync(request.HttpContext, context => AssistantHandlers.SetLatestAsync(context, assistantId));

    [Function("GetAssistantSubgraphs")]
    public static Task<WrittenResponse> GetSubgraphsAsync([HttpTrigger(ApiAuthorization.Level, "get", Route = "assistants/{assistantId}/subgraphs")] HttpRequest request, string assistantId)
        => ApiInvocation.InvokeAsync(request.HttpContext, context => AssistantHandlers.GetSubgraphsAsync(context, assistantId));

    [Function("GetAssistantSchemas")]
    public static Task<WrittenResponse> GetSchemasAsync([HttpTrigger(ApiAuthorization.Level, "get", Route = "assistants/{assistantId}/schemas")] HttpRequest request, string assistantId)
        => ApiInvocation.InvokeAsync(request.HttpContext, context => AssistantHandlers.GetSchemasAsync(context, assistantId));
}
