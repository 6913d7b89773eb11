using System.Text;

namespace AgentFunctions.Http.Tests.Auth;

/// <summary>The platform's principal headers, sent by a caller, name no one in any mode but EasyAuth.</summary>
public static class ForgedPrincipal
{
    /// <summary>Adds both principal headers, naming <paramref name="owner"/>, to <paramref name="client"/>.</summary>
    public static HttpClient Claiming(this HttpClient client, string owner)
    {
        client.DefaultRequestHeaders.Add("X-MS-CLIENT-PRINCIPAL-ID", owner);
        client.DefaultRequestHeaders.Add("X-MS-CLIENT-PRINCIPAL", Convert.ToBase64String(Encoding.UTF8.GetBytes(
            $$"""{"auth_typ":"aad","claims":[{"typ":"http://schemas.microsoft.com/identity/claims/objectidentifier","val":"{{owner}}"}]}""")));
        return client;
    }

    public static async Task<string> CreateThreadAsync(HttpClient client)
    {
        var response = await client.PostJsonAsync("/threads", "{}");
        Assert.Equal(200, (int)response.StatusCode);
        return (await response.ReadJsonAsync()).GetProperty("thread_id").GetString()!;
    }
}

/// <summary>Auth:Mode None: a forged principal is still the one local user.</summary>
public class ForgedPrincipalNoneTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Thread_ForgedPrincipal_OwnedByTheLocalUser()
    {
        var id = await ForgedPrincipal.CreateThreadAsync(server.Client().Claiming("victim"));

        var response = await server.Client().GetAsync($"/threads/{id}");

        Assert.Equal(200, (int)response.StatusCode);
    }
}

/// <summary>Auth:Mode ApiKey: a forged principal without a key is refused, and with a key it is the key's owner.</summary>
public class ForgedPrincipalApiKeyTests(ApiKeyServerFixture server) : IClassFixture<ApiKeyServerFixture>
{
    [Fact]
    public async Task Threads_ForgedPrincipalWithoutKey_Returns401()
    {
        var response = await server.Client().Claiming("alice").PostJsonAsync("/threads", "{}");

        await response.AssertProblemAsync(401);
    }

    [Fact]
    public async Task Thread_ForgedPrincipalOfAnotherOwner_StillTheKeysOwner()
    {
        var id = await ForgedPrincipal.CreateThreadAsync(server.Client(ApiKeyServerFixture.AliceKey));

        var response = await server.Client(ApiKeyServerFixture.BobKey).Claiming("alice").GetAsync($"/threads/{id}");

        await response.AssertProblemAsync(404);
    }
}

/// <summary>Auth:Mode Jwt: a forged principal without a token is refused, and with a token it is the token's user.</summary>
public class ForgedPrincipalJwtTests(JwtServerFixture server) : IClassFixture<JwtServerFixture>
{
    [Fact]
    public async Task Threads_ForgedPrincipalWithoutToken_Returns401()
    {
        var response = await server.Client().Claiming(Guid.NewGuid().ToString()).PostJsonAsync("/threads", "{}");

        await response.AssertProblemAsync(401);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task Thread_ForgedPrincipalOfAnotherUser_StillTheTokensUser()
    {
        // Arrange: Alice's thread; Bob's token, with headers that name Alice's object id.
        var (alice, bob, tenant) = (Guid.NewGuid().ToString(), Guid.NewGuid().ToString(), Guid.NewGuid().ToString());
        var id = await ForgedPrincipal.CreateThreadAsync(server.BearerClient(server.Issuer.EntraToken(JwtServerFixture.Audience, alice, tenant)));
        var forger = server.BearerClient(server.Issuer.EntraToken(JwtServerFixture.Audience, bob, tenant)).Claiming(alice);

        // Act
        var response = await forger.GetAsync($"/threads/{id}");

        // Assert
        await response.AssertProblemAsync(404);
    }
}
