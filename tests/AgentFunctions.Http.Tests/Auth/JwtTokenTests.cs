namespace AgentFunctions.Http.Tests.Auth;

/// <summary>Under Auth:Mode Jwt a request needs a valid bearer token of the configured issuer and audience: 401 otherwise, as the JwtBearer handler answers.</summary>
public class JwtTokenTests(JwtServerFixture server) : IClassFixture<JwtServerFixture>
{
    private static readonly Dictionary<string, object> User = new() { ["sub"] = "user-1" };

    [Fact]
    public async Task Threads_ValidToken_Created()
    {
        var token = server.Issuer.Token(JwtServerFixture.Audience, User);

        var response = await server.BearerClient(token).PostJsonAsync("/threads", "{}");

        Assert.Equal(200, (int)response.StatusCode);
    }

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
        var token = server.Issuer.Token(JwtServerFixture.Audience, User, expires: DateTime.UtcNow.AddHours(-1));

        var response = await server.BearerClient(token).PostJsonAsync("/threads", "{}");

        await AssertInvalidTokenAsync(response, "expired");
    }

    [Fact]
    public async Task Threads_WrongAudience_Returns401InvalidToken()
    {
        var token = server.Issuer.Token("api://another-api", User);

        var response = await server.BearerClient(token).PostJsonAsync("/threads", "{}");

        await AssertInvalidTokenAsync(response, "audience");
    }

    [Fact]
    public async Task Threads_WrongIssuer_Returns401InvalidToken()
    {
        var token = server.Issuer.Token(JwtServerFixture.Audience, User, issuer: "https://issuer.invalid");

        var response = await server.BearerClient(token).PostJsonAsync("/threads", "{}");

        await AssertInvalidTokenAsync(response, "issuer");
    }

    [Fact]
    public async Task Threads_WrongSignature_Returns401InvalidToken()
    {
        var token = server.Issuer.Token(JwtServerFixture.Audience, User, wrongKey: true);

        var response = await server.BearerClient(token).PostJsonAsync("/threads", "{}");

        await AssertInvalidTokenAsync(response, "signature");
    }

    [Fact]
    public async Task Threads_NotAToken_Returns401InvalidToken()
    {
        var response = await server.BearerClient("not-a-token").PostJsonAsync("/threads", "{}");

        await AssertInvalidTokenAsync(response, null);
    }

    [Fact]
    public async Task Ok_NoToken_Answers()
    {
        var response = await server.Client().GetAsync("/ok");

        Assert.Equal(200, (int)response.StatusCode);
    }

    /// <summary>401 problem details with <c>WWW-Authenticate: Bearer error="invalid_token"</c>, its description naming <paramref name="reason"/>.</summary>
    private static async Task AssertInvalidTokenAsync(HttpResponseMessage response, string? reason)
    {
        await response.AssertProblemAsync(401);
        var challenge = response.Headers.WwwAuthenticate.Single();
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Contains("error=\"invalid_token\"", challenge.Parameter, StringComparison.Ordinal);
        if (reason is not null)
        {
            Assert.Contains(reason, challenge.Parameter, StringComparison.OrdinalIgnoreCase);
        }
    }
}
