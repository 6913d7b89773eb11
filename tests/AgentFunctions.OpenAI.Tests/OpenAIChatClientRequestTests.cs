using System.ComponentModel;
using System.Text.Json;
using AgentFunctions.OpenAI.Tests.Fakes;
using Microsoft.Extensions.AI;
using static AgentFunctions.OpenAI.Tests.Fakes.TestClients;

namespace AgentFunctions.OpenAI.Tests;

public sealed class OpenAIChatClientRequestTests : IAsyncLifetime
{
    private FakeChatCompletionsServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeChatCompletionsServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task GetStreamingResponseAsync_AnyRequest_PostsToChatCompletionsWithStreamAndIncludeUsage()
    {
        // Arrange
        _server.EnqueueStream(Chunks.Text("ok"), Chunks.Finish("stop"));
        using var client = Create(_server);

        // Act
        await StreamAsync(client, User("hi"));

        // Assert
        var request = _server.SingleRequest;
        Assert.Equal("POST", request.Method);
        Assert.Equal("/v1/chat/completions", request.Path);
        Assert.True(request.Body.GetProperty("stream").GetBoolean());
        Assert.True(request.Body.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        Assert.Equal(Model, request.Body.GetProperty("model").GetString());
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ToolRoundTrip_SendsRolesToolCallsAndToolCallIds()
    {
        // Arrange
        _server.EnqueueStream(Chunks.Text("5"), Chunks.Finish("stop"));
        using var client = Create(_server);
        ChatMessage[] conversation =
        [
            new(ChatRole.System, "You add numbers."),
            new(ChatRole.User, "What is 2+3?"),
            new(ChatRole.Assistant,
            [
                new TextContent("Let me calculate."),
                new FunctionCallContent("call_1", "calculator", new Dictionary<string, object?> { ["expression"] = "2+3" }),
            ]),
            new(ChatRole.Tool, [new FunctionResultContent("call_1", "5")]),
        ];

        // Act
        await StreamAsync(client, conversation);

        // Assert
        var messages = _server.SingleRequest.Body.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["system", "user", "assistant", "tool"], messages.Select(m => m.GetProperty("role").GetString()));
        Assert.Equal("You add numbers.", ContentText(messages[0]));
        Assert.Equal("What is 2+3?", ContentText(messages[1]));
        Assert.Equal("Let me calculate.", ContentText(messages[2]));
        var toolCall = Assert.Single(messages[2].GetProperty("tool_calls").EnumerateArray());
        Assert.Equal("call_1", toolCall.GetProperty("id").GetString());
        Assert.Equal("function", toolCall.GetProperty("type").GetString());
        Assert.Equal("calculator", toolCall.GetProperty("function").GetProperty("name").GetString());
        var arguments = JsonDocument.Parse(toolCall.GetProperty("function").GetProperty("arguments").GetString()!).RootElement;
        Assert.Equal("2+3", arguments.GetProperty("expression").GetString());
        Assert.Equal("call_1", messages[3].GetProperty("tool_call_id").GetString());
        Assert.Equal("5", ContentText(messages[3]));
    }

    [Fact]
    public async Task GetStreamingResponseAsync_TwoResultsInOneMessage_SendsOneToolMessageEach()
    {
        // Arrange
        _server.EnqueueStream(Chunks.Text("ok"), Chunks.Finish("stop"));
        using var client = Create(_server);
        ChatMessage[] conversation =
        [
            new(ChatRole.User, "weather and time"),
            new(ChatRole.Assistant, [new FunctionCallContent("call_a", "weather"), new FunctionCallContent("call_b", "time")]),
            new(ChatRole.Tool, [new FunctionResultContent("call_a", new { temperature = 21 }), new FunctionResultContent("call_b", "noon")]),
        ];

        // Act
        await StreamAsync(client, conversation);

        // Assert
        var tools = _server.SingleRequest.Body.GetProperty("messages").EnumerateArray()
            .Where(m => m.GetProperty("role").GetString() == "tool").ToList();
        Assert.Equal(["call_a", "call_b"], tools.Select(m => m.GetProperty("tool_call_id").GetString()));
        Assert.Equal(21, JsonDocument.Parse(ContentText(tools[0])!).RootElement.GetProperty("temperature").GetInt32());
        Assert.Equal("noon", ContentText(tools[1]));
    }

    [Fact]
    public async Task GetStreamingResponseAsync_Instructions_SendsThemAsFirstSystemMessage()
    {
        // Arrange
        _server.EnqueueStream(Chunks.Text("ok"), Chunks.Finish("stop"));
        using var client = Create(_server);

        // Act
        await StreamAsync(client, User("hi"), new ChatOptions { Instructions = "Be brief." });

        // Assert
        var first = _server.SingleRequest.Body.GetProperty("messages")[0];
        Assert.Equal("system", first.GetProperty("role").GetString());
        Assert.Equal("Be brief.", ContentText(first));
    }

    [Fact]
    public async Task GetStreamingResponseAsync_AIFunctionTool_SendsFunctionToolWithSchema()
    {
        // Arrange
        _server.EnqueueStream(Chunks.Text("ok"), Chunks.Finish("stop"));
        using var client = Create(_server);
        var function = AIFunctionFactory.Create(
            ([Description("The city")] string city, int days) => "sunny", "weather", "Forecast for a city.");

        // Act
        await StreamAsync(client, User("weather?"), new ChatOptions { Tools = [function] });

        // Assert
        var tool = Assert.Single(_server.SingleRequest.Body.GetProperty("tools").EnumerateArray());
        Assert.Equal("function", tool.GetProperty("type").GetString());
        var declared = tool.GetProperty("function");
        Assert.Equal("weather", declared.GetProperty("name").GetString());
        Assert.Equal("Forecast for a city.", declared.GetProperty("description").GetString());
        var parameters = declared.GetProperty("parameters");
        Assert.Equal("object", parameters.GetProperty("type").GetString());
        Assert.Equal("string", parameters.GetProperty("properties").GetProperty("city").GetProperty("type").GetString());
        Assert.Equal("The city", parameters.GetProperty("properties").GetProperty("city").GetProperty("description").GetString());
        Assert.Equal("integer", parameters.GetProperty("properties").GetProperty("days").GetProperty("type").GetString());
        Assert.Equal(["city", "days"], parameters.GetProperty("required").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task GetStreamingResponseAsync_RequireSpecificToolMode_SendsFunctionToolChoice()
    {
        // Arrange
        _server.EnqueueStream(Chunks.Text("ok"), Chunks.Finish("stop"));
        using var client = Create(_server);
        var options = new ChatOptions { Tools = [AIFunctionFactory.Create(() => 1, "one")], ToolMode = ChatToolMode.RequireSpecific("one") };

        // Act
        await StreamAsync(client, User("hi"), options);

        // Assert
        var choice = _server.SingleRequest.Body.GetProperty("tool_choice");
        Assert.Equal("function", choice.GetProperty("type").GetString());
        Assert.Equal("one", choice.GetProperty("function").GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("auto", "auto")]
    [InlineData("none", "none")]
    [InlineData("required", "required")]
    public async Task GetStreamingResponseAsync_ToolMode_SendsToolChoice(string mode, string expected)
    {
        // Arrange
        _server.EnqueueStream(Chunks.Text("ok"), Chunks.Finish("stop"));
        using var client = Create(_server);
        ChatToolMode toolMode = mode switch
        {
            "auto" => ChatToolMode.Auto,
            "none" => ChatToolMode.None,
            _ => ChatToolMode.RequireAny,
        };
        var options = new ChatOptions { Tools = [AIFunctionFactory.Create(() => 1, "one")], ToolMode = toolMode };

        // Act
        await StreamAsync(client, User("hi"), options);

        // Assert
        Assert.Equal(expected, _server.SingleRequest.Body.GetProperty("tool_choice").GetString());
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ToolModeWithoutTools_SendsNoToolChoice()
    {
        // Arrange
        _server.EnqueueStream(Chunks.Text("ok"), Chunks.Finish("stop"));
        using var client = Create(_server);

        // Act
        await StreamAsync(client, User("hi"), new ChatOptions { ToolMode = ChatToolMode.RequireAny });

        // Assert
        Assert.False(_server.SingleRequest.Body.TryGetProperty("tool_choice", out _));
        Assert.False(_server.SingleRequest.Body.TryGetProperty("tools", out _));
    }

    [Fact]
    public async Task GetStreamingResponseAsync_SamplingOptions_SendsTemperatureAndMaxTokens()
    {
        // Arrange
        _server.EnqueueStream(Chunks.Text("ok"), Chunks.Finish("stop"));
        using var client = Create(_server);

        // Act
        await StreamAsync(client, User("hi"), new ChatOptions { Temperature = 0.25f, MaxOutputTokens = 64, StopSequences = ["END"] });

        // Assert
        var body = _server.SingleRequest.Body;
        Assert.Equal(0.25, body.GetProperty("temperature").GetDouble(), 5);
        Assert.Equal(64, body.GetProperty("max_completion_tokens").GetInt32());
        Assert.Equal("END", Assert.Single(body.GetProperty("stop").EnumerateArray()).GetString());
    }

    [Fact]
    public async Task GetStreamingResponseAsync_OtherModelId_SendsThatModelOnce()
    {
        // Arrange
        _server.EnqueueStream(Chunks.Text("ok"), Chunks.Finish("stop"));
        using var client = Create(_server);

        // Act
        await StreamAsync(client, User("hi"), new ChatOptions { ModelId = "gpt-other" });

        // Assert
        var body = _server.SingleRequest.Body;
        Assert.Equal("gpt-other", body.GetProperty("model").GetString());
        Assert.Single(body.EnumerateObject(), p => p.Name == "model");
    }

    [Fact]
    public async Task GetStreamingResponseAsync_UserImage_SendsImagePartBesideText()
    {
        // Arrange
        _server.EnqueueStream(Chunks.Text("a cat"), Chunks.Finish("stop"));
        using var client = Create(_server);
        ChatMessage[] conversation =
        [
            new(ChatRole.User, [new TextContent("What is this?"), new DataContent(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, "image/png")]),
        ];

        // Act
        await StreamAsync(client, conversation);

        // Assert
        var parts = _server.SingleRequest.Body.GetProperty("messages")[0].GetProperty("content").EnumerateArray().ToList();
        Assert.Equal(["text", "image_url"], parts.Select(p => p.GetProperty("type").GetString()));
        Assert.StartsWith("data:image/png;base64,", parts[1].GetProperty("image_url").GetProperty("url").GetString(), StringComparison.Ordinal);
    }

    private static string? ContentText(JsonElement message)
    {
        var content = message.GetProperty("content");
        return content.ValueKind == JsonValueKind.String
            ? content.GetString()
            : string.Concat(content.EnumerateArray().Select(part => part.GetProperty("text").GetString()));
    }
}
