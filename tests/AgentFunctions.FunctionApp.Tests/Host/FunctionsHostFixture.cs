using System.Globalization;
using AgentFunctions.Http.Tests.Tracing;

namespace AgentFunctions.FunctionApp.Tests.Host;

/// <summary>
/// The Functions app running under a Functions host that <c>eng/func-e2e.sh</c> started (func start, or the host built
/// from source) with <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> set to a loopback port: the tests' client of the host, and the
/// OTLP receiver on that port, which gets what the host and the app's worker export.
/// <list type="bullet">
/// <item><c>AGENTFUNCTIONS_FUNCTIONS_URL</c>: the host's base URL;</item>
/// <item><c>AGENTFUNCTIONS_FUNCTIONS_OTLP_PORT</c>: the port the host and its worker export to.</item>
/// </list>
/// Without both (the test command, which starts no host) the tests that need it are skipped (<see cref="FunctionsHostFactAttribute"/>).
/// </summary>
public sealed class FunctionsHostFixture : IAsyncLifetime
{
    public const string UrlVariable = "AGENTFUNCTIONS_FUNCTIONS_URL";
    public const string OtlpPortVariable = "AGENTFUNCTIONS_FUNCTIONS_OTLP_PORT";

    public OtlpReceiver Receiver { get; } = new();

    public HttpClient Client { get; } = new() { Timeout = TimeSpan.FromMinutes(5) };

    internal static string? Url => Environment.GetEnvironmentVariable(UrlVariable) is { Length: > 0 } url ? url : null;

    internal static int? OtlpPort => int.TryParse(Environment.GetEnvironmentVariable(OtlpPortVariable), NumberStyles.None, CultureInfo.InvariantCulture, out var port) ? port : null;

    public async Task InitializeAsync()
    {
        if (Url is not { } url || OtlpPort is not { } port)
        {
            return;
        }

        Client.BaseAddress = new Uri(url.TrimEnd('/') + "/");
        await Receiver.StartAsync(port);
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Receiver.DisposeAsync();
    }
}

/// <summary>A test that needs the Functions host of <see cref="FunctionsHostFixture"/>: skipped when none is given.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class FunctionsHostFactAttribute : FactAttribute
{
    public FunctionsHostFactAttribute()
    {
        if (FunctionsHostFixture.Url is null || FunctionsHostFixture.OtlpPort is null)
        {
            Skip = $"Needs a Functions host: run eng/func-e2e.sh (it sets {FunctionsHostFixture.UrlVariable} and {FunctionsHostFixture.OtlpPortVariable}).";
        }
    }
}
