using System.Text.Json;
using AgentFunctions.Http.Tests.Runs;

namespace AgentFunctions.Http.Tests.Compaction;

/// <summary>The server with a low compaction threshold: the third run of three checkpoints crosses it, and the server's compaction worker acts.</summary>
public class CompactionServerFixture : ServerFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings()
        => [new("Compaction:Threshold", "7"), new("Compaction:KeepLatest", "3")];
}

public class CompactionServerTests(CompactionServerFixture server) : IClassFixture<CompactionServerFixture>
{
    private readonly RunsApi _api = new(server);

    [Fact(Timeout = 120_000)]
    public async Task Runs_PastTheThreshold_TheServersWorkerCompactsTheHistoryAndTheStateStays()
    {
        var thread = await _api.NewThreadAsync();
        for (var i = 0; i < 3; i++)
        {
            using var response = await _api.Client.PostJsonAsync($"/threads/{thread}/runs/wait", RunsApi.Body($"turn {i} tokens=3"));
            Assert.Equal(200, (int)response.StatusCode);
        }

        var state = await GetJsonAsync($"/threads/{thread}/state");
        await RunsApi.WaitUntilAsync(async () => (await HistoryAsync(thread)).GetArrayLength() == 3, "the history is compacted to 3 checkpoints");
        var history = await HistoryAsync(thread);
        var stateAfter = await GetJsonAsync($"/threads/{thread}/state");

        Assert.True(JsonElement.DeepEquals(state.GetProperty("values"), stateAfter.GetProperty("values")));
        Assert.Equal(state.GetProperty("checkpoint").GetProperty("checkpoint_id").GetString(), history[0].GetProperty("checkpoint").GetProperty("checkpoint_id").GetString());
        Assert.Equal(6, history[0].GetProperty("values").GetProperty("messages").GetArrayLength());
    }

    private async Task<JsonElement> HistoryAsync(string thread)
    {
        using var response = await _api.Client.PostJsonAsync($"/threads/{thread}/history", """{"limit":100}""");
        Assert.Equal(200, (int)response.StatusCode);
        return await response.ReadJsonAsync();
    }

    private async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await _api.Client.GetAsync(path);
        Assert.Equal(200, (int)response.StatusCode);
        return await response.ReadJsonAsync();
    }
}
