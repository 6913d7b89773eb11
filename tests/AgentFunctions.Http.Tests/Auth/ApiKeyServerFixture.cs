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

/// <summary>The server with Auth:Mode EasyAuth: the platform's principal headers say who calls.</summary>
public class EasyAuthServerFixture : ServerFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings() => [new("Auth:Mode", "EasyAuth")];
}
