using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace AgentFunctions.Faults.Tests.Infrastructure;

/// <summary>
/// An Azurite on disk and the built server over it, as separate processes the tests stall, kill and start again.
/// The server runs with short leases and sweeps (<see cref="Settings"/>) so that each fault plays out in seconds.
/// </summary>
public sealed class FaultsFixture : IAsyncLifetime
{
    /// <summary>The server's settings: short leases, sweeps and queue hiding, so that takeovers happen in seconds.</summary>
    public static readonly IReadOnlyDictionary<string, string> Settings = new Dictionary<string, string>
    {
        ["Runs__LeaseDuration"] = "00:00:06",
        ["Runs__LeaseSweepInterval"] = "00:00:01",
        ["Runs__QueueVisibilityTimeout"] = "00:00:10",
        ["Runs__CancelPollInterval"] = "00:00:00.200",
    };

    private readonly string _prefix = "faults" + Guid.NewGuid().ToString("N")[..8];
    private AzuriteProcess? _azurite;
    private ServerProcess? _server;

    internal AzuriteProcess Azurite => _azurite ?? throw new InvalidOperationException("Azurite has not started.");

    internal ServerProcess Server => _server ?? throw new InvalidOperationException("The server is not running.");

    public string ConnectionString => Azurite.ConnectionString;

    /// <summary>A client of the running server (a new one after each restart, as its port changes).</summary>
    public Api Api { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _azurite = await AzuriteProcess.StartAsync();
        await StartServerAsync();
    }

    /// <summary>Starts the server (again) over the same storage and names.</summary>
    public async Task StartServerAsync()
    {
        Api?.Dispose();
        _server = await ServerProcess.StartAsync(Azurite.ConnectionString, _prefix, Settings);
        Api = new Api(_server.BaseAddress);
    }

    /// <summary>Kills the server (SIGKILL).</summary>
    public async Task KillServerAsync()
    {
        await Server.KillAsync();
        await Server.DisposeAsync();
        _server = null;
    }

    /// <summary>Makes sure both processes run (after a test that failed half way), Azurite not paused.</summary>
    public async Task EnsureRunningAsync()
    {
        if (!Azurite.IsRunning)
        {
            await Azurite.RestartAsync();
        }
        else
        {
            Azurite.Resume();
        }

        if (_server is null || _server.HasExited)
        {
            await StartServerAsync();
        }
    }

    public async Task DisposeAsync()
    {
        Api?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class FaultsTestGroup : ICollectionFixture<FaultsFixture>
{
    public const string Name = "faults";
}

/// <summary>The server's HTTP API as the tests use it.</summary>
public sealed class Api(Uri baseAddress) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(3) };

    public HttpClient Http => _http;

    public static string Input(string text, string extra = "")
        => $$"""{"assistant_id":"agent","input":{"messages":[{"role":"user","content":{{JsonSerializer.Serialize(text)}}}]}{{extra}}}""";

    public async Task<string> CreateThreadAsync()
    {
        using var response = await _http.PostAsync("/threads", Json("{}"));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("thread_id").GetString()!;
    }

    /// <summary>Creates a background run; returns its id.</summary>
    public async Task<string> CreateBackgroundRunAsync(string threadId, string body)
    {
        using var response = await _http.PostAsync($"/threads/{threadId}/runs", Json(body));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("run_id").GetString()!;
    }

    /// <summary>Starts a streamed run; the response is read as it comes.</summary>
    public async Task<HttpResponseMessage> StartStreamAsync(string threadId, string body, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/threads/{threadId}/runs/stream") { Content = Json(body) };
        var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        return response;
    }

    public async Task<JsonElement> GetAsync(string path)
    {
        using var response = await _http.GetAsync(path);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async Task<string> RunStatusAsync(string threadId, string runId) => (await GetAsync($"/threads/{threadId}/runs/{runId}")).GetProperty("status").GetString()!;

    public async Task<string> ThreadStatusAsync(string threadId) => (await GetAsync($"/threads/{threadId}")).GetProperty("status").GetString()!;

    /// <summary>The thread's status once it is no longer busy (its run's end is recorded on the run first, then on the thread).</summary>
    public async Task<string> SettledThreadStatusAsync(string threadId)
    {
        await WaitUntilAsync(async () => await ThreadStatusAsync(threadId) != "busy", TimeSpan.FromSeconds(30), "the thread is no longer busy");
        return await ThreadStatusAsync(threadId);
    }

    /// <summary>Polls the run until it has ended; its final status.</summary>
    public async Task<string> WaitForRunEndAsync(string threadId, string runId, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            var status = await RunStatusAsync(threadId, runId);
            if (status is not ("pending" or "running"))
            {
                return status;
            }

            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"Run {runId} is still {status} after {timeout}.");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Polls until <paramref name="condition"/> holds; requests that fail meanwhile count as not yet.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"Not within {timeout}: {what}.");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>The thread's messages, as its state holds them: (type, content).</summary>
    public async Task<IReadOnlyList<(string Type, string Content)>> MessagesAsync(string threadId)
    {
        var state = await GetAsync($"/threads/{threadId}/state");
        if (!state.TryGetProperty("values", out var values) || values.ValueKind != JsonValueKind.Object || !values.TryGetProperty("messages", out var list))
        {
            return [];
        }

        return list.EnumerateArray()
            .Select(m => (m.GetProperty("type").GetString()!, m.GetProperty("content").ValueKind == JsonValueKind.String ? m.GetProperty("content").GetString()! : m.GetProperty("content").GetRawText()))
            .ToList();
    }

    /// <summary>
    /// Asserts the thread's history is one chain: newest first, each checkpoint's parent the next one, the oldest without
    /// a parent. Returns how many checkpoints it has.
    /// </summary>
    public async Task<int> AssertHistoryChainAsync(string threadId)
    {
        var history = (await GetAsync($"/threads/{threadId}/history?limit=1000")).EnumerateArray().ToList();
        Assert.NotEmpty(history);
        for (var i = 0; i < history.Count; i++)
        {
            var parent = history[i].GetProperty("parent_checkpoint");
            if (i == history.Count - 1)
            {
                Assert.True(parent.ValueKind == JsonValueKind.Null, "the oldest checkpoint has no parent");
            }
            else
            {
                Assert.Equal(history[i + 1].GetProperty("checkpoint").GetProperty("checkpoint_id").GetString(), parent.GetProperty("checkpoint_id").GetString());
            }
        }

        return history.Count;
    }

    /// <summary>A new run on the thread completes (waited), with the model's reply.</summary>
    public async Task AssertNewRunSucceedsAsync(string threadId)
    {
        using var response = await _http.PostAsync($"/threads/{threadId}/runs/wait", Json(Input("one more tokens=3")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var values = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("ai", values.GetProperty("messages").EnumerateArray().Last().GetProperty("type").GetString());
        Assert.Equal("idle", await SettledThreadStatusAsync(threadId));
    }

    public void Dispose() => _http.Dispose();

    public static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
