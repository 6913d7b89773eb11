using AgentFunctions.Core.Stores;
using AgentFunctions.Core.Threads;
using AgentFunctions.Http.Identity;
using AgentFunctions.Http.Problems;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Http.State;

/// <summary>The thread a state or history request names: it must exist and be the caller's, else 404.</summary>
internal static class ThreadAccess
{
    /// <summary>The caller's owner id, once the caller's thread <paramref name="threadId"/> is known to exist.</summary>
    /// <exception cref="ApiProblemException">404: the id is not a valid id, or the caller has no such thread.</exception>
    public static async Task<string> RequireThreadAsync(HttpContext context, string threadId)
    {
        var ownerId = context.GetCaller().OwnerId;
        if (!ResourceIds.IsValid(threadId))
        {
            throw new ApiProblemException(ApiProblem.NotFound("No thread has that id."));
        }

        var threads = context.RequestServices.GetRequiredService<IThreadStore>();
        _ = await threads.GetAsync(ownerId, threadId, context.RequestAborted).ConfigureAwait(false)
            ?? throw new ApiProblemException(ApiProblem.NotFound($"Thread '{threadId}' not found."));
        return ownerId;
    }

    /// <summary>404 for a checkpoint the thread does not have.</summary>
    public static ApiProblemException CheckpointNotFound(string threadId)
        => new(ApiProblem.NotFound($"Thread '{threadId}' has no checkpoint with that id."));
}
