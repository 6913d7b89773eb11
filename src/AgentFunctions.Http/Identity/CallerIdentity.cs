using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Http.Identity;

/// <summary>Who is calling: the owner whose threads, assistants and runs a request may reach.</summary>
public sealed record Caller(string OwnerId);

/// <summary>
/// Finds the caller of a request from its headers under the configured <see cref="AuthMode"/>; null when the request is
/// not authenticated. The platform's principal headers are read in <see cref="AuthMode.EasyAuth"/> only; in
/// <see cref="AuthMode.Jwt"/> the caller comes from the bearer token (<see cref="CallerAuthentication"/>), never from here.
/// </summary>
public sealed class CallerIdentity(IOptions<AuthOptions> options)
{
    private const string PrincipalHeader = "X-MS-CLIENT-PRINCIPAL";
    private const string PrincipalIdHeader = "X-MS-CLIENT-PRINCIPAL-ID";
    private const string ApiKeyHeader = "x-api-key";

    private readonly AuthOptions _options = options.Value;

    public Caller? Identify(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return _options.Mode switch
        {
            AuthMode.None => new Caller(_options.LocalOwner),
            AuthMode.ApiKey => FromApiKey(request.Headers[ApiKeyHeader].ToString()),
            AuthMode.EasyAuth => FromPrincipal(request),
            _ => null,
        };
    }

    private Caller? FromApiKey(string presented)
    {
        if (string.IsNullOrEmpty(presented))
        {
            return null;
        }

        // Compare every configured key in constant time, so the time taken says nothing about the keys.
        var given = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        Caller? found = null;
        foreach (var key in _options.ApiKeys)
        {
            var expected = SHA256.HashData(Encoding.UTF8.GetBytes(key.Key));
            if (CryptographicOperations.FixedTimeEquals(given, expected) && key.Key.Length > 0)
            {
                found ??= new Caller(key.Owner);
            }
        }

        return found;
    }

    private static Caller? FromPrincipal(HttpRequest request)
    {
        // The platform removes these headers from incoming requests and sets them after validating the caller.
        if (request.Headers[PrincipalIdHeader].ToString() is { Length: > 0 } id)
        {
            return new Caller(id);
        }

        var encoded = request.Headers[PrincipalHeader].ToString();
        if (encoded.Length == 0)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(Convert.FromBase64String(encoded));
            foreach (var claim in document.RootElement.TryGetProperty("claims", out var claims) ? claims.EnumerateArray() : default)
            {
                var type = claim.TryGetProperty("typ", out var t) ? t.GetString() : null;
                if (type is "http://schemas.microsoft.com/identity/claims/objectidentifier" or "oid" or "sub"
                    && claim.TryGetProperty("val", out var value) && value.GetString() is { Length: > 0 } owner)
                {
                    return new Caller(owner);
                }
            }
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException)
        {
            return null;
        }

        return null;
    }
}

/// <summary>Access to the caller of the current request (set by the API's endpoint filter).</summary>
public static class CallerHttpContextExtensions
{
    private static readonly object Key = new();

    public static Caller GetCaller(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Items.TryGetValue(Key, out var caller) && caller is Caller found
            ? found
            : throw new InvalidOperationException("The request has no caller; the endpoint is not behind the API's authentication filter.");
    }

    internal static void SetCaller(this HttpContext context, Caller caller) => context.Items[Key] = caller;
}
