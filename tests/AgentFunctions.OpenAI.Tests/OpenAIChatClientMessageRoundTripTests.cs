using System.Text.Json;
using AgentFunctions.Core.Messages;
using AgentFunctions.OpenAI.Tests.Fakes;
using static AgentFunctions.OpenAI.Tests.Fakes.TestClients;

namespace AgentFunctions.OpenAI.Tests;

/// <summary>
/// The thread messages of the agent loop through the OpenAI client and back: what the loop sends,
/// and what a streamed reply becomes (the <c>messages-tuple</c> chunks and the stored AI message).
/// </summary>
public sealed class OpenAIChatClientMessageRoundTripTests : IAsyncLifetime
{
    private FakeChatCompletionsServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeChatCompletionsServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task StreamedReplyWithToolCall_AccumulatesIntoAIMessageWithCompletionIdToolCallAndUsage()
    {
        // Arrange
        _server.EnqueueStream(
            Chunks.Role(),
            Chunks.Text("Let me add."),
            Chunks.ToolCall(0, "call_abc", "calculator", ""),
            Chunks.ToolCall(0, null, null, "{\"expression\":"),
            Chunks.ToolCall(0, null, null, "\"2+3\"}"),
            Chunks.Finish("tool_calls"),
            Chunks.Usage(prompt: 11, completion: 3));
        using var client = Create(_server);
        var accumulator = new AIMessageChunkAccumulator();
        var chunks = new List<AIMessageChunk>();

        // Act
        await foreach (var update in client.GetStreamingResponseAsync(User("2+3?")))
        {
            chunks.Add(accumulator.Add(update, "run-fallback-id"));
        }

        var message = accumulator.ToMessage();

        // Assert
        Assert.All(chunks, chunk => Assert.Equal(Chunks.CompletionId, chunk.Id));
        var toolCallChunk = Assert.Single(chunks.SelectMany(c => c.ToolCallChunks));
        Assert.Equal(("call_abc", "calculator", 0), (toolCallChunk.Id, toolCallChunk.Name, toolCallChunk.Index));
        Assert.Equal(Chunks.CompletionId, message.Id);
        Assert.Equal("Let me add.", message.Content.Text);
        var call = Assert.Single(message.ToolCalls);
        Assert.Equal(("call_abc", "calculator"), (call.Id, call.Name));
        Assert.Equal("2+3", call.Args.GetProperty("expression").GetString());
        Assert.Equal(new UsageMetadata(11, 3, 14), message.UsageMetadata);
        Assert.Equal("tool_calls", message.ResponseMetadata.GetProperty("finish_reason").GetString());
        Assert.Equal(Chunks.Model, message.ResponseMetadata.GetProperty("model_name").GetString());
    }

    [Fact]
    public async Task ThreadWithToolRoundTrip_SendsAssistantToolCallAndToolResultWithItsCallId()
    {
        // Arrange
        _server.EnqueueStream(Chunks.Text("5"), Chunks.Finish("stop"));
        using var client = Create(_server);
        using var args = JsonDocument.Parse("""{"expression":"2+3"}""");
        Message[] thread =
        [
            new HumanMessage { Content = MessageContent.FromText("What is 2+3?"), Id = "m1" },
            new AIMessage { Content = MessageContent.FromText(string.Empty), Id = "m2", ToolCalls = [new ToolCall("calculator", args.RootElement.Clone(), "call_1")] },
            new ToolMessage { ToolCallId = "call_1", Content = MessageContent.FromText("5"), Id = "m3" },
        ];

        // Act
        await StreamAsync(client, thread.ToChatMessages());

        // Assert
        var messages = _server.SingleRequest.Body.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["user", "assistant", "tool"], messages.Select(m => m.GetProperty("role").GetString()));
        var toolCall = Assert.Single(messages[1].GetProperty("tool_calls").EnumerateArray());
        Assert.Equal("call_1", toolCall.GetProperty("id").GetString());
        Assert.Equal("calculator", toolCall.GetProperty("function").GetProperty("name").GetString());
        var sent = JsonDocument.Parse(toolCall.GetProperty("function").GetProperty("arguments").GetString()!).RootElement;
        Assert.Equal("2+3", sent.GetProperty("expression").GetString());
        Assert.Equal("call_1", messages[2].GetProperty("tool_call_id").GetString());
        Assert.Equal("5", messages[2].GetProperty("content").GetString());
    }
}
