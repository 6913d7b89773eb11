using System.Text.Json;
using AgentFunctions.OpenAI.Tests.Fakes;
using Microsoft.Extensions.AI;
using static AgentFunctions.OpenAI.Tests.Fakes.TestClients;

namespace AgentFunctions.OpenAI.Tests;

public sealed class OpenAIChatClientStreamingTests : IAsyncLifetime
{
    private FakeChatCompletionsServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeChatCompletionsServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task GetStreamingResponseAsync_TextDeltas_YieldsOneUpdatePerDeltaInOrder()
    {
        // Arrange
        _server.EnqueueStream(Chunks.Role(), Chunks.Text("Hel"), Chunks.Text("lo, "), Chunks.Text("world"), Chunks.Finish("stop"));
        using var client = Create(_server);

        // Act
        var updates = await StreamAsync(client, User("hi"));

        // Assert
        Assert.Equal(["Hel", "lo, ", "world"], updates.Where(u => u.Text.Length > 0).Select(u => u.Text));
    }

    [Fact]
    public async Task GetStreamingResponseAsync_OpeningRoleChunk_YieldsNoEmptyUpdate()
    {
        // Arrange
        _server.EnqueueStream(Chunks.Role(), Chunks.Text("Hi"), Chunks.Finish("stop"));
        using var client = Create(_server);

        // Act
        var updates = await StreamAsync(client, User("hi"));

        // Assert
        Assert.All(updates, u => Assert.True(u.Contents.Count > 0 || u.FinishReason is not null));
    }

