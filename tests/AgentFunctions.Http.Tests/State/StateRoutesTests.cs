using System.Net.Http.Json;
using System.Text.Json;
using AgentFunctions.Core.Runs;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Http.Tests.State;

/// <summary>GET and POST /threads/{id}/state, and the state at a checkpoint, over real HTTP.</summary>
public class StateRoutesTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const string Hello = """{"values":{"messages":[{"role":"user","content":"hello","id":"h1"}]}}""";

    [Fact]
    public async Task GetState_ThreadWithoutCheckpoints_ReturnsTheEmptyState()
    {
        // Arrange
        var thread = await StateTestData.CreateThreadAsync(server.Services);

        // Act
        var state = await server.Client().GetJsonAsync($"/threads/{thread}/state");

        // Assert
        Assert.Empty(state.GetProperty("values").EnumerateObject());
        Assert.Equal(0, state.GetProperty("next").GetArrayLength());
        Assert.Equal(0, state.GetProperty("tasks").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, state.GetProperty("metadata").ValueKind);
        Assert.Equal(JsonValueKind.Null, state.GetProperty("checkpoint").ValueKind);
        Assert.Equal(JsonValueKind.Null, state.GetProperty("parent_checkpoint").ValueKind);
    }

    [Fact]
    public async Task UpdateState_Values_ReturnsTheNewCheckpointReference()
    {
        // Arrange
        var thread = await StateTestData.CreateThreadAsync(server.Services);

        // Act
        var response = await server.Client().PostJsonAsync($"/threads/{thread}/state", Hello);

        // Assert
        Assert.Equal(200, (int)response.StatusCode);
        var checkpoint = (await response.ReadJsonAsync()).GetProperty("checkpoint");
        Assert.Equal(thread, checkpoint.GetProperty("thread_id").GetString());
        Assert.Equal(string.Empty, checkpoint.GetProperty("checkpoint_ns").GetString());
        Assert.True(Guid.TryParse(checkpoint.GetProperty("checkpoint_id").GetString(), out _));
        Assert.Equal(JsonValueKind.Object, checkpoint.GetProperty("checkpoint_map").ValueKind);
    }

    [Fact]
    public async Task GetState_AfterUpdates_EqualsWhatWasWritten()
    {
        // Arrange
        var client = server.Client();
        var thread = await StateTestData.CreateThreadAsync(server.Services);
        var first = await client.UpdateStateAsync(thread, Hello);
        var second = await client.UpdateStateAsync(thread, """{"values":{"messages":[{"type":"ai","content":"hi there","id":"a1"}],"topic":"greetings"},"as_node":"agent"}""");

        // Act
        var state = await client.GetJsonAsync($"/threads/{thread}/state");

        // Assert
        Assert.Equal(["hello", "hi there"], state.MessageContents());
        Assert.Equal(["human", "ai"], state.GetProperty("values").GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("type").GetString()));
        Assert.Equal("greetings", state.GetProperty("values").GetProperty("topic").GetString());
        Assert.Equal(second, state.GetProperty("checkpoint").GetProperty("checkpoint_id").GetString());
        Assert.Equal(first, state.GetProperty("parent_checkpoint").GetProperty("checkpoint_id").GetString());
        var metadata = state.GetProperty("metadata");
        Assert.Equal("update", metadata.GetProperty("source").GetString());
        Assert.Equal(1, metadata.GetProperty("step").GetInt32());
        Assert.Empty(metadata.GetProperty("parents").EnumerateObject());
        Assert.Equal("hi there", metadata.GetProperty("writes").GetProperty("agent").GetProperty("messages")[0].GetProperty("content").GetString());
    }

    [Fact]
    public async Task UpdateState_AsNodeTools_NextIsAgent()
    {
        // Arrange
        var thread = await StateTestData.CreateThreadAsync(server.Services);

        // Act
        await server.Client().UpdateStateAsync(thread, """{"values":{"messages":[{"role":"user","content":"x"}]},"as_node":"tools"}""");

        // Assert
        var state = await server.Client().GetJsonAsync($"/threads/{thread}/state");
        Assert.Equal(["agent"], state.GetProperty("next").EnumerateArray().Select(n => n.GetString()));
        Assert.Equal("agent", state.GetProperty("tasks")[0].GetProperty("name").GetString());
        Assert.True(state.GetProperty("metadata").GetProperty("writes").TryGetProperty("tools", out _));
    }

    [Fact]
    public async Task UpdateState_AsNodeAgentWithToolCalls_NextIsTools()
    {
        // Arrange
        var thread = await StateTestData.CreateThreadAsync(server.Services);
        const string CallsATool = """
            {"values":{"messages":[{"type":"ai","content":"","id":"a1","tool_calls":[{"name":"calculator","args":{"expression":"1+1"},"id":"call1"}]}]},"as_node":"agent"}
            """;

        // Act
        await server.Client().UpdateStateAsync(thread, CallsATool);

        // Assert
        var state = await server.Client().GetJsonAsync($"/threads/{thread}/state");
        Assert.Equal(["tools"], state.GetProperty("next").EnumerateArray().Select(n => n.GetString()));
    }

    [Fact]
    public async Task UpdateState_AsNodeAgentWithoutToolCalls_NextIsEmpty()
    {
        // Arrange
        var thread = await StateTestData.CreateThreadAsync(server.Services);

        // Act
        await server.Client().UpdateStateAsync(thread, """{"values":{"messages":[{"type":"ai","content":"done"}]},"as_node":"agent"}""");

        // Assert
        var state = await server.Client().GetJsonAsync($"/threads/{thread}/state");
        Assert.Equal(0, state.GetProperty("next").GetArrayLength());
        Assert.Equal(0, state.GetProperty("tasks").GetArrayLength());
    }

    [Fact]
    public async Task UpdateState_NoAsNodeOnANewThread_IsWrittenAsAgent()
    {
        // Arrange
        var thread = await StateTestData.CreateThreadAsync(server.Services);

        // Act
        await server.Client().UpdateStateAsync(thread, Hello);

        // Assert
        var state = await server.Client().GetJsonAsync($"/threads/{thread}/state");
        Assert.True(state.GetProperty("metadata").GetProperty("writes").TryGetProperty("agent", out _));
        Assert.Equal(0, state.GetProperty("next").GetArrayLength());
    }

    [Fact]
    public async Task UpdateState_NoAsNodeAfterAToolsUpdate_IsWrittenAsToolsAgain()
    {
        // Arrange
        var client = server.Client();
        var thread = await StateTestData.CreateThreadAsync(server.Services);
        await client.UpdateStateAsync(thread, """{"values":{"messages":[{"role":"user","content":"x"}]},"as_node":"tools"}""");

        // Act
        await client.UpdateStateAsync(thread, """{"values":{"messages":[{"role":"user","content":"y"}]}}""");

        // Assert
        var state = await client.GetJsonAsync($"/threads/{thread}/state");
        Assert.True(state.GetProperty("metadata").GetProperty("writes").TryGetProperty("tools", out _));
        Assert.Equal(["agent"], state.GetProperty("next").EnumerateArray().Select(n => n.GetString()));
    }

    [Fact]
    public async Task UpdateState_WhileARunIsActive_Returns409AndWritesNothing()
    {
        // Arrange
        var thread = await StateTestData.CreateThreadAsync(server.Services);
        await server.Services.GetRequiredService<IRunStore>().CreateAsync(new AgentRun
        {
            RunId = RunIds.New(),
            OwnerId = StateTestData.Owner,
            ThreadId = thread,
            AssistantId = "agent",
        });

        // Act
        var response = await server.Client().PostJsonAsync($"/threads/{thread}/state", Hello);

        // Assert
        await response.AssertProblemAsync(409);
        Assert.Equal(0, await StateTestData.CountCheckpointsAsync(server.Services, thread));
    }

    [Fact]
    public async Task UpdateState_OlderCheckpoint_ForksFromIt()
    {
        // Arrange
        var client = server.Client();
        var thread = await StateTestData.CreateThreadAsync(server.Services);
        var first = await client.UpdateStateAsync(thread, """{"values":{"messages":[{"role":"user","content":"one","id":"1"}]}}""");
        await client.UpdateStateAsync(thread, """{"values":{"messages":[{"role":"user","content":"two","id":"2"}]}}""");

        // Act
        var fork = await client.UpdateStateAsync(thread, $$$"""{"values":{"messages":[{"role":"user","content":"other","id":"3"}]},"checkpoint":{"checkpoint_id":"{{{first}}}"}}""");

        // Assert
        var state = await client.GetJsonAsync($"/threads/{thread}/state");
        Assert.Equal(fork, state.GetProperty("checkpoint").GetProperty("checkpoint_id").GetString());
        Assert.Equal(first, state.GetProperty("parent_checkpoint").GetProperty("checkpoint_id").GetString());
        Assert.Equal(["one", "other"], state.MessageContents());
        Assert.Equal(1, state.GetProperty("metadata").GetProperty("step").GetInt32());
    }

    [Fact]
    public async Task UpdateState_CheckpointIdOfTheLatest_AppendsWithoutAFork()
    {
        // Arrange
        var client = server.Client();
        var thread = await StateTestData.CreateThreadAsync(server.Services);
        var first = await client.UpdateStateAsync(thread, Hello);

        // Act
        await client.UpdateStateAsync(thread, $$"""{"values":{"messages":[{"role":"user","content":"again"}]},"checkpoint_id":"{{first}}"}""");

        // Assert
        var state = await client.GetJsonAsync($"/threads/{thread}/state");
        Assert.Equal(["hello", "again"], state.MessageContents());
        Assert.Equal(2, await StateTestData.CountCheckpointsAsync(server.Services, thread));
    }

    [Fact]
    public async Task GetStateAtCheckpoint_KnownId_ReturnsThatCheckpoint()
    {
        // Arrange
        var client = server.Client();
        var thread = await StateTestData.CreateThreadAsync(server.Services);
        var first = await client.UpdateStateAsync(thread, Hello);
        await client.UpdateStateAsync(thread, """{"values":{"messages":[{"role":"user","content":"later"}]}}""");

        // Act
        var state = await client.GetJsonAsync($"/threads/{thread}/state/{first}");

        // Assert
        Assert.Equal(first, state.GetProperty("checkpoint").GetProperty("checkpoint_id").GetString());
        Assert.Equal(["hello"], state.MessageContents());
    }

    [Fact]
    public async Task PostStateCheckpoint_KnownId_ReturnsThatCheckpoint()
    {
        // Arrange
        var client = server.Client();
        var thread = await StateTestData.CreateThreadAsync(server.Services);
        var first = await client.UpdateStateAsync(thread, Hello);
        await client.UpdateStateAsync(thread, """{"values":{"messages":[{"role":"user","content":"later"}]}}""");

        // Act
        var response = await client.PostAsJsonAsync($"/threads/{thread}/state/checkpoint", new { checkpoint = new { checkpoint_id = first, thread_id = thread, checkpoint_ns = "" } });

        // Assert
        Assert.Equal(200, (int)response.StatusCode);
        var state = await response.ReadJsonAsync();
        Assert.Equal(first, state.GetProperty("checkpoint").GetProperty("checkpoint_id").GetString());
        Assert.Equal(["hello"], state.MessageContents());
    }

    [Fact]
    public async Task PostStateCheckpoint_NoCheckpointId_ReturnsTheLatest()
    {
        // Arrange
        var client = server.Client();
        var thread = await StateTestData.CreateThreadAsync(server.Services);
        var latest = await client.UpdateStateAsync(thread, Hello);

        // Act
        var response = await client.PostAsJsonAsync($"/threads/{thread}/state/checkpoint", new { checkpoint = new { } });

        // Assert
        Assert.Equal(latest, (await response.ReadJsonAsync()).GetProperty("checkpoint").GetProperty("checkpoint_id").GetString());
    }
}
