using System.Text.Json;
using AgentFunctions.Core.Messages;
using Microsoft.Extensions.AI;

namespace AgentFunctions.Core.Tests.Messages;

public class ChatMessageConversionTests
{
    [Theory]
    [InlineData("human", "user")]
    [InlineData("ai", "assistant")]
    [InlineData("system", "system")]
    public void ToChatMessage_MessageType_MapsRole(string type, string role)
    {
        // Arrange
        var message = MessageJson.Parse(JsonAssert.Parse($$"""{"type":"{{type}}","content":"x","id":"m1"}"""));

        // Act
        var chat = message.ToChatMessage();

        // Assert
        Assert.Equal(new ChatRole(role), chat.Role);
    }

    [Fact]
    public void ToChatMessage_HumanMessage_CarriesTextIdAndName()
    {
        // Arrange
        var message = new HumanMessage { Id = "h1", Name = "ann", Content = "hello" };

        // Act
        var chat = message.ToChatMessage();

        // Assert
        Assert.Equal(("hello", "h1", "ann"), (chat.Text, chat.MessageId, chat.AuthorName));
    }

    [Fact]
    public void ToChatMessage_ContentBlocks_MapsTextAndImages()
    {
        // Arrange
        var message = MessageJson.Parse(JsonAssert.Parse("""
            {"type":"human","content":[{"type":"text","text":"see "},"this",
              {"type":"image_url","image_url":{"url":"https://example.com/a.png"}},
              {"type":"image","base64":"AAAA","mime_type":"image/png"},
              {"type":"unknown"}]}
            """));

        // Act
        var chat = message.ToChatMessage();

        // Assert
        Assert.Collection(
            chat.Contents,
            c => Assert.Equal("see ", Assert.IsType<TextContent>(c).Text),
            c => Assert.Equal("this", Assert.IsType<TextContent>(c).Text),
            c => Assert.Equal(new Uri("https://example.com/a.png"), Assert.IsType<UriContent>(c).Uri),
            c => Assert.Equal("image/png", Assert.IsType<DataContent>(c).MediaType));
    }

    [Fact]
    public void ToChatMessage_AIMessageWithToolCalls_ReturnsFunctionCalls()
    {
        // Arrange
        var message = new AIMessage
        {
            Id = "a1",
            Content = "let me look",
            ToolCalls = [new ToolCall("search", JsonAssert.Parse("""{"q":"x","n":2}"""), "call_1")],
        };

        // Act
        var chat = message.ToChatMessage();

        // Assert
        var call = Assert.Single(chat.Contents.OfType<FunctionCallContent>());
        Assert.Equal(("call_1", "search"), (call.CallId, call.Name));
        Assert.Equal(2, ((JsonElement)call.Arguments!["n"]!).GetInt32());
    }

    [Fact]
    public void ToChatMessage_ToolMessage_ReturnsFunctionResult()
    {
        // Arrange
        var message = new ToolMessage { Id = "t1", ToolCallId = "call_1", Content = "42" };

        // Act
        var chat = message.ToChatMessage();

        // Assert
        var result = Assert.IsType<FunctionResultContent>(Assert.Single(chat.Contents));
        Assert.Equal((ChatRole.Tool, "call_1", (object?)"42"), (chat.Role, result.CallId, result.Result));
    }

    [Fact]
    public void ToChatMessage_RemoveMessage_Throws()
    {
        // Act + Assert
        Assert.Throws<ArgumentException>(() => RemoveMessage.For("x").ToChatMessage());
    }

    [Fact]
    public void ToMessages_AssistantWithFunctionCallAndUsage_ReturnsAIMessage()
    {
        // Arrange
        var chat = new ChatMessage(ChatRole.Assistant, [
            new TextContent("ok"),
            new FunctionCallContent("call_1", "search", new Dictionary<string, object?> { ["q"] = "x", ["n"] = 2 }),
            new UsageContent(new UsageDetails { InputTokenCount = 10, OutputTokenCount = 4, CachedInputTokenCount = 3 }),
        ])
        { MessageId = "a1" };

        // Act
        var message = Assert.Single(chat.ToMessages());

        // Assert
        JsonAssert.Equal(
            """
            {"content":"ok","additional_kwargs":{},"response_metadata":{},"type":"ai","name":null,"id":"a1",
             "tool_calls":[{"name":"search","args":{"q":"x","n":2},"id":"call_1","type":"tool_call"}],
             "invalid_tool_calls":[],
             "usage_metadata":{"input_tokens":10,"output_tokens":4,"total_tokens":14,"input_token_details":{"cache_read":3}}}
            """,
            message);
    }

