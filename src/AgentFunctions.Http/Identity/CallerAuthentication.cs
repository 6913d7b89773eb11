using AgentFunctions.Http.Problems;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Http.Identity;

/// <summary>Identifies the caller of an API request, for the server's endpoint filter and the Functions entry point alike.</summary>
internal static class CallerAuthentication
{
    /// <summary>Sets the caller on the request; when the request does not say who calls, returns the 401 (or 403) problem to answer with.</summary>
    public static async ValueTask<IResult?> AuthenticateAsync(HttpContext context)
    {
        var options = context.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value;
        if (options.Mode == AuthMode.Jwt)
        {
            var (bearer, refusal) = await BearerAuthentication.AuthenticateAsync(context, options.Jwt).ConfigureAwait(false);
            if (bearer is null)
            {
                return refusal;
            }

            context.SetCaller(bearer);
            return null;
        }

        var caller = context.RequestServices.GetRequiredService<CallerIdentity>().Identify(context.Request);
        if (caller is null)
        {
            return new ApiProblem(StatusCodes.Status401Unauthorized, "Unauthorized", "The request does not say who is calling (an x-api-key, or the platform's sign-in).").ToResult();
        }

        context.SetCaller(caller);
        return null;
    }
}
