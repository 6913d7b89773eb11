using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Threads;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Http.Tests.Runs;

/// <summary>What the runs tests do over HTTP (and the few things they look at in storage directly).</summary>
public sealed class RunsApi(ServerFixture server)
{
    public const string Owner = "local";

    public HttpClient Client { get; } = server.Client();

    public IThreadStore Threads => server.Services.GetRequiredService<IThreadStore>();

    public IRunStore Runs => server.Services.GetRequiredService<IRunStore>();

    public ICheckpointStore Checkpoints => server.Services.GetRequiredService<ICheckpointStore>();

    /// <summary>A run request body: the default assistant, a human message, and more fields (<c>"name":value</c> pairs) when given.</summary>
    public static string Body(string text, string extra = "")
        => $$"""{"assistant_id":"agent","input":{"messages":[{"role":"user","content":{{JsonSerializer.Serialize(text)}}}]}{{(extra.Length > 0 ? "," + extra : string.Empty)}}}""";

    /// <summary>A new thread (the threads routes are another piece of work; the store is what they use).</summary>
    public async Task<string> NewThreadAsync()
    {
        var thread = await Threads.CreateAsync(new AgentThread { ThreadId = Guid.NewGuid().ToString("D"), OwnerId = Owner });
        return thread.ThreadId;
    }

    public async Task<HttpResponseMessage> PostStreamAsync(string path, string body, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        return await Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    /// <summary>Streams a run to its end: the response and every frame of its body.</summary>
    public async Task<(HttpResponseMessage Response, IReadOnlyList<SseFrame> Frames)> StreamAsync(string path, string body)
    {
        var response = await PostStreamAsync(path, body);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        return (response, SseParser.Parse(bytes));
    }

    /// <summary>Joins a run's stream to its end.</summary>
    public async Task<IReadOnlyList<SseFrame>> JoinStreamAsync(string threadId, string runId, string? lastEventId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/threads/{threadId}/runs/{runId}/stream");
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        using var response = await Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(200, (int)response.StatusCode);
        return SseParser.Parse(await response.Content.ReadAsByteArrayAsync());
    }

    public async Task<JsonElement> CreateBackgroundAsync(string threadId, string body)
    {
        using var response = await Client.PostJsonAsync($"/threads/{threadId}/runs", body);
        Assert.Equal(200, (int)response.StatusCode);
        return await response.ReadJsonAsync();
    }

    public async Task<JsonElement?> GetRunAsync(string threadId, string runId)
    {
        using var response = await Client.GetAsync($"/threads/{threadId}/runs/{runId}");
        return response.StatusCode == System.Net.HttpStatusCode.NotFound ? null : await response.ReadJsonAsync();
    }

    public async Task<string?> RunStatusAsync(string threadId, string runId)
        => (await GetRunAsync(threadId, runId))?.GetProperty("status").GetString();

    public async Task<int> RunCountAsync(string threadId)
    {
        var count = 0;
        await foreach (var run in Runs.ListAsync(Owner, threadId))
        {
            count++;
        }

        return count;
    }

    /// <summary>Waits (up to 30 s) until <paramref name="condition"/> holds.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(50);
        }
    }

    public Task WaitForStatusAsync(string threadId, string runId, string status)
        => WaitUntilAsync(async () => await RunStatusAsync(threadId, runId) == status, $"run {runId} is {status}");

    /// <summary>The messages of a values object, as (type, text) pairs.</summary>
    public static List<(string Type, string Text)> Messages(JsonElement values)
        => [.. values.GetProperty("messages").EnumerateArray().Select(m => (m.GetProperty("type").GetString()!, Text(m.GetProperty("content"))))];

    public static string Text(JsonElement content) => content.ValueKind == JsonValueKind.String
        ? content.GetString()!
        : string.Concat(content.EnumerateArray().Select(p => p.TryGetProperty("text", out var t) ? t.GetString() : string.Empty));
}
