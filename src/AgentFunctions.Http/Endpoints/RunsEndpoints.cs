using AgentFunctions.Http.Runs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AgentFunctions.Http.Endpoints;

/// <summary>The runs routes (see <see cref="RunHandlers"/>).</summary>
public static class RunsEndpoints
{
    public static RouteGroupBuilder MapRuns(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var runs = api.MapGroup("/threads/{threadId}/runs").WithTags("Thread Runs");
        runs.MapPost(string.Empty, RunHandlers.CreateAsync).WithName("CreateRun");
        runs.MapPost("/stream", RunHandlers.StreamAsync).WithName("StreamRun");
        runs.MapPost("/wait", RunHandlers.WaitAsync).WithName("WaitRun");
        runs.MapGet(string.Empty, RunHandlers.ListAsync).WithName("ListRuns");
        runs.MapGet("/{runId}", RunHandlers.GetAsync).WithName("GetRun");
        runs.MapDelete("/{runId}", RunHandlers.DeleteAsync).WithName("DeleteRun");
        runs.MapPost("/{runId}/cancel", RunHandlers.CancelAsync).WithName("CancelRun");
        runs.MapGet("/{runId}/join", RunHandlers.JoinAsync).WithName("JoinRun");
        runs.MapGet("/{runId}/stream", RunHandlers.JoinStreamAsync).WithName("JoinRunStream");

        var stateless = api.MapGroup("/runs").WithTags("Stateless Runs");
        stateless.MapPost("/stream", (Func<HttpContext, Task<IResult>>)RunHandlers.StreamStatelessAsync).WithName("StreamStatelessRun");
        stateless.MapPost("/wait", (Func<HttpContext, Task<IResult>>)RunHandlers.WaitStatelessAsync).WithName("WaitStatelessRun");
        stateless.MapPost(string.Empty, (Func<HttpContext, Task<IResult>>)RunHandlers.CreateStatelessAsync).WithName("CreateStatelessRun");
        stateless.MapPost("/batch", (Func<HttpContext, Task<IResult>>)RunHandlers.CreateBatchAsync).WithName("CreateRunBatch");
        stateless.MapPost("/cancel", (Func<HttpContext, Task<IResult>>)RunHandlers.CancelManyAsync).WithName("CancelRuns");
        return api;
    }
}
