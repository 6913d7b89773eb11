using System.Net.Http.Headers;

namespace AgentFunctions.Http.Tests.Auth;

/// <summary>The server with Auth:Mode Jwt, its authority a <see cref="TestIssuer"/> on loopback.</summary>
public class JwtServerFixture : ServerFixture
{
    public const string Audience = "api://agentfunctions-tests";

    public TestIssuer Issuer { get; } = new();

    public override async Task InitializeAsync()
    {
        await Issuer.StartAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Issuer.DisposeAsync();
    }

    /// <summary>A client that sends <paramref name="token"/> as <c>Authorization: Bearer</c>.</summary>
    public HttpClient BearerClient(string token)
    {
        var client = Client();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    protected override IEnumerable<KeyValuePair<string, string?>> Settings() =>
    [
        new("Auth:Mode", "Jwt"),
        new("Auth:Jwt:Authority", Issuer.Issuer),
        new("Auth:Jwt:Audience", Audience),

        // Only because the test issuer serves its metadata over plain HTTP on loopback; a real authority is HTTPS.
        new("Auth:Jwt:RequireHttpsMetadata", "false"),
    ];
}

/// <summary>The server with Auth:Mode Jwt that requires the scope <c>agents.use</c> or the app role <c>Agents.Run</c>.</summary>
public class JwtPermissionServerFixture : JwtServerFixture
{
    public const string Scope = "agents.use";
    public const string Role = "Agents.Run";

    protected override IEnumerable<KeyValuePair<string, string?>> Settings() =>
    [
        .. base.Settings(),
        new("Auth:Jwt:RequiredScopes:0", Scope),
        new("Auth:Jwt:RequiredRoles:0", Role),
    ];
}
