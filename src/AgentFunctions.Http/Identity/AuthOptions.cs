namespace AgentFunctions.Http.Identity;

/// <summary>How callers are identified.</summary>
public enum AuthMode
{
    /// <summary>No authentication: every caller is one local user (a warning is logged at start).</summary>
    None,

    /// <summary>An <c>x-api-key</c> header, each key mapped to an owner in configuration.</summary>
    ApiKey,

    /// <summary>App Service / Functions authentication: the platform validates the caller and sends <c>X-MS-CLIENT-PRINCIPAL</c>.</summary>
    EasyAuth,
}

/// <summary>The <c>Auth</c> section: the mode, and the API keys with their owners.</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    public AuthMode Mode { get; set; } = AuthMode.None;

    /// <summary>The owner every request has in <see cref="AuthMode.None"/>.</summary>
    public string LocalOwner { get; set; } = "local";

    /// <summary>In <see cref="AuthMode.ApiKey"/>: the accepted keys and whose they are.</summary>
    public List<ApiKeyOwner> ApiKeys { get; set; } = [];
}

/// <summary>An API key and the owner it stands for.</summary>
public sealed class ApiKeyOwner
{
    public string Key { get; set; } = string.Empty;

    public string Owner { get; set; } = string.Empty;
}
