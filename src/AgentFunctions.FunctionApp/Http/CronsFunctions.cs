using AgentFunctions.Http.Crons;
using AgentFunctions.Http.Invocation;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions.FunctionApp.Http;

/// <summary>The crons routes, each a call to its handler through <see cref="ApiInvocation"/>.</summary>
public static class CronsFunctions
{
    [Function("CreateCron")]
    public static Task<WrittenResponse> CreateAsync([HttpTrigger(ApiAuthorization.Level, "post", Route = "runs/crons")] HttpRequest request)
        => ApiInvocation.InvokeAsync(request.HttpContext, CronHandlers.CreateAsync);

    [Function("CreateThreadCron")]
    public static Task<WrittenResponse> CreateForThreadAsync([HttpTrigger(ApiAuthorization.Level, "post", Route = "threads/{threadId}/runs/crons")] HttpRequest request, string threadId)
        => ApiInvocation.InvokeAsync(request.HttpContext, context => CronHandlers.CreateForThreadAsync(context, threadId));

    [Function("SearchCrons")]
    public static Task<WrittenResponse> SearchAsync([HttpTrigger(ApiAuthorization.Level, "post", Route = "runs/crons/search")] HttpRequest request)
        => ApiInvocation.InvokeAsync(request.HttpContext, CronHandlers.SearchAsync);

    [Function("CountCrons")]
    public static Task<WrittenResponse> CountAsync([HttpTrigger(ApiAuthorization.Level, "post", Route = "runs/crons/count")] HttpRequest request)
        => ApiInvocation.InvokeAsync(request.HttpContext, CronHandlers.CountAsync);

    [Function("PatchCron")]
    public static Task<WrittenResponse> PatchAsync([HttpTrigger(ApiAuthorization.Level, "patch", Route = "runs/crons/{cronId}")] HttpRequest request, string cronId)
        => ApiInvocation.InvokeAsync(request.HttpContext, context => CronHandlers.PatchAsync(context, cronId));

    [Function("DeleteCron")]
    public static Task<WrittenResponse> DeleteAsync([HttpTrigger(ApiAuthorization.Level, "delete", Route = "runs/crons/{cronId}")] HttpRequest request, string cronId)
        => ApiInvocation.InvokeAsync(request.HttpContext, context => CronHandlers.DeleteAsync(context, cronId));
}
