using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AgentFunctions.Http.Tests.Auth;

/// <summary>
/// An OpenID Connect issuer made inside the test: an RSA key of its own, its metadata and signing keys served from a
/// loopback listener (<c>/.well-known/openid-configuration</c> and <c>/keys</c>), and tokens it signs on request.
/// </summary>
public sealed class TestIssuer : IAsyncDisposable
{
    public const string KeyId = "test-key";

    private readonly RSA _key = RSA.Create(2048);
    private readonly RSA _otherKey = RSA.Create(2048);
    private readonly JsonWebTokenHandler _tokens = new();
    private WebApplication? _app;

    /// <summary>The issuer (<c>iss</c>) and the authority to point the API at: http://127.0.0.1:port.</summary>
    public string Issuer { get; private set; } = string.Empty;

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = Issuer,
            ["jwks_uri"] = Issuer + "/keys",
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
        }));
        _app.MapGet("/keys", () =>
        {
            var parameters = _key.ExportParameters(includePrivateParameters: false);
            var key = new Dictionary<string, string>
            {
                ["kty"] = "RSA",
                ["use"] = "sig",
                ["alg"] = "RS256",
                ["kid"] = KeyId,
                ["n"] = Base64UrlEncoder.Encode(parameters.Modulus),
                ["e"] = Base64UrlEncoder.Encode(parameters.Exponent),
            };
            return Results.Json(new Dictionary<string, object> { ["keys"] = new[] { key } });
        });
        await _app.StartAsync();
        Issuer = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
    }

    /// <summary>
    /// A signed token for <paramref name="audience"/> with <paramref name="claims"/> (name, value; a value that is a
    /// string array becomes a JSON array). It is valid for an hour from now unless <paramref name="expires"/> says
    /// otherwise; <paramref name="issuer"/> overrides <c>iss</c>, and <paramref name="wrongKey"/> signs it with a key
    /// the issuer does not publish (under the published key's id).
    /// </summary>
    public string Token(string audience, IDictionary<string, object> claims, DateTime? expires = null, string? issuer = null, bool wrongKey = false)
    {
        var now = DateTime.UtcNow;
        var until = expires ?? now.AddHours(1);
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Issuer,
            Audience = audience,
            Claims = claims,
            IssuedAt = until.AddHours(-1),
            NotBefore = until.AddHours(-1),
            Expires = until,
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(wrongKey ? _otherKey : _key) { KeyId = KeyId }, SecurityAlgorithms.RsaSha256),
        };
        return _tokens.CreateToken(descriptor);
    }

    /// <summary>A token as Entra ID issues one: the user's object id and tenant id, and the scopes it was granted.</summary>
    public string EntraToken(string audience, string objectId, string tenantId, string? scopes = null, string[]? roles = null)
    {
        var claims = new Dictionary<string, object> { ["oid"] = objectId, ["tid"] = tenantId, ["sub"] = "pairwise-" + objectId };
        if (scopes is not null)
        {
            claims["scp"] = scopes;
        }

        if (roles is not null)
        {
            claims["roles"] = roles;
        }

        return Token(audience, claims);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        _key.Dispose();
        _otherKey.Dispose();
    }
}
