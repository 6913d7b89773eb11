using AgentFunctions.Http.State;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace AgentFunctions.Http.Endpoints;

/// <summary>The thread state and history routes.</summary>
public static class StateEndpoints
{
    public static RouteGroupBuilder MapThreadState(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var thread = api.MapGroup("/threads/{thread_id}").WithTags("Thread state");
        thread.MapGet("/state", (HttpContext context, [FromRoute(Name = "thread_id")] string threadId)
            => StateHandlers.GetStateAsync(context, threadId)).WithName("GetThreadState");
        thread.MapPost("/state", (HttpContext context, [FromRoute(Name = "thread_id")] string threadId)
            => StateHandlers.UpdateStateAsync(context, threadId)).WithName("UpdateThreadState");
        thread.MapPost("/state/checkpoint", (HttpContext context, [FromRoute(Name = "thread_id")] string threadId)
            => StateHandlers.PostStateAtCheckpointAsync(context, threadId)).WithName("PostThreadStateAtCheckpoint");
        thread.MapGet("/state/{checkpoint_id}", (HttpContext context, [FromRoute(Name = "thread_id")] string threadId, [FromRoute(Name = "checkpoint_id")] string checkpointId)
            => StateHandlers.GetStateAtCheckpointAsync(context, threadId, checkpointId)).WithName("GetThreadStateAtCheckpoint");
        thread.MapGet("/history", (HttpContext context, [FromRoute(Name = "thread_id")] string threadId)
            => HistoryHandlers.GetHistoryAsync(context, threadId)).WithName("GetThreadHistory");
        thread.MapPost("/history", (HttpContext context, [FromRoute(Name = "thread_id")] string threadId)
            => HistoryHandlers.PostHistoryAsync(context, threadId)).WithName("PostThreadHistory");
        thread.MapGet("/history/stream", (HttpContext context, [FromRoute(Name = "thread_id")] string threadId)
            => HistoryHandlers.StreamHistoryAsync(context, threadId)).WithName("StreamThreadHistory");
        return api;
    }
}
