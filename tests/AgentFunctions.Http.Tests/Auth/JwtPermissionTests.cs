namespace AgentFunctions.Http.Tests.Auth;

/// <summary>With Auth:Jwt:RequiredScopes and RequiredRoles, a valid token must carry one of them: 403 otherwise.</summary>
public class JwtPermissionTests(JwtPermissionServerFixture server) : IClassFixture<JwtPermissionServerFixture>
{
    private static readonly string Tenant = Guid.NewGuid().ToString();

    [Fact]
    public async Task Threads_MissingScope_Returns403InsufficientScope()
    {
        var token = server.Issuer.EntraToken(JwtServerFixture.Audience, Guid.NewGuid().ToString(), Tenant, scopes: "profile other.scope");

        var response = await server.BearerClient(token).PostJsonAsync("/threads", "{}");

        await response.AssertProblemAsync(403);
        var challenge = response.Headers.WwwAuthenticate.Single();
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Contains("error=\"insufficient_scope\"", challenge.Parameter, StringComparison.Ordinal);
        Assert.Contains(JwtPermissionServerFixture.Scope, challenge.Parameter, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Threads_NoScopeNorRole_Returns403()
    {
        var token = server.Issuer.EntraToken(JwtServerFixture.Audience, Guid.NewGuid().ToString(), Tenant);

        var response = await server.BearerClient(token).PostJsonAsync("/threads", "{}");

        await response.AssertProblemAsync(403);
    }

    [Fact]
    public async Task Threads_RequiredScopeAmongOthers_Created()
    {
        var token = server.Issuer.EntraToken(JwtServerFixture.Audience, Guid.NewGuid().ToString(), Tenant, scopes: $"profile {JwtPermissionServerFixture.Scope}");

        var response = await server.BearerClient(token).PostJsonAsync("/threads", "{}");

        Assert.Equal(200, (int)response.StatusCode);
    }

    [Fact]
    public async Task Threads_RequiredAppRole_Created()
    {
        var token = server.Issuer.EntraToken(JwtServerFixture.Audience, Guid.NewGuid().ToString(), Tenant, roles: ["Other.Role", JwtPermissionServerFixture.Role]);

        var response = await server.BearerClient(token).PostJsonAsync("/threads", "{}");

        Assert.Equal(200, (int)response.StatusCode);
    }
}
