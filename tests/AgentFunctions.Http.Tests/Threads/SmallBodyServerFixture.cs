namespace AgentFunctions.Http.Tests.Threads;

/// <summary>The server with a small request body limit, so that an oversized body is cheap to send.</summary>
public class SmallBodyServerFixture : ServerFixture
{
    public const int MaxBodyBytes = 16 * 1024;

    protected override IEnumerable<KeyValuePair<string, string?>> Settings()
        => [new("Http:MaxRequestBodyBytes", MaxBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    /// <summary>A JSON body larger than the limit.</summary>
    public static string OversizedBody()
        => "{\"metadata\":{\"pad\":\"" + new string('x', MaxBodyBytes * 2) + "\"}}";
}
