using AgentFunctions.Http.Endpoints;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions.FunctionApp.Http;

/// <summary><c>GET /ok</c> (anonymous, for health probes) and <c>GET /info</c>.</summary>
public static class ServiceFunctions
{
    [Function("Ok")]
    public static IResult Ok([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "ok")] HttpRequest request)
        => InfoHandlers.Ok();

    [Function("Info")]
    public static IResult Info([HttpTrigger(ApiAuthorization.Level, "get", Route = "info")] HttpRequest request)
        => InfoHandlers.Info();
}