    [Fact]
    public void ToMessages_ToolWithTwoResults_ReturnsOneToolMessageEach()
    {
        // Arrange
        var chat = new ChatMessage(ChatRole.Tool, [
            new FunctionResultContent("c1", "done"),
            new FunctionResultContent("c2", new Dictionary<string, object?> { ["n"] = 1 }),
        ]);

        // Act
        var messages = chat.ToMessages();

        // Assert
        Assert.Collection(
            messages,
            m => Assert.Equal(("c1", "done"), (((ToolMessage)m).ToolCallId, m.Content.Text)),
            m => Assert.Equal(("c2", """{"n":1}"""), (((ToolMessage)m).ToolCallId, m.Content.Text)));
    }

    [Fact]
    public void ToMessages_ToolResultWithException_HasErrorStatus()
    {
        // Arrange
        var chat = new ChatMessage(ChatRole.Tool, [
            new FunctionResultContent("c1", "Error: failed") { Exception = new InvalidOperationException("boom") },
        ]);

        // Act
        var tool = Assert.IsType<ToolMessage>(Assert.Single(chat.ToMessages()));

        // Assert
        Assert.Equal(ToolMessageStatus.Error, tool.Status);
    }

    [Fact]
    public void ToMessages_UserWithImage_ReturnsContentBlocks()
    {
        // Arrange
        var chat = new ChatMessage(ChatRole.User, [
            new TextContent("what is this?"),
            new UriContent(new Uri("https://example.com/a.png"), "image/png"),
        ]);

        // Act
        var message = Assert.Single(chat.ToMessages());

        // Assert
        JsonAssert.Equal(
            """[{"type":"text","text":"what is this?"},{"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]""",
            message.Content.Blocks);
    }

    [Fact]
    public void ToMessages_ToolRoleWithoutResult_Throws()
    {
        // Arrange
        var chat = new ChatMessage(ChatRole.Tool, "orphan");

        // Act + Assert
        Assert.Throws<ArgumentException>(() => chat.ToMessages());
    }

    [Fact]
    public void ToChatMessageThenToMessages_AIMessage_RoundTrips()
    {
        // Arrange
        var original = new AIMessage
        {
            Id = "a1",
            Content = "x",
            ToolCalls = [new ToolCall("f", JsonAssert.Parse("""{"a":{"b":[1,2]}}"""), "c1")],
        };

        // Act
        var back = Assert.Single(original.ToChatMessage().ToMessages());

        // Assert
        JsonAssert.Equal(MessageJson.Serialize(original), back);
    }

    [Fact]
    public void ToAIMessage_ChatResponse_CarriesUsageAndMetadata()
    {
        // Arrange
        var response = new ChatResponse(new ChatMessage(ChatRole.Assistant, "hi") { MessageId = "m1" })
        {
            ModelId = "gpt-x",
            FinishReason = ChatFinishReason.Stop,
            Usage = new UsageDetails { InputTokenCount = 3, OutputTokenCount = 1, TotalTokenCount = 4 },
        };

        // Act
        var message = response.ToAIMessage();

        // Assert
        JsonAssert.Equal(
            """
            {"content":"hi","additional_kwargs":{},"response_metadata":{"model_name":"gpt-x","finish_reason":"stop"},
             "type":"ai","name":null,"id":"m1","tool_calls":[],"invalid_tool_calls":[],
             "usage_metadata":{"input_tokens":3,"output_tokens":1,"total_tokens":4}}
            """,
            message);
    }

    [Fact]
    public void ToUsageDetails_UsageMetadata_MapsCounts()
    {
        // Arrange
        var usage = new UsageMetadata(10, 5, 15)
        {
            InputTokenDetails = JsonAssert.Parse("""{"cache_read":4}"""),
            OutputTokenDetails = JsonAssert.Parse("""{"reasoning":2}"""),
        };

        // Act
        var details = usage.ToUsageDetails();

        // Assert
        Assert.Equal(
            (10L, 5L, 15L, 4L, 2L),
            (details.InputTokenCount, details.OutputTokenCount, details.TotalTokenCount, details.CachedInputTokenCount, details.ReasoningTokenCount));
    }
}
