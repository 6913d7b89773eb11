namespace AgentFunctions.Http.Identity;

/// <summary>How callers are identified.</summary>
public enum AuthMode
{
    /// <summary>No authentication: every caller is one local user (a warning is logged at start).</summary>
    None,

    /// <summary>An <c>x-api-key</c> header, each key mapped to an owner in configuration.</summary>
    ApiKey,

    /// <summary>
    /// App Service / Functions / Container Apps authentication: the platform validates the caller and sends
    /// <c>X-MS-CLIENT-PRINCIPAL</c>. Only where the platform says its authentication is on, or
    /// <see cref="AuthOptions.TrustPrincipalHeaders"/> says a trusted proxy sets the headers.
    /// </summary>
    EasyAuth,

    /// <summary>An <c>Authorization: Bearer</c> token, validated by the JwtBearer handler (Entra ID or any OpenID Connect issuer).</summary>
    Jwt,
}

/// <summary>The <c>Auth</c> section: the mode, and what each mode needs.</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    public AuthMode Mode { get; set; } = AuthMode.None;

    /// <summary>The owner every request has in <see cref="AuthMode.None"/>.</summary>
    public string LocalOwner { get; set; } = "local";

    /// <summary>In <see cref="AuthMode.ApiKey"/>: the accepted keys and whose they are.</summary>
    public List<ApiKeyOwner> ApiKeys { get; set; } = [];

    /// <summary>
    /// In <see cref="AuthMode.EasyAuth"/> away from App Service and Functions with their authentication on: true says
    /// that something in front of this app (Container Apps' built-in authentication, or a proxy you run) authenticates
    /// every caller, sets the <c>X-MS-CLIENT-PRINCIPAL</c> headers and removes any a caller sent. Without it the app
    /// refuses to start there, since anyone could send the headers.
    /// </summary>
    public bool TrustPrincipalHeaders { get; set; }

    /// <summary>In <see cref="AuthMode.Jwt"/>: the issuer, the audience and the permission a token needs.</summary>
    public JwtAuthOptions Jwt { get; set; } = new();
}

/// <summary>An API key and the owner it stands for.</summary>
public sealed class ApiKeyOwner
{
    public string Key { get; set; } = string.Empty;

    public string Owner { get; set; } = string.Empty;
}

/// <summary>
/// The <c>Auth:Jwt</c> section. For Entra ID, <see cref="ClientId"/> with <see cref="TenantId"/> (and
/// <see cref="Instance"/> for another cloud): Microsoft.Identity.Web reads the section as its own. For any other OpenID
/// Connect issuer, <see cref="Authority"/> and <see cref="Audience"/>: the JwtBearer handler reads the section as its
/// options (so its other settings, such as <c>RequireHttpsMetadata</c>, can be set here too).
/// </summary>
public sealed class JwtAuthOptions
{
    public const string SectionName = "Jwt";

    /// <summary>The issuer's address; its <c>/.well-known/openid-configuration</c> names its issuer and signing keys.</summary>
    public string? Authority { get; set; }

    /// <summary>The audience a token must be for (the API's application id URI or client id).</summary>
    public string? Audience { get; set; }

    /// <summary>Entra ID: the cloud's sign-in address (Microsoft.Identity.Web's default is the public cloud's).</summary>
    public string? Instance { get; set; }

    /// <summary>Entra ID: the tenant id, or <c>organizations</c> / <c>common</c> for an app used by many tenants.</summary>
    public string? TenantId { get; set; }

    /// <summary>Entra ID: the API's app registration (tokens for it, or for <c>api://</c> it, are accepted).</summary>
    public string? ClientId { get; set; }

    /// <summary>Scopes of which a token must carry one (<c>scp</c>); empty, with <see cref="RequiredRoles"/> empty too, for none.</summary>
    public List<string> RequiredScopes { get; set; } = [];

    /// <summary>App roles of which a token must carry one (<c>roles</c>), as an alternative to a scope (app-only tokens have roles).</summary>
    public List<string> RequiredRoles { get; set; } = [];

    /// <summary>Whether the section is Entra ID's (Microsoft.Identity.Web) rather than a plain OpenID Connect issuer's.</summary>
    internal bool IsEntraId => !string.IsNullOrEmpty(ClientId);
}
