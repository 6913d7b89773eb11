using AgentFunctions.Http.Runs;
using AgentFunctions.Http.Threads;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AgentFunctions.Http.Endpoints;

/// <summary>The threads routes.</summary>
public static class ThreadsEndpoints
{
    public static RouteGroupBuilder MapThreads(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapPost("/threads", (Func<HttpContext, Task<IResult>>)ThreadHandlers.CreateAsync).WithName("CreateThread").WithTags("Threads");
        api.MapPost("/threads/search", (Func<HttpContext, Task<IResult>>)ThreadHandlers.SearchAsync).WithName("SearchThreads").WithTags("Threads");
        api.MapPost("/threads/count", (Func<HttpContext, Task<IResult>>)ThreadHandlers.CountAsync).WithName("CountThreads").WithTags("Threads");
        api.MapGet("/threads/{threadId}", (HttpContext context, string threadId) => ThreadHandlers.GetAsync(context, threadId)).WithName("GetThread").WithTags("Threads");
        api.MapPatch("/threads/{threadId}", (HttpContext context, string threadId) => ThreadHandlers.PatchAsync(context, threadId)).WithName("PatchThread").WithTags("Threads");
        api.MapPost("/threads/{threadId}/copy", (HttpContext context, string threadId) => ThreadHandlers.CopyAsync(context, threadId)).WithName("CopyThread").WithTags("Threads");
        api.MapGet("/threads/{threadId}/stream", (HttpContext context, string threadId) => RunHandlers.JoinThreadStreamAsync(context, threadId)).WithName("JoinThreadStream").WithTags("Threads");
        api.MapDelete("/threads/{threadId}", (HttpContext context, string threadId) => ThreadHandlers.DeleteAsync(context, threadId)).WithName("DeleteThread").WithTags("Threads");
        return api;
    }
}
