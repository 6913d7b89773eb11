using System.Text.Json;
using AgentFunctions.Core.Threads;
using AgentFunctions.Http.Tests.Runs;

namespace AgentFunctions.Http.Tests.Threads;

public class ThreadCopyTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private readonly RunsApi _api = new(server);

    [Fact]
    public async Task Copy_ThreadWithRuns_ReturnsANewThreadWithTheSameMetadataStateAndHistory()
    {
        // Arrange: two runs, the second a tool round trip.
        var thread = await CreateThreadAsync("""{"owner":"ann","tags":["a"]}""");
        await WaitRunAsync(thread, "hello tokens=3");
        await WaitRunAsync(thread, "calc: 6*7");

        // Act
        using var response = await _api.Client.PostAsync($"/threads/{thread}/copy", null);

        // Assert: a new idle thread, with the metadata (and the labels the runs added) and the values.
        Assert.Equal(200, (int)response.StatusCode);
        var copy = await response.ReadJsonAsync();
        var copyId = copy.GetProperty("thread_id").GetString()!;
        Assert.NotEqual(thread, copyId);
        Assert.True(Guid.TryParse(copyId, out _));
        Assert.Equal("idle", copy.GetProperty("status").GetString());
        var source = await GetJsonAsync($"/threads/{thread}");
        Assert.True(JsonElement.DeepEquals(source.GetProperty("metadata"), copy.GetProperty("metadata")));
        Assert.Equal("ann", copy.GetProperty("metadata").GetProperty("owner").GetString());
        Assert.True(JsonElement.DeepEquals(source.GetProperty("values"), copy.GetProperty("values")));

        // The whole history: the same checkpoints, now of the copy.
        var sourceHistory = await HistoryAsync(thread);
        var copyHistory = await HistoryAsync(copyId);
        Assert.Equal(8, sourceHistory.Count);
        Assert.Equal(sourceHistory.Select(CheckpointId), copyHistory.Select(CheckpointId));
        Assert.Equal(sourceHistory.Select(ParentId), copyHistory.Select(ParentId));
        for (var i = 0; i < copyHistory.Count; i++)
        {
            Assert.True(JsonElement.DeepEquals(sourceHistory[i].GetProperty("values"), copyHistory[i].GetProperty("values")));
            Assert.Equal(copyId, copyHistory[i].GetProperty("checkpoint").GetProperty("thread_id").GetString());
            Assert.Equal(copyId, copyHistory[i].GetProperty("metadata").GetProperty("thread_id").GetString());
        }
    }

    [Fact]
    public async Task Copy_ThenRunOnTheCopy_LeavesTheSourceAsItWas()
    {
        var thread = await CreateThreadAsync();
        await WaitRunAsync(thread, "first tokens=2");
        var copyId = (await (await _api.Client.PostAsync($"/threads/{thread}/copy", null)).ReadJsonAsync()).GetProperty("thread_id").GetString()!;

        var copyValues = await WaitRunAsync(copyId, "only in the copy tokens=2");

        var sourceValues = (await GetJsonAsync($"/threads/{thread}/state")).GetProperty("values");
        Assert.Equal(4, RunsApi.Messages(copyValues).Count);
        Assert.Equal("only in the copy tokens=2", RunsApi.Messages(copyValues)[2].Text);
        Assert.Equal(2, RunsApi.Messages(sourceValues).Count);
        Assert.Equal(1, await _api.RunCountAsync(thread));
        Assert.Equal(1, await _api.RunCountAsync(copyId));
    }

    [Fact]
    public async Task Copy_ThreadWithoutCheckpoints_ReturnsAnEmptyCopy()
    {
        var thread = await CreateThreadAsync("""{"k":1}""");

        using var response = await _api.Client.PostAsync($"/threads/{thread}/copy", null);

        Assert.Equal(200, (int)response.StatusCode);
        var copy = await response.ReadJsonAsync();
        Assert.Equal(1, copy.GetProperty("metadata").GetProperty("k").GetInt32());
        Assert.Empty(await HistoryAsync(copy.GetProperty("thread_id").GetString()!));
    }

    [Fact]
    public async Task Copy_InterruptedThread_CopyIsInterruptedToo()
    {
        var thread = await CreateThreadAsync();
        await _api.Threads.SetStatusAsync(RunsApi.Owner, thread, ThreadStatus.Interrupted);

        var copy = await (await _api.Client.PostAsync($"/threads/{thread}/copy", null)).ReadJsonAsync();

        Assert.Equal("interrupted", copy.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("no-such-thread")]
    [InlineData("not%20an%20id")]
    public async Task Copy_UnknownThread_Returns404AndCreatesNothing(string thread)
    {
        var before = await CountThreadsAsync();

        using var response = await _api.Client.PostAsync($"/threads/{thread}/copy", null);

        Assert.Equal(404, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(before, await CountThreadsAsync());
    }

    private static string CheckpointId(JsonElement state) => state.GetProperty("checkpoint").GetProperty("checkpoint_id").GetString()!;

    private static string? ParentId(JsonElement state)
        => state.GetProperty("parent_checkpoint") is { ValueKind: JsonValueKind.Object } parent ? parent.GetProperty("checkpoint_id").GetString() : null;

    private async Task<string> CreateThreadAsync(string metadata = "{}")
    {
        using var response = await _api.Client.PostJsonAsync("/threads", $$"""{"metadata":{{metadata}}}""");
        return (await response.ReadJsonAsync()).GetProperty("thread_id").GetString()!;
    }

    private async Task<JsonElement> WaitRunAsync(string thread, string text)
    {
        using var response = await _api.Client.PostJsonAsync($"/threads/{thread}/runs/wait", RunsApi.Body(text));
        Assert.Equal(200, (int)response.StatusCode);
        return await response.ReadJsonAsync();
    }

    private async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await _api.Client.GetAsync(path);
        Assert.Equal(200, (int)response.StatusCode);
        return await response.ReadJsonAsync();
    }

    private async Task<List<JsonElement>> HistoryAsync(string thread)
    {
        using var response = await _api.Client.PostJsonAsync($"/threads/{thread}/history", """{"limit":1000}""");
        Assert.Equal(200, (int)response.StatusCode);
        return [.. (await response.ReadJsonAsync()).EnumerateArray()];
    }

    private async Task<long> CountThreadsAsync()
    {
        using var response = await _api.Client.PostJsonAsync("/threads/count", "{}");
        return (await response.ReadJsonAsync()).GetInt64();
    }
}
