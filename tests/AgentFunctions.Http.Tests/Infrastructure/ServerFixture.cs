using System.Net.Http.Json;
using System.Text.Json;
using AgentFunctions.Hosting.Agents;
using AgentFunctions.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Http.Tests;

/// <summary>
/// The real server on a free loopback port over the test storage (Azurite from eng/test.sh), with its
/// own table and queue names. Tests talk to it over real HTTP.
/// </summary>
public class ServerFixture : IAsyncLifetime
{
    public const string StorageVariable = "AGENTFUNCTIONS_STORAGE_CONNECTION_STRING";

    /// <summary>
    /// How long a test client waits for an answer: far longer than any request takes, even with the machine fully loaded,
    /// so that only a server that does not answer at all fails a test this way (a test's own timeout says how long it may take).
    /// </summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(5);

    private WebApplication? _app;
    private bool _shutDown;

    /// <summary>The storage prefix: new for each fixture, or another's to serve the same storage (a restart).</summary>
    public string Prefix { get; init; } = "t" + Guid.NewGuid().ToString("N")[..10];

    public Uri BaseAddress { get; private set; } = null!;

    public IServiceProvider Services => _app!.Services;

    /// <summary>Extra configuration for a fixture that needs other settings (auth, limits).</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> Settings() => [];

    /// <summary>Builds the app under test with <paramref name="configure"/> applied; the real server unless a fixture hosts the API another way.</summary>
    protected virtual WebApplication Build(Action<WebApplicationBuilder> configure) => ServerApp.Build([], configure, ConfigureAgents);

    /// <summary>Graphs, tools and models declared in code, for a fixture that serves its own.</summary>
    protected virtual void ConfigureAgents(AgentFunctionsBuilder agents)
    {
    }

    /// <summary>Changes to the server before it is built, for a fixture that needs them (a decorated store).</summary>
    protected virtual void Configure(WebApplicationBuilder builder)
    {
    }

    /// <summary>Changes to the built server before it starts, for a fixture that needs them (test-only routes).</summary>
    protected virtual void ConfigureApp(WebApplication app)
    {
    }

    public virtual async Task InitializeAsync()
    {
        var connection = Environment.GetEnvironmentVariable(StorageVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{StorageVariable} is not set. Run the tests with eng/test.sh, which starts Azurite.");
        _app = Build(builder =>
        {
            builder.Configuration.AddInMemoryCollection(
            [
                new("urls", "http://127.0.0.1:0"),
                new("Storage:ConnectionString", connection),
                new("Storage:Prefix", Prefix),
                new("Runs:CancelPollInterval", "00:00:00.100"),
                new("RunEvents:FlushInterval", "00:00:00.050"),
                .. Settings(),
            ]);
            Configure(builder);
        });
        ConfigureApp(_app);
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address);
    }

    /// <summary>
    /// Stops and disposes the server, as its host does at shutdown (telemetry is flushed when the providers are
    /// disposed with the services), before the fixture is disposed. Once only.
    /// </summary>
    public async Task ShutDownAsync()
    {
        if (_app is not null && !_shutDown)
        {
            _shutDown = true;
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    public virtual Task DisposeAsync() => ShutDownAsync();

    /// <summary>A client for the server; with <paramref name="apiKey"/>, it sends that key.</summary>
    public HttpClient Client(string? apiKey = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = RequestTimeout };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Add("x-api-key", apiKey);
        }

        return client;
    }
}

/// <summary>Helpers for JSON over HTTP.</summary>
public static class HttpJson
{
    public static async Task<JsonElement> ReadJsonAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(text.Length > 0, $"{(int)response.StatusCode} with an empty body");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asserts a problem-details response with <paramref name="status"/> (in the status line and the body); returns its body.</summary>
    public static async Task<JsonElement> AssertProblemAsync(this HttpResponseMessage response, int status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == (int)response.StatusCode, $"expected {status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        return problem;
    }

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, string json)
        => client.PostAsync(path, new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

    public static Task<HttpResponseMessage> PatchJsonAsync(this HttpClient client, string path, string json)
        => client.PatchAsync(path, new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

    public static Task<HttpResponseMessage> PostObjectAsync<T>(this HttpClient client, string path, T value)
        => client.PostAsJsonAsync(path, value);
}
