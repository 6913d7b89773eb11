using AgentFunctions.Http.Invocation;
using AgentFunctions.Http.Runs;
using AgentFunctions.Http.Threads;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions.FunctionApp.Http;

/// <summary>The threads routes, each a call to its handler through <see cref="ApiInvocation"/>.</summary>
public static class ThreadsFunctions
{
    [Function("CreateThread")]
    public static Task<WrittenResponse> CreateAsync([HttpTrigger(ApiAuthorization.Level, "post", Route = "threads")] HttpRequest request)
        => ApiInvocation.InvokeAsync(request.HttpContext, ThreadHandlers.CreateAsync);

    [Function("SearchThreads")]
    public static Task<WrittenResponse> SearchAsync([HttpTrigger(ApiAuthorization.Level, "post", Route = "threads/search")] HttpRequest request)
        => ApiInvocation.InvokeAsync(request.HttpContext, ThreadHandlers.SearchAsync);

    [Function("CountThreads")]
    public static Task<WrittenResponse> CountAsync([HttpTrigger(ApiAuthorization.Level, "post", Route = "threads/count")] HttpRequest request)
        => ApiInvocation.InvokeAsync(request.HttpContext, ThreadHandlers.CountAsync);

    [Function("GetThread")]
    public static Task<WrittenResponse> GetAsync([HttpTrigger(ApiAuthorization.Level, "get", Route = "threads/{threadId}")] HttpRequest request, string threadId)
        => ApiInvocation.InvokeAsync(request.HttpContext, context => ThreadHandlers.GetAsync(context, threadId));

    [Function("PatchThread")]
    public static Task<WrittenResponse> PatchAsync([HttpTrigger(ApiAuthorization.Level, "patch", Route = "threads/{threadId}")] HttpRequest request, string threadId)
        => ApiInvocation.InvokeAsync(request.HttpContext, context => ThreadHandlers.PatchAsync(context, threadId));

    [Function("CopyThread")]
    public static Task<WrittenResponse> CopyAsync([HttpTrigger(ApiAuthorization.Level, "post", Route = "threads/{threadId}/copy")] HttpRequest request, string threadId)
        => ApiInvocation.InvokeAsync(request.HttpContext, context => ThreadHandlers.CopyAsync(context, threadId));

    [Function("JoinThreadStream")]
    public static Task<WrittenResponse> JoinStreamAsync([HttpTrigger(ApiAuthorization.Level, "get", Route = "threads/{threadId}/stream")] HttpRequest request, string threadId)
        => ApiInvocation.InvokeAsync(request.HttpContext, context => RunHandlers.JoinThreadStreamAsync(context, threadId));

    [Function("DeleteThread")]
    public static Task<WrittenResponse> DeleteAsync([HttpTrigger(ApiAuthorization.Level, "delete", Route = "threads/{threadId}")] HttpRequest request, string threadId)
        => ApiInvocation.InvokeAsync(request.HttpContext, context => ThreadHandlers.DeleteAsync(context, threadId));
}
