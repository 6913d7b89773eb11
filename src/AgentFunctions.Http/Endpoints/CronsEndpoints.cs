using AgentFunctions.Http.Crons;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AgentFunctions.Http.Endpoints;

/// <summary>The crons routes (see <see cref="CronHandlers"/>).</summary>
public static class CronsEndpoints
{
    public static RouteGroupBuilder MapCrons(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapPost("/runs/crons", (Func<HttpContext, Task<IResult>>)CronHandlers.CreateAsync).WithName("CreateCron").WithTags("Crons");
        api.MapPost("/threads/{threadId}/runs/crons", (HttpContext context, string threadId) => CronHandlers.CreateForThreadAsync(context, threadId)).WithName("CreateThreadCron").WithTags("Crons");
        api.MapPost("/runs/crons/search", (Func<HttpContext, Task<IResult>>)CronHandlers.SearchAsync).WithName("SearchCrons").WithTags("Crons");
        api.MapPost("/runs/crons/count", (Func<HttpContext, Task<IResult>>)CronHandlers.CountAsync).WithName("CountCrons").WithTags("Crons");
        api.MapPatch("/runs/crons/{cronId}", (HttpContext context, string cronId) => CronHandlers.PatchAsync(context, cronId)).WithName("PatchCron").WithTags("Crons");
        api.MapDelete("/runs/crons/{cronId}", (HttpContext context, string cronId) => CronHandlers.DeleteAsync(context, cronId)).WithName("DeleteCron").WithTags("Crons");
        return api;
    }
}
