using AgentFunctions.Http.Tests.Auth;
using AgentFunctions.Server;
using Microsoft.Extensions.Configuration;

namespace AgentFunctions.Http.Tests.Service;

/// <summary>A browser UI (agent-chat-ui) calls the local server out of the box; a deployment allows only the origins it names.</summary>
public class CorsTests
{
    [Fact(Timeout = 120_000)]
    public async Task Preflight_LocalServerWithoutAuthentication_AllowsABrowserOnAnyOrigin()
    {
        var server = new SettingsServerFixture();
        using var response = await WithServerAsync(server, () => PreflightAsync(server, "http://localhost:3000"));

        Assert.Equal(204, (int)response.StatusCode);
        Assert.Equal("*", Header(response, "Access-Control-Allow-Origin"));
    }

    [Fact(Timeout = 120_000)]
    public async Task Preflight_ServerWithAuthentication_AllowsNoOriginUnlessNamed()
    {
        var server = new SettingsServerFixture(("Auth:Mode", "ApiKey"), ("Auth:ApiKeys:0:Key", "key-0123456789abcdef"), ("Auth:ApiKeys:0:Owner", "alice"));
        using var response = await WithServerAsync(server, () => PreflightAsync(server, "http://localhost:3000"));

        Assert.Null(Header(response, "Access-Control-Allow-Origin"));
    }

    [Fact(Timeout = 120_000)]
    public async Task Preflight_NamedOrigins_AllowOnlyThose()
    {
        var server = new SettingsServerFixture(("Http:CorsOrigins:0", "https://chat.example.com"));
        var (named, other) = await WithServerAsync(server, async () => (await PreflightAsync(server, "https://chat.example.com"), await PreflightAsync(server, "http://localhost:3000")));
        using var namedResponse = named;
        using var otherResponse = other;

        Assert.Equal("https://chat.example.com", Header(named, "Access-Control-Allow-Origin"));
        Assert.Null(Header(other, "Access-Control-Allow-Origin"));
    }

    [Theory]
    [InlineData(null, null, null, true)]
    [InlineData("http://localhost:8123;http://[::1]:8123", null, null, true)]
    [InlineData("http://0.0.0.0:8123", null, null, false)]
    [InlineData("http://*:8123", null, null, false)]
    [InlineData("http://+:8123", null, null, false)]
    [InlineData("http://10.1.2.3:8123", null, null, false)]
    [InlineData(null, "Jwt", null, false)]
    [InlineData(null, "none", null, true)]
    [InlineData(null, null, "https://chat.example.com", false)]
    public void AllowsLocalBrowsers_OnlyLoopbackWithoutAuthenticationOrNamedOrigins(string? urls, string? authMode, string? origin, bool allowed)
    {
        KeyValuePair<string, string?>[] settings = [new("urls", urls), new("Auth:Mode", authMode), new("Http:CorsOrigins:0", origin)];
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings.Where(s => s.Value is not null)).Build();

        Assert.Equal(allowed, ServerApp.AllowsLocalBrowsers(configuration, "127.0.0.1"));
    }

    private static async Task<T> WithServerAsync<T>(ServerFixture server, Func<Task<T>> act)
    {
        await server.InitializeAsync();
        try
        {
            return await act();
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    private static async Task<HttpResponseMessage> PreflightAsync(ServerFixture server, string origin)
    {
        using var client = server.Client();
        using var request = new HttpRequestMessage(HttpMethod.Options, "/threads/search");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "content-type");
        return await client.SendAsync(request);
    }

    private static string? Header(HttpResponseMessage response, string name)
        => response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;
}
