using System.Text.Json;

namespace AgentFunctions.Http.Tests.State;

/// <summary>GET and POST /threads/{id}/history as LangGraph serves them: newest first, limit, before, filters.</summary>
public class HistoryTests(HistoryFixture fixture) : IClassFixture<HistoryFixture>
{
    private string Thread => fixture.ThreadId;

    private IReadOnlyList<string> Ids => fixture.NewestFirst;

    [Fact]
    public async Task GetHistory_NoQuery_ReturnsTheTenNewestNewestFirst()
    {
        // Act
        var history = await fixture.Server.Client().GetJsonAsync($"/threads/{Thread}/history");

        // Assert
        Assert.Equal(Ids.Take(10), history.CheckpointIds());
        Assert.Equal(HistoryFixture.Count - 1, history[0].GetProperty("metadata").GetProperty("step").GetInt32());
        Assert.Equal(HistoryFixture.Count, history[0].GetProperty("values").GetProperty("messages").GetArrayLength());
        Assert.Equal(Ids[1], history[0].GetProperty("parent_checkpoint").GetProperty("checkpoint_id").GetString());
    }

    [Fact]
    public async Task GetHistory_EachItem_IsTheStateAtThatCheckpoint()
    {
        // Act
        var history = await fixture.Server.Client().GetJsonAsync($"/threads/{Thread}/history?limit=3");

        // Assert
        var item = history[2];
        var state = await fixture.Server.Client().GetJsonAsync($"/threads/{Thread}/state/{Ids[2]}");
        Assert.True(JsonElement.DeepEquals(state, item));
    }

    [Fact]
    public async Task PostHistory_EmptyBody_ReturnsTheTenNewest()
    {
        // Act
        var response = await fixture.Server.Client().PostJsonAsync($"/threads/{Thread}/history", "{}");

        // Assert
        Assert.Equal(Ids.Take(10), (await response.ReadJsonAsync()).CheckpointIds());
    }

    [Fact]
    public async Task GetHistory_Limit_ReturnsThatMany()
    {
        // Act
        var history = await fixture.Server.Client().GetJsonAsync($"/threads/{Thread}/history?limit=3");

        // Assert
        Assert.Equal(Ids.Take(3), history.CheckpointIds());
    }

    [Fact]
    public async Task GetHistory_BeforeAnId_StartsAfterIt()
    {
        // Act
        var history = await fixture.Server.Client().GetJsonAsync($"/threads/{Thread}/history?limit=5&before={Ids[20]}");

        // Assert
        Assert.Equal(Ids.Skip(21).Take(5), history.CheckpointIds());
    }

    [Fact]
    public async Task PostHistory_BeforeAsAnId_StartsAfterIt()
    {
        // Act
        var response = await fixture.Server.Client().PostHistoryAsync(Thread, new { limit = 4, before = Ids[7] });

        // Assert
        Assert.Equal(Ids.Skip(8).Take(4), (await response.ReadJsonAsync()).CheckpointIds());
    }

    [Fact]
    public async Task PostHistory_BeforeAsAConfig_StartsAfterIt()
    {
        // Act
        var before = new { configurable = new { thread_id = Thread, checkpoint_ns = "", checkpoint_id = Ids[7] } };
        var response = await fixture.Server.Client().PostHistoryAsync(Thread, new { limit = 4, before });

        // Assert
        Assert.Equal(Ids.Skip(8).Take(4), (await response.ReadJsonAsync()).CheckpointIds());
    }

    [Fact]
    public async Task PostHistory_MetadataFilter_ReturnsOnlyMatchesNewestFirst()
    {
        // Act
        var response = await fixture.Server.Client().PostHistoryAsync(Thread, new { limit = 5, metadata = new { parity = "odd" } });

        // Assert
        var history = await response.ReadJsonAsync();
        Assert.Equal([249, 247, 245, 243, 241], history.EnumerateArray().Select(i => i.GetProperty("metadata").GetProperty("n").GetInt32()));
    }

    [Fact]
    public async Task PostHistory_SparseMetadataFilter_FindsMatchesAcrossPages()
    {
        // Act
        var response = await fixture.Server.Client().PostHistoryAsync(Thread, new { metadata = new { n = 3 } });

        // Assert
        var history = await response.ReadJsonAsync();
        Assert.Equal([Ids[HistoryFixture.Count - 4]], history.CheckpointIds());
        Assert.False(response.Headers.Contains("X-Next-Cursor"));
    }

    [Fact]
    public async Task PostHistory_CheckpointFilter_ReturnsOnlyThatCheckpoint()
    {
        // Act
        var response = await fixture.Server.Client().PostHistoryAsync(Thread, new { checkpoint = new { checkpoint_id = Ids[30], checkpoint_ns = "" } });

        // Assert
        Assert.Equal([Ids[30]], (await response.ReadJsonAsync()).CheckpointIds());
    }

    [Fact]
    public async Task PostHistory_CheckpointOfAnotherNamespace_ReturnsNothing()
    {
        // Act
        var response = await fixture.Server.Client().PostHistoryAsync(Thread, new { checkpoint = new { checkpoint_ns = "sub:1" } });

        // Assert
        Assert.Equal(0, (await response.ReadJsonAsync()).GetArrayLength());
    }

    [Fact]
    public async Task GetHistory_ThreadWithoutCheckpoints_ReturnsAnEmptyListWithoutACursor()
    {
        // Arrange
        var thread = await StateTestData.CreateThreadAsync(fixture.Server.Services);

        // Act
        var response = await fixture.Server.Client().GetAsync($"/threads/{thread}/history");

        // Assert
        Assert.Equal(0, (await response.ReadJsonAsync()).GetArrayLength());
        Assert.False(response.Headers.Contains("X-Next-Cursor"));
    }
}
