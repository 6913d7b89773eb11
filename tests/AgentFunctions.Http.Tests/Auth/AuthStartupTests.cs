using Microsoft.Extensions.Options;

namespace AgentFunctions.Http.Tests.Auth;

/// <summary>
/// What the server checks of the Auth section when it starts: EasyAuth only where the platform's authentication sets
/// the principal headers (or a setting says a trusted proxy does), and Jwt only with an issuer to trust.
/// </summary>
public class AuthStartupTests
{
    [Fact]
    public async Task Start_EasyAuthOutsideThePlatform_RefusesWithAMessage()
    {
        var server = new SettingsServerFixture(("Auth:Mode", "EasyAuth"));

        var refused = await Assert.ThrowsAsync<OptionsValidationException>(server.InitializeAsync);

        Assert.Contains("WEBSITE_AUTH_ENABLED", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Auth:TrustPrincipalHeaders", refused.Message, StringComparison.Ordinal);
        await server.DisposeAsync();
    }

    [Fact]
    public async Task Start_EasyAuthWithAppServiceAuthenticationOff_Refuses()
    {
        var server = new SettingsServerFixture(("Auth:Mode", "EasyAuth"), ("WEBSITE_AUTH_ENABLED", "False"));

        await Assert.ThrowsAsync<OptionsValidationException>(server.InitializeAsync);
        await server.DisposeAsync();
    }

    [Fact]
    public async Task Start_EasyAuthOnContainerApps_RefusesAndSaysWhatToTurnOn()
    {
        var server = new SettingsServerFixture(("Auth:Mode", "EasyAuth"), ("CONTAINER_APP_NAME", "agentfunctions"));

        var refused = await Assert.ThrowsAsync<OptionsValidationException>(server.InitializeAsync);

        Assert.Contains("Container Apps", refused.Message, StringComparison.Ordinal);
        await server.DisposeAsync();
    }

    [Fact]
    public async Task Start_EasyAuthBehindATrustedProxy_Starts()
    {
        var server = new SettingsServerFixture(("Auth:Mode", "EasyAuth"), ("Auth:TrustPrincipalHeaders", "true"));

        await server.InitializeAsync();
        var response = await server.Client().GetAsync("/threads/" + Guid.NewGuid());

        await response.AssertProblemAsync(401);
        await server.DisposeAsync();
    }

    [Fact]
    public async Task Start_JwtWithoutAuthority_RefusesWithAMessage()
    {
        var server = new SettingsServerFixture(("Auth:Mode", "Jwt"), ("Auth:Jwt:Audience", "api://x"));

        var refused = await Assert.ThrowsAsync<OptionsValidationException>(server.InitializeAsync);

        Assert.Contains("Auth:Jwt:Authority", refused.Message, StringComparison.Ordinal);
        await server.DisposeAsync();
    }

    [Fact]
    public async Task Start_JwtEntraIdWithoutTenant_RefusesWithAMessage()
    {
        var server = new SettingsServerFixture(("Auth:Mode", "Jwt"), ("Auth:Jwt:ClientId", Guid.NewGuid().ToString()));

        var refused = await Assert.ThrowsAsync<OptionsValidationException>(server.InitializeAsync);

        Assert.Contains("Auth:Jwt:TenantId", refused.Message, StringComparison.Ordinal);
        await server.DisposeAsync();
    }

    [Fact]
    public async Task Start_JwtEntraId_StartsAndAsksForABearerToken()
    {
        // Microsoft.Identity.Web's handler; without a token it challenges before it reads Entra ID's metadata (no network here).
        var server = new SettingsServerFixture(
            ("Auth:Mode", "Jwt"), ("Auth:Jwt:TenantId", Guid.NewGuid().ToString()), ("Auth:Jwt:ClientId", Guid.NewGuid().ToString()));
        await server.InitializeAsync();

        var response = await server.Client().PostJsonAsync("/threads", "{}");

        await response.AssertProblemAsync(401);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        await server.DisposeAsync();
    }
}