    [Fact]
    public async Task GetStreamingResponseAsync_Chunks_StampResponseIdMessageIdAndModel()
    {
        // Arrange
        _server.EnqueueStream(Chunks.Role(), Chunks.Text("a"), Chunks.Text("b"), Chunks.Finish("stop"));
        using var client = Create(_server);

        // Act
        var updates = await StreamAsync(client, User("hi"));

        // Assert
        Assert.All(updates, u =>
        {
            Assert.Equal(Chunks.CompletionId, u.ResponseId);
            Assert.Equal(Chunks.CompletionId, u.MessageId);
            Assert.Equal(Chunks.Model, u.ModelId);
            Assert.Equal(ChatRole.Assistant, u.Role);
            Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(Chunks.Created), u.CreatedAt);
        });
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ToolCallSplitOverChunks_YieldsOneFunctionCallWithParsedArguments()
    {
        // Arrange
        _server.EnqueueStream(
            Chunks.Role(),
            Chunks.ToolCall(0, "call_abc", "calculator", ""),
            Chunks.ToolCall(0, null, null, "{\"expre"),
            Chunks.ToolCall(0, null, null, "ssion\": \"2 "),
            Chunks.ToolCall(0, null, null, "+ 3\", \"precision\": 2}"),
            Chunks.Finish("tool_calls"));
        using var client = Create(_server);

        // Act
        var updates = await StreamAsync(client, User("calc"));

        // Assert
        var call = Assert.Single(updates.SelectMany(u => u.Contents).OfType<FunctionCallContent>());
        Assert.Equal("call_abc", call.CallId);
        Assert.Equal("calculator", call.Name);
        Assert.Null(call.Exception);
        Assert.NotNull(call.Arguments);
        Assert.Equal("2 + 3", ((JsonElement)call.Arguments["expression"]!).GetString());
        Assert.Equal(2, ((JsonElement)call.Arguments["precision"]!).GetInt32());
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ToolCallFragments_YieldTheCallOnceWholeWithToolCallsFinish()
    {
        // Arrange
        _server.EnqueueStream(
            Chunks.ToolCall(0, "call_abc", "calculator", "{\"expression\":"),
            Chunks.ToolCall(0, null, null, "\"1\"}"),
            Chunks.Finish("tool_calls"));
        using var client = Create(_server);

        // Act
        var updates = await StreamAsync(client, User("calc"));

        // Assert
        var call = Assert.Single(updates.SelectMany(u => u.Contents).OfType<FunctionCallContent>());
        Assert.Equal("1", ((JsonElement)call.Arguments!["expression"]!).GetString());
        Assert.DoesNotContain(updates.SelectMany(u => u.Contents).OfType<TextContent>(), t => t.Text.Length > 0);
        Assert.Equal(ChatFinishReason.ToolCalls, updates.ToChatResponse().FinishReason);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_TwoParallelToolCalls_AssemblesEachByIndex()
    {
        // Arrange
        _server.EnqueueStream(
            Chunks.ToolCall(0, "call_a", "weather", ""),
            Chunks.ToolCall(1, "call_b", "time", ""),
            Chunks.ToolCall(0, null, null, "{\"city\":"),
            Chunks.ToolCall(1, null, null, "{\"zone\":\"UTC\"}"),
            Chunks.ToolCall(0, null, null, "\"Oslo\"}"),
            Chunks.Finish("tool_calls"));
        using var client = Create(_server);

        // Act
        var updates = await StreamAsync(client, User("weather and time"));

        // Assert
        var calls = updates.SelectMany(u => u.Contents).OfType<FunctionCallContent>().ToList();
        Assert.Equal(["call_a", "call_b"], calls.Select(c => c.CallId));
        Assert.Equal(["weather", "time"], calls.Select(c => c.Name));
        Assert.Equal("Oslo", ((JsonElement)calls[0].Arguments!["city"]!).GetString());
        Assert.Equal("UTC", ((JsonElement)calls[1].Arguments!["zone"]!).GetString());
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ToolCallWithEmptyArguments_YieldsCallWithNoArguments()
    {
        // Arrange
        _server.EnqueueStream(Chunks.ToolCall(0, "call_n", "now", ""), Chunks.Finish("tool_calls"));
        using var client = Create(_server);

        // Act
        var updates = await StreamAsync(client, User("time?"));

        // Assert
        var call = Assert.Single(updates.SelectMany(u => u.Contents).OfType<FunctionCallContent>());
        Assert.Equal("now", call.Name);
        Assert.Empty(call.Arguments ?? new Dictionary<string, object?>());
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ToolCallWithMalformedArguments_YieldsCallWithException()
    {
        // Arrange
        _server.EnqueueStream(Chunks.ToolCall(0, "call_x", "calculator", "{\"expression\": "), Chunks.Finish("tool_calls"));
        using var client = Create(_server);

        // Act
        var updates = await StreamAsync(client, User("calc"));

        // Assert
        var call = Assert.Single(updates.SelectMany(u => u.Contents).OfType<FunctionCallContent>());
        Assert.Equal("call_x", call.CallId);
        Assert.NotNull(call.Exception);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_StreamEndsWithoutFinishReason_StillYieldsToolCall()
    {
        // Arrange
        _server.EnqueueStream(Chunks.ToolCall(0, "call_a", "weather", "{\"city\":\"Oslo\"}"));
        using var client = Create(_server);

        // Act
        var updates = await StreamAsync(client, User("weather"));

        // Assert
        var call = Assert.Single(updates.SelectMany(u => u.Contents).OfType<FunctionCallContent>());
        Assert.Equal("call_a", call.CallId);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_UsageChunk_YieldsUsageContent()
    {
        // Arrange
        _server.EnqueueStream(Chunks.Text("Hi"), Chunks.Finish("stop"), Chunks.Usage(prompt: 11, completion: 3));
        using var client = Create(_server);

        // Act
        var updates = await StreamAsync(client, User("hi"));

        // Assert
        var usage = Assert.Single(updates.SelectMany(u => u.Contents).OfType<UsageContent>());
        Assert.Equal(11, usage.Details.InputTokenCount);
        Assert.Equal(3, usage.Details.OutputTokenCount);
        Assert.Equal(14, usage.Details.TotalTokenCount);
    }

    [Theory]
    [InlineData("stop", "stop")]
    [InlineData("length", "length")]
    [InlineData("content_filter", "content_filter")]
    [InlineData("tool_calls", "tool_calls")]
    [InlineData("function_call", "tool_calls")]
    public async Task GetStreamingResponseAsync_FinishReason_MapsToChatFinishReason(string wire, string expected)
    {
        // Arrange
        _server.EnqueueStream(Chunks.Text("x"), Chunks.Finish(wire));
        using var client = Create(_server);

        // Act
        var updates = await StreamAsync(client, User("hi"));

        // Assert
        Assert.Equal(new ChatFinishReason(expected), Assert.Single(updates, u => u.FinishReason is not null).FinishReason);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_WholeStream_CombinesIntoOneResponse()
    {
        // Arrange
        _server.EnqueueStream(Chunks.Role(), Chunks.Text("The answer "), Chunks.Text("is 5."), Chunks.Finish("stop"), Chunks.Usage(9, 4));
        using var client = Create(_server);

        // Act
        var response = await client.GetStreamingResponseAsync(User("2+3?")).ToChatResponseAsync();

        // Assert
        var message = Assert.Single(response.Messages);
        Assert.Equal("The answer is 5.", message.Text);
        Assert.Equal(Chunks.CompletionId, response.ResponseId);
        Assert.Equal(Chunks.Model, response.ModelId);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal(13, response.Usage?.TotalTokenCount);
    }

    [Fact(Timeout = 30_000)]
    public async Task GetStreamingResponseAsync_CancelledMidStream_StopsAndClosesTheConnection()
    {
        // Arrange
        // The server sends one delta and then nothing: a client that ignored the token would wait forever.
        _server.EnqueueStreamThenHang(Chunks.Text("first"));
        using var client = Create(_server);
        using var cts = new CancellationTokenSource();
        var received = new List<string>();

        // Act
        var exception = await Record.ExceptionAsync(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync(User("hi"), cancellationToken: cts.Token))
            {
                received.Add(update.Text);
                await cts.CancelAsync();
            }
        });
        await _server.ClientDisconnected;

        // Assert
        Assert.IsAssignableFrom<OperationCanceledException>(exception);
        Assert.Equal(["first"], received);
    }
}
