using System.Net.Http.Json;
using System.Text.Json;
using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.Messages;
using AgentFunctions.Core.State;
using AgentFunctions.Core.Threads;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Http.Tests.State;

/// <summary>Threads and checkpoints for the state tests, written through the server's own stores.</summary>
public static class StateTestData
{
    /// <summary>The owner every request has under the default Auth:Mode None.</summary>
    public const string Owner = "local";

    public static async Task<string> CreateThreadAsync(IServiceProvider services)
    {
        var threadId = Guid.NewGuid().ToString("D");
        await services.GetRequiredService<IThreadStore>().CreateAsync(new AgentThread { ThreadId = threadId, OwnerId = Owner });
        return threadId;
    }

    /// <summary>
    /// Writes <paramref name="count"/> checkpoints straight to the store, each adding one human message
    /// "m{i}" (padded to <paramref name="messageChars"/>) with metadata <c>{source: loop, step: i, n: i, parity}</c>.
    /// Returns their ids, oldest first.
    /// </summary>
    public static async Task<List<string>> WriteCheckpointsAsync(IServiceProvider services, string threadId, int count, int messageChars = 0)
    {
        var store = services.GetRequiredService<ICheckpointStore>();
        var ids = new List<string>(count);
        string? parent = null;
        for (var i = 0; i < count; i++)
        {
            var delta = StateUpdate.FromMessages(new HumanMessage { Content = ("m" + i).PadRight(messageChars, '.'), Id = "msg-" + i });
            var metadata = JsonSerializer.SerializeToElement(new Dictionary<string, object>
            {
                ["source"] = "loop",
                ["step"] = i,
                ["parents"] = new Dictionary<string, object>(),
                ["n"] = i,
                ["parity"] = i % 2 == 0 ? "even" : "odd",
            });
            var written = await store.PutAsync(new CheckpointWrite
            {
                OwnerId = Owner,
                ThreadId = threadId,
                ParentCheckpointId = parent,
                Step = i,
                Source = CheckpointSource.Loop,
                Metadata = metadata,
                Writes = JsonDocument.Parse($$"""{"agent":{{delta.ToJson()}}}""").RootElement.Clone(),
                Delta = delta,
                Next = [],
            });
            parent = written.CheckpointId;
            ids.Add(written.CheckpointId);
        }

        return ids;
    }

    public static async Task<int> CountCheckpointsAsync(IServiceProvider services, string threadId, string owner = Owner)
    {
        var count = 0;
        await foreach (var _ in services.GetRequiredService<ICheckpointStore>().GetCheckpointSummariesAsync(owner, threadId))
        {
            count++;
        }

        return count;
    }

    /// <summary>POST /threads/{id}/state; asserts 200 and returns the new checkpoint's id.</summary>
    public static async Task<string> UpdateStateAsync(this HttpClient client, string threadId, string json)
    {
        var response = await client.PostJsonAsync($"/threads/{threadId}/state", json);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("checkpoint").GetProperty("checkpoint_id").GetString()!;
    }

    public static async Task<JsonElement> GetJsonAsync(this HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        Assert.Equal(200, (int)response.StatusCode);
        return await response.ReadJsonAsync();
    }

    public static IEnumerable<string> CheckpointIds(this JsonElement history)
        => history.EnumerateArray().Select(item => item.GetProperty("checkpoint").GetProperty("checkpoint_id").GetString()!);

    public static IEnumerable<string?> MessageContents(this JsonElement state)
        => state.GetProperty("values").GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("content").GetString());

    public static Task<HttpResponseMessage> PostHistoryAsync(this HttpClient client, string threadId, object body)
        => client.PostAsJsonAsync($"/threads/{threadId}/history", body);
}
