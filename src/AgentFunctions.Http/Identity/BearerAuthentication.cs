using System.Security.Claims;
using AgentFunctions.Http.Problems;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Identity.Web;

namespace AgentFunctions.Http.Identity;

/// <summary>
/// <see cref="AuthMode.Jwt"/>: the JwtBearer handler validates the request's bearer token (signature, issuer, audience,
/// lifetime), called through <see cref="IAuthenticationService"/> so that it works the same in the server and in the
/// Functions worker, whose pipeline does not run the authentication middleware. This class only adds what the handler
/// does not know: the permission the API asks for, and which claims name the owner.
/// </summary>
internal static class BearerAuthentication
{
    private const string Scheme = JwtBearerDefaults.AuthenticationScheme;

    /// <summary>Entra ID's sign-in address in the public cloud, the <c>Instance</c> when none is set.</summary>
    private const string PublicCloud = "https://login.microsoftonline.com/";

    /// <summary>Registers the JwtBearer handler for <paramref name="section"/> (<c>Auth:Jwt</c>): Entra ID's through Microsoft.Identity.Web, or a plain one.</summary>
    public static void AddBearerAuthentication(this IServiceCollection services, IConfigurationSection section)
    {
        var authentication = services.AddAuthentication();
        if (section.Get<JwtAuthOptions>()?.IsEntraId == true)
        {
            // Instance, TenantId, ClientId: the authority, the audiences (the client id and api://client id) and
            // Entra ID's issuer rule for every tenant ("organizations"/"common") come from Microsoft.Identity.Web.
            authentication.AddMicrosoftIdentityWebApi(section.Bind, identity =>
            {
                section.Bind(identity);
                if (string.IsNullOrEmpty(identity.Instance))
                {
                    identity.Instance = PublicCloud;
                }
            }, Scheme);
        }
        else
        {
            // Authority and Audience, as the handler's own options (ASP.NET Core binds them from configuration the same way).
            authentication.AddJwtBearer(Scheme, section.Bind);
        }

        // The principal keeps the token's claim names (oid, tid, sub, iss, scp, roles), which are what this class reads.
        services.PostConfigure<JwtBearerOptions>(Scheme, options => options.MapInboundClaims = false);
    }

    /// <summary>The caller named by the request's valid bearer token; otherwise the 401 (or 403 for a missing permission) problem to answer with.</summary>
    public static async Task<(Caller? Caller, IResult? Refusal)> AuthenticateAsync(HttpContext context, JwtAuthOptions options)
    {
        var result = await context.AuthenticateAsync(Scheme).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            // The handler answers as RFC 6750 says: 401 with WWW-Authenticate: Bearer (and error="invalid_token" and why, for a bad token).
            await context.ChallengeAsync(Scheme).ConfigureAwait(false);
            return (null, Unauthorized("The request has no valid bearer token (Authorization: Bearer <token>)."));
        }

        var principal = result.Principal;
        if (OwnerOf(principal) is not { } owner)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\", error_description=\"The token names no user\"";
            return (null, Unauthorized("The token names no user (no oid and tid, nor sub)."));
        }

        if (!HasPermission(principal, options))
        {
            var scope = string.Join(' ', options.RequiredScopes);
            context.Response.Headers.WWWAuthenticate = scope.Length > 0 ? $"Bearer error=\"insufficient_scope\", scope=\"{scope}\"" : "Bearer error=\"insufficient_scope\"";
            return (null, new ApiProblem(StatusCodes.Status403Forbidden, "Forbidden", "The token carries none of the scopes or app roles this API requires.").ToResult());
        }

        context.User = principal;
        return (new Caller(owner), null);
    }

    /// <summary>
    /// The owner a token stands for, stable across sign-ins and distinct across tenants and issuers: Entra ID's object id
    /// with its tenant id (<c>oid@tid</c>), otherwise the subject with its issuer (<c>iss#sub</c>; an issuer has no fragment).
    /// </summary>
    internal static string? OwnerOf(ClaimsPrincipal principal)
    {
        var objectId = principal.FindFirst("oid")?.Value;
        var tenantId = principal.FindFirst("tid")?.Value;
        if (!string.IsNullOrEmpty(objectId) && !string.IsNullOrEmpty(tenantId))
        {
            return $"{objectId}@{tenantId}";
        }

        var subject = principal.FindFirst("sub");
        return subject is { Value.Length: > 0 } ? $"{subject.Issuer}#{subject.Value}" : null;
    }

    /// <summary>Whether the token carries one of the required scopes or app roles (always, when none is required).</summary>
    private static bool HasPermission(ClaimsPrincipal principal, JwtAuthOptions options)
    {
        if (options.RequiredScopes.Count == 0 && options.RequiredRoles.Count == 0)
        {
            return true;
        }

        var scopes = principal.FindAll("scp").SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var roles = principal.FindAll("roles").Select(c => c.Value);
        return scopes.Any(options.RequiredScopes.Contains) || roles.Any(options.RequiredRoles.Contains);
    }

    private static IResult Unauthorized(string detail) => new ApiProblem(StatusCodes.Status401Unauthorized, "Unauthorized", detail).ToResult();
}
