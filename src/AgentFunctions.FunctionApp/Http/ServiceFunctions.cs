using AgentFunctions.Http.Endpoints;
using AgentFunctions.Http.Invocation;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions.FunctionApp.Http;

/// <summary>
/// <c>GET /ok</c> (anonymous, for health probes) and <c>GET /info</c>, through <see cref="ApiInvocation"/> like every
/// HTTP function, without a caller (as on the server).
/// </summary>
public static class ServiceFunctions
{
    [Function("Ok")]
    public static Task<WrittenResponse> OkAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "ok")] HttpRequest request)
        => ApiInvocation.InvokeWithoutCallerAsync(request.HttpContext, InfoHandlers.Ok);

    [Function("Info")]
    public static Task<WrittenResponse> InfoAsync([HttpTrigger(ApiAuthorization.Level, "get", Route = "info")] HttpRequest request)
        => ApiInvocation.InvokeWithoutCallerAsync(request.HttpContext, () => InfoHandlers.Info(request.HttpContext));
}
