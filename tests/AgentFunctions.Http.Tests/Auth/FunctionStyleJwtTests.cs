using System.Net.Http.Headers;
using AgentFunctions.Http.Tests.Invocation;

namespace AgentFunctions.Http.Tests.Auth;

/// <summary>
/// The API hosted as the Functions app hosts it (each route one <c>ApiInvocation</c> call, none of the server's
/// middleware or filters), with Auth:Mode Jwt: the bearer token is validated there as well.
/// </summary>
public class FunctionStyleJwtServerFixture : FunctionStyleServerFixture
{
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

    public HttpClient BearerClient(string token)
    {
        var client = Client();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    protected override IEnumerable<KeyValuePair<string, string?>> Settings() =>
    [
        .. base.Settings().Where(s => !s.Key.StartsWith("Auth:", StringComparison.Ordinal)),
        new("Auth:Mode", "Jwt"),
        new("Auth:Jwt:Authority", Issuer.Issuer),
        new("Auth:Jwt:Audience", JwtServerFixture.Audience),

        // Only because the test issuer serves its metadata over plain HTTP on loopback; a real authority is HTTPS.
        new("Auth:Jwt:RequireHttpsMetadata", "false"),
    ];
}

public class FunctionStyleJwtTests(FunctionStyleJwtServerFixture server) : IClassFixture<FunctionStyleJwtServerFixture>
{
    private static readonly string Tenant = Guid.NewGuid().ToString();

    [Fact]
    public async Task Threads_NoToken_Returns401WithBearerChallenge()
    {
        var response = await server.Client().PostJsonAsync("/threads", "{}");

        await response.AssertProblemAsync(401);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task Threads_ExpiredToken_Returns401InvalidToken()
    {
        var token = server.Issuer.Token(JwtServerFixture.Audience, new Dictionary<string, object> { ["sub"] = "u" }, expires: DateTime.UtcNow.AddHours(-1));

        var response = await server.BearerClient(token).PostJsonAsync("/threads", "{}");

        await response.AssertProblemAsync(401);
        Assert.Contains("error=\"invalid_token\"", response.Headers.WwwAuthenticate.Single().Parameter, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Thread_ValidTokens_EachUserReachesOnlyTheirOwn()
    {
        // Arrange
        var alice = server.BearerClient(server.Issuer.EntraToken(JwtServerFixture.Audience, Guid.NewGuid().ToString(), Tenant));
        var bob = server.BearerClient(server.Issuer.EntraToken(JwtServerFixture.Audience, Guid.NewGuid().ToString(), Tenant));
        var created = await alice.PostJsonAsync("/threads", "{}");
        var id = (await created.ReadJsonAsync()).GetProperty("thread_id").GetString();

        // Act
        var own = await alice.GetAsync($"/threads/{id}");
        var other = await bob.GetAsync($"/threads/{id}");

        // Assert
        Assert.Equal(200, (int)created.StatusCode);
        Assert.Equal(200, (int)own.StatusCode);
        await other.AssertProblemAsync(404);
    }
}
