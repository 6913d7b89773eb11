using AgentFunctions.Http.Invocation;
using AgentFunctions.Http.State;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions.FunctionApp.Http;

/// <summary>The thread state and history routes, each a call to its handler through <see cref="ApiInvocation"/>.</summary>
public static class StateFunctions
{
    [Function("GetThreadState")]
    public static Task<WrittenResponse> GetStateAsync([HttpTrigger(ApiAuthorization.Level, "get", Route = "threads/{threadId}/state")] HttpRequest request, string threadId)
        => ApiInvocation.InvokeAsync(request.HttpContext, context => StateHandlers.GetStateAsync(context, threadId));

    [Function("UpdateThreadState")]
    public static Task<WrittenResponse> UpdateStateAsync([HttpTrigger(ApiAuthorization.Level, "post", Route = "threads/{threadId}/state")] HttpRequest request, string threadId)
        => ApiInvocation.InvokeAsync(request.HttpContext, context => StateHandlers.UpdateStateAsync(context, threadId));

    [Function("PostThreadStateAtCheckpoint")]
    public static Task<WrittenResponse> PostStateAtCheckpointAsync([HttpTrigger(ApiAuthorization.Level, "post", Route = "threads/{threadId}/state/checkpoint")] HttpRequest request, string threadId)
        => ApiInvocation.InvokeAsync(request.HttpContext, context => StateHandlers.PostStateAtCheckpointAsync(context, threadId));

    [Function("GetThreadStateAtCheckpoint")]
    public static Task<WrittenResponse> GetStateAtCheckpointAsync([HttpTrigger(ApiAuthorization.Level, "get", Route = "threads/{threadId}/state/{checkpointId}")] HttpRequest request, string threadId, string checkpointId)
        => ApiInvocation.InvokeAsync(request.HttpContext, context => StateHandlers.GetStateAtCheckpointAsync(context, threadId, checkpointId));

    [Function("GetThreadHistory")]
    public static Task<WrittenResponse> GetHistoryAsync([HttpTrigger(ApiAuthorization.Level, "get", Route = "threads/{threadId}/history")] HttpRequest request, string threadId)
        => ApiInvocation.InvokeAsync(request.HttpContext, context => HistoryHandlers.GetHistoryAsync(context, threadId));

    [Function("PostThreadHistory")]
    public static Task<WrittenResponse> PostHistoryAsync([HttpTrigger(ApiAuthorization.Level, "post", Route = "threads/{threadId}/history")] HttpRequest request, string threadId)
        => ApiInvocation.InvokeAsync(request.HttpContext, context => HistoryHandlers.PostHistoryAsync(context, threadId));

    [Function("StreamThreadHistory")]
    public static Task<WrittenResponse> StreamHistoryAsync([HttpTrigger(ApiAuthorization.Level, "get", Route = "threads/{threadId}/history/stream")] HttpRequest request, string threadId)
        => ApiInvocation.InvokeAsync(request.HttpContext, context => HistoryHandlers.StreamHistoryAsync(context, threadId));
}
