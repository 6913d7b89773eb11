namespace AgentFunctions.Http.Tests.Auth;

/// <summary>The server with Auth:Mode ApiKey and two keys, each its own owner.</summary>
public class ApiKeyServerFixture : ServerFixture
{
    public const string AliceKey = "alice-key-0123456789abcdef";
    public const string BobKey = "bob-key-0123456789abcdefgh";

    protected override IEnumerable<KeyValuePair<string, string?>> Settings() =>
    [
        new("Auth:Mode", "ApiKey"),
        new("Auth:ApiKeys:0:Key", AliceKey),
        new("Auth:ApiKeys:0:Owner", "alice"),
        new("Auth:ApiKeys:1:Key", BobKey),
        new("Auth:ApiKeys:1:Owner", "bob"),
    ];
}

/// <summary>
/// The server with Auth:Mode EasyAuth on App Service with its authentication on (WEBSITE_AUTH_ENABLED=True, which the
/// platform sets as an environment variable and the server reads through its configuration, as here): the
/// platform's principal headers say who calls.
/// </summary>
public class EasyAuthServerFixture : ServerFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings() => [new("Auth:Mode", "EasyAuth"), new("WEBSITE_AUTH_ENABLED", "True")];
}

/// <summary>The server with the settings given, for a test that starts (or fails to start) one of its own.</summary>
public sealed class SettingsServerFixture(params (string Key, string? Value)[] settings) : ServerFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings() => settings.Select(s => KeyValuePair.Create(s.Key, s.Value));
}
