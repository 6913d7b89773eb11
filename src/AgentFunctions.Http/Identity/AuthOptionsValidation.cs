using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Http.Identity;

/// <summary>
/// Checks the <c>Auth</c> section when the host starts, so that a deployment that cannot identify its callers safely
/// does not start: API keys that are too short, a bearer token setup without an issuer, and <see cref="AuthMode.EasyAuth"/>
/// where nothing vouches for the principal headers (anyone could send them).
/// </summary>
internal sealed class AuthOptionsValidation(IConfiguration configuration) : IValidateOptions<AuthOptions>
{
    /// <summary>App Service and Functions set it to <c>True</c> while their built-in authentication is on.</summary>
    internal const string AppServiceAuthEnabled = "WEBSITE_AUTH_ENABLED";

    /// <summary>Container Apps set it in every app; it says where the app runs, not whether authentication is on.</summary>
    internal const string ContainerAppName = "CONTAINER_APP_NAME";

    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Mode switch
        {
            AuthMode.ApiKey when options.ApiKeys.Count == 0 || options.ApiKeys.Any(k => k.Key.Length < 16 || k.Owner.Length == 0)
                => ValidateOptionsResult.Fail("Auth:Mode ApiKey needs Auth:ApiKeys entries, each with a Key of at least 16 characters and an Owner."),
            AuthMode.EasyAuth when !options.TrustPrincipalHeaders && !PlatformAuthenticationIsOn(configuration)
                => ValidateOptionsResult.Fail(EasyAuthRefusal(configuration)),
            AuthMode.Jwt when !options.Jwt.IsEntraId && (string.IsNullOrEmpty(options.Jwt.Authority) || string.IsNullOrEmpty(options.Jwt.Audience))
                => ValidateOptionsResult.Fail("Auth:Mode Jwt needs Auth:Jwt:ClientId and Auth:Jwt:TenantId (Entra ID), or Auth:Jwt:Authority and Auth:Jwt:Audience (any OpenID Connect issuer)."),
            AuthMode.Jwt when options.Jwt.IsEntraId && string.IsNullOrEmpty(options.Jwt.TenantId) && string.IsNullOrEmpty(options.Jwt.Authority)
                => ValidateOptionsResult.Fail("Auth:Mode Jwt with Auth:Jwt:ClientId (Entra ID) needs Auth:Jwt:TenantId (a tenant id, or organizations or common)."),
            _ => ValidateOptionsResult.Success,
        };
    }

    /// <summary>Whether App Service or Functions say that their authentication is in front of the app.</summary>
    private static bool PlatformAuthenticationIsOn(IConfiguration configuration)
        => string.Equals(configuration[AppServiceAuthEnabled], "True", StringComparison.OrdinalIgnoreCase);

    private static string EasyAuthRefusal(IConfiguration configuration) => string.IsNullOrEmpty(configuration[ContainerAppName])
        ? $"Auth:Mode EasyAuth trusts the X-MS-CLIENT-PRINCIPAL headers, which only the platform's authentication may set, and {AppServiceAuthEnabled} is not True here, so any caller could claim any identity. "
          + "Turn on App Service or Functions authentication, use Auth:Mode Jwt (bearer tokens) or ApiKey, or set Auth:TrustPrincipalHeaders=true if a proxy you run authenticates every request and sets those headers."
        : "Auth:Mode EasyAuth trusts the X-MS-CLIENT-PRINCIPAL headers, and Container Apps do not say whether their authentication is on. "
          + "Turn on the container app's authentication (requiring it for every request) and then set Auth:TrustPrincipalHeaders=true, or use Auth:Mode Jwt (bearer tokens) or ApiKey.";
}
