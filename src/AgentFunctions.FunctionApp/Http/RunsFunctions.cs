using AgentFunctions.Http.Invocation;
using AgentFunctions.Http.Runs;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions.FunctionApp.Http;

/// <summary>
/// The runs routes, each a call to its handler through <see cref="ApiInvocation"/>. A streamed or waited
/// run executes inside the invocation that streams it; a background run is queued for <see cref="Queues.RunQueueFunction"/>.
/// </summary>
public static class RunsFunctions
{
    [Function("CreateRun")]
    public static Task<WrittenResponse> CreateAsync([HttpTrigger(ApiAuthorization.Level, "post", Route = "threads/{threadId}/runs")] HttpRequest request, string threadId)
        => ApiInvocation.InvokeAsync(request.HttpContext, context => RunHandlers.CreateAsync(context, threadId));

    [Function("StreamRun")]
    public static Task<WrittenResponse> StreamAsync([HttpTrigger(ApiAuthorization.Level, "post", Route = "threads/{threadId}/runs/stream")] HttpRequest request, string threadId)
        => ApiInvocation.InvokeAsync(request.HttpContext, context => RunHandlers.StreamAsync(context, threadId));

    [Function("WaitRun")]
    public static Task<WrittenResponse> WaitAsync([HttpTrigger(ApiAuthorization.Level, "post", Route = "threads/{threadId}/runs/wait")] HttpRequest request, string threadId)
        => ApiInvocation.InvokeAsync(request.HttpContext, context => RunHandlers.WaitAsync(context, threadId));

    [Function("ListRuns")]
    public static Task<WrittenResponse> ListAsync([HttpTrigger(ApiAuthorization.Level, "get", Route = "threads/{threadId}/runs")] HttpRequest request, string threadId)
        => ApiInvocation.InvokeAsync(request.HttpContext, context => RunHandlers.ListAsync(context, threadId));

    [Function("GetRun")]
    public static Task<WrittenResponse> GetAsync([HttpTrigger(ApiAuthorization.Level, "get", Route = "threads/{threadId}/runs/{runId}")] HttpRequest request, string threadId, string runId)
        => ApiInvocation.InvokeAsync(request.HttpContext, context => RunHandlers.GetAsync(context, threadId, runId));

    [Function("DeleteRun")]
    public static Task<WrittenResponse> DeleteAsync([HttpTrigger(ApiAuthorization.Level, "delete", Route = "threads/{threadId}/runs/{runId}")] HttpRequest request, string threadId, string runId)
        => ApiInvocation.InvokeAsync(request.HttpContext, context => RunHandlers.DeleteAsync(context, threadId, runId));

    [Function("CancelRun")]
    public static Task<WrittenResponse> CancelAsync([HttpTrigger(ApiAuthorization.Level, "post", Route = "threads/{threadId}/runs/{runId}/cancel")] HttpRequest request, string threadId, string runId)
        => ApiInvocation.InvokeAsync(request.HttpContext, context => RunHandlers.CancelAsync(context, threadId, runId));

    [Function("JoinRun")]
    public static Task<WrittenResponse> JoinAsync([HttpTrigger(ApiAuthorization.Level, "get", Route = "threads/{threadId}/runs/{runId}/join")] HttpRequest request, string threadId, string runId)
        => ApiInvocation.InvokeAsync(request.HttpContext, context => RunHandlers.JoinAsync(context, threadId, runId));

    [Function("JoinRunStream")]
    public static Task<WrittenResponse> JoinStreamAsync([HttpTrigger(ApiAuthorization.Level, "get", Route = "threads/{threadId}/runs/{runId}/stream")] HttpRequest request, string threadId, string runId)
        => ApiInvocation.InvokeAsync(request.HttpContext, context => RunHandlers.JoinStreamAsync(context, threadId, runId));

    [Function("StreamStatelessRun")]
    public static Task<WrittenResponse> StreamStatelessAsync([HttpTrigger(ApiAuthorization.Level, "post", Route = "runs/stream")] HttpRequest request)
        => ApiInvocation.InvokeAsync(request.HttpContext, RunHandlers.StreamStatelessAsync);

    [Function("WaitStatelessRun")]
    public static Task<WrittenResponse> WaitStatelessAsync([HttpTrigger(ApiAuthorization.Level, "post", Route = "runs/wait")] HttpRequest request)
        => ApiInvocation.InvokeAsync(request.HttpContext, RunHandlers.WaitStatelessAsync);

    [Function("CancelRuns")]
    public static Task<WrittenResponse> CancelManyAsync([HttpTrigger(ApiAuthorization.Level, "post", Route = "runs/cancel")] HttpRequest request)
        => ApiInvocation.InvokeAsync(request.HttpContext, RunHandlers.CancelManyAsync);

    [Function("CreateStatelessRun")]
    public static Task<WrittenResponse> CreateStatelessAsync([HttpTrigger(ApiAuthorization.Level, "post", Route = "runs")] HttpRequest request)
        => ApiInvocation.InvokeAsync(request.HttpContext, RunHandlers.CreateStatelessAsync);

    [Function("CreateRunBatch")]
    public static Task<WrittenResponse> CreateBatchAsync([HttpTrigger(ApiAuthorization.Level, "post", Route = "runs/batch")] HttpRequest request)
        => ApiInvocation.InvokeAsync(request.HttpContext, RunHandlers.CreateBatchAsync);
}
