using System.Text.Json;
using System.Text.Json.Nodes;
using AgentFunctions.OpenAI.Tests.Fakes;
using Microsoft.Extensions.AI;
using static AgentFunctions.OpenAI.Tests.Fakes.TestClients;

namespace AgentFunctions.OpenAI.Tests;

public sealed class OpenAIChatClientResponseTests : IAsyncLifetime
{
    private FakeChatCompletionsServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeChatCompletionsServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task GetResponseAsync_TextCompletion_ReturnsMessageIdsFinishReasonAndUsage()
    {
        // Arrange
        _server.EnqueueJson(Chunks.Completion("Hello there.", "stop"));
        using var client = Create(_server);

        // Act
        var response = await client.GetResponseAsync(User("hi"));

        // Assert
        var message = Assert.Single(response.Messages);
        Assert.Equal(ChatRole.Assistant, message.Role);
        Assert.Equal("Hello there.", message.Text);
        Assert.Equal(Chunks.CompletionId, response.ResponseId);
        Assert.Equal(Chunks.CompletionId, message.MessageId);
        Assert.Equal(Chunks.Model, response.ModelId);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal(12, response.Usage?.InputTokenCount);
        Assert.Equal(7, response.Usage?.OutputTokenCount);
    }

    [Fact]
    public async Task GetResponseAsync_AnyRequest_DoesNotAskForAStream()
    {
        // Arrange
        _server.EnqueueJson(Chunks.Completion("ok", "stop"));
        using var client = Create(_server);

        // Act
        await client.GetResponseAsync(User("hi"));

        // Assert
        var body = _server.SingleRequest.Body;
        Assert.False(body.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True);
    }

    [Fact]
    public async Task GetResponseAsync_ToolCalls_ReturnsFunctionCallsWithParsedArguments()
    {
        // Arrange
        _server.EnqueueJson(Chunks.Completion(null, "tool_calls", new JsonArray(
            Chunks.FunctionToolCall("call_a", "weather", "{\"city\":\"Oslo\"}"),
            Chunks.FunctionToolCall("call_b", "time", "{}"))));
        using var client = Create(_server);

        // Act
        var response = await client.GetResponseAsync(User("weather and time"));

        // Assert
        var calls = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().ToList();
        Assert.Equal(["call_a", "call_b"], calls.Select(c => c.CallId));
        Assert.Equal("Oslo", ((JsonElement)calls[0].Arguments!["city"]!).GetString());
        Assert.Empty(calls[1].Arguments!);
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
    }
}
