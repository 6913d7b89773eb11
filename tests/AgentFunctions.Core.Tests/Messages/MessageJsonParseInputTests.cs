using System.Text.Json;
using AgentFunctions.Core.Messages;

namespace AgentFunctions.Core.Tests.Messages;

public class MessageJsonParseInputTests
{
    private static IReadOnlyList<Message> ParseInput(string json) =>
        MessageJson.ParseInput(JsonAssert.Parse(json), newId: () => "generated");

    [Fact]
    public void ParseInput_BareString_ReturnsHumanMessage()
    {
        // Act
        var messages = ParseInput("\"hello\"");

        // Assert
        var human = Assert.IsType<HumanMessage>(Assert.Single(messages));
        Assert.Equal("hello", human.Content.Text);
    }

    [Fact]
    public void ParseInput_MissingId_AssignsNewId()
    {
        // Act
        var messages = ParseInput("""{"type":"human","content":"hi"}""");

        // Assert
        Assert.Equal("generated", Assert.Single(messages).Id);
    }

    [Fact]
    public void ParseInput_DefaultIdFactory_AssignsUuid()
    {
        // Act
        var messages = MessageJson.ParseInput(JsonAssert.Parse("\"hi\""));

        // Assert
        Assert.True(Guid.TryParse(Assert.Single(messages).Id, out _));
    }

    [Fact]
    public void ParseInput_GivenId_KeepsIt()
    {
        // Act
        var messages = ParseInput("""{"type":"human","content":"hi","id":"mine"}""");

        // Assert
        Assert.Equal("mine", Assert.Single(messages).Id);
    }

    [Theory]
    [InlineData("user", typeof(HumanMessage))]
    [InlineData("human", typeof(HumanMessage))]
    [InlineData("assistant", typeof(AIMessage))]
    [InlineData("ai", typeof(AIMessage))]
    [InlineData("system", typeof(SystemMessage))]
    public void ParseInput_RoleObject_MapsRoleToType(string role, Type expected)
    {
        // Act
        var messages = ParseInput($$"""{"role":"{{role}}","content":"x"}""");

        // Assert
        Assert.IsType(expected, Assert.Single(messages));
    }

    [Fact]
    public void ParseInput_ToolRoleObject_ReadsToolCallId()
    {
        // Act
        var messages = ParseInput("""{"role":"tool","content":"42","tool_call_id":"c1"}""");

        // Assert
        var tool = Assert.IsType<ToolMessage>(Assert.Single(messages));
        Assert.Equal("c1", tool.ToolCallId);
    }

    [Fact]
    public void ParseInput_DeveloperRole_ReturnsMarkedSystemMessage()
    {
        // Act
        var messages = ParseInput("""{"role":"developer","content":"rules"}""");

        // Assert
        var system = Assert.IsType<SystemMessage>(Assert.Single(messages));
        Assert.Equal("developer", system.AdditionalKwargs.GetProperty("__openai_role__").GetString());
    }

    [Fact]
    public void ParseInput_RoleAndType_RoleDecides()
    {
        // Act
        var messages = ParseInput("""{"role":"user","type":"message","content":"x"}""");

        // Assert
        Assert.IsType<HumanMessage>(Assert.Single(messages));
    }

    [Fact]
    public void ParseInput_RoleContentPair_ReturnsMessageOfRole()
    {
        // Act
        var messages = ParseInput("""[["assistant","hello"]]""");

        // Assert
        var ai = Assert.IsType<AIMessage>(Assert.Single(messages));
        Assert.Equal("hello", ai.Content.Text);
    }

    [Fact]
    public void ParseInput_TopLevelArray_IsListOfMessagesNotPair()
    {
        // Act
        var messages = ParseInput("""["user","hi"]""");

        // Assert
        Assert.All(messages, m => Assert.IsType<HumanMessage>(m));
        Assert.Equal(["user", "hi"], messages.Select(m => m.Content.Text));
    }

    [Fact]
    public void ParseInput_MixedList_CoercesEachForm()
    {
        // Act
        var messages = ParseInput("""
            ["hi", ["ai","hello"], {"role":"user","content":"again"}, {"type":"system","content":"s"}]
            """);

        // Assert
        Assert.Equal(["human", "ai", "human", "system"], messages.Select(m => m.Type));
    }

    [Fact]
    public void ParseInput_AIMessageChunkType_ReturnsChunk()
    {
        // Act
        var messages = ParseInput("""{"type":"AIMessageChunk","content":"x","tool_call_chunks":[{"name":"f","args":"{\"a\":1}","id":"c1","index":0}]}""");

        // Assert
        var chunk = Assert.IsType<AIMessageChunk>(Assert.Single(messages));
        Assert.Equal("f", Assert.Single(chunk.ToolCalls).Name);
    }

    [Fact]
    public void ParseInput_OpenAIStyleToolCall_ParsesArguments()
    {
        // Act
        var messages = ParseInput("""
            {"role":"assistant","content":null,
             "tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{\"q\":\"x\"}"}}]}
            """);

        // Assert
        var call = Assert.Single(Assert.IsType<AIMessage>(Assert.Single(messages)).ToolCalls);
        Assert.Equal(("f", "c1", "x"), (call.Name, call.Id, call.Args.GetProperty("q").GetString()));
    }

    [Fact]
    public void ParseInput_NullContent_BecomesEmptyString()
    {
        // Act
        var messages = ParseInput("""{"type":"ai","content":null}""");

        // Assert
        Assert.Equal("", Assert.Single(messages).Content.Text);
    }

    [Fact]
    public void ParseInput_RemoveWithoutContent_ReturnsRemoveMessage()
    {
        // Act
        var messages = ParseInput("""{"type":"remove","id":"x"}""");

        // Assert
        Assert.Equal("x", Assert.IsType<RemoveMessage>(Assert.Single(messages)).Id);
    }

    [Fact]
    public void ParseInput_FieldOfOtherKind_KeptAsExtraField()
    {
        // Act
        var messages = ParseInput("""{"type":"human","content":"x","tool_call_id":"c1"}""");

        // Assert
        Assert.Equal("c1", Assert.Single(messages).ExtraFields["tool_call_id"].GetString());
    }

    [Fact]
    public void ParseInput_AgentChatUiHumanMessage_RoundTrips()
    {
        // Arrange: the shape agent-chat-ui submits.
        const string Json = """{"id":"3f1c","type":"human","content":[{"type":"text","text":"hi"}]}""";

        // Act
        var message = Assert.Single(ParseInput(Json));

        // Assert
        JsonAssert.Equal(
            """{"content":[{"type":"text","text":"hi"}],"additional_kwargs":{},"response_metadata":{},"type":"human","name":null,"id":"3f1c"}""",
            message);
    }

    [Fact]
    public void Parse_InvalidInput_NeverThrowsJsonException()
    {
        // Arrange
        var inputs = new[] { "1", "true", "null", "{}", "[1]", "[[1,2]]", """{"type":1}""", """{"type":"ai","content":"","tool_calls":"x"}""" };

        // Act
        var exceptions = inputs.Select(i => Record.Exception(() => MessageJson.ParseInput(JsonAssert.Parse(i)))).ToList();

        // Assert
        Assert.All(exceptions, e => Assert.IsType<MessageValidationException>(e));
    }

    [Fact]
    public void ParseInput_CustomPath_PrefixesErrorLocation()
    {
        // Act
        var error = Assert.Throws<MessageValidationException>(
            () => MessageJson.ParseInput(JsonAssert.Parse("[1]"), "$.input.messages"));

        // Assert
        Assert.Equal("$.input.messages[0]", error.Path);
    }

    [Fact]
    public void ParseInput_InputDocumentDisposed_MessagesStayReadable()
    {
        // Arrange
        IReadOnlyList<Message> messages;
        using (var document = JsonDocument.Parse("""[{"type":"ai","content":"","tool_calls":[{"name":"f","args":{"a":1}}]}]"""))
        {
            messages = MessageJson.ParseInput(document.RootElement);
        }

        // Act
        var args = Assert.Single(((AIMessage)messages[0]).ToolCalls).Args.GetProperty("a").GetInt32();

        // Assert
        Assert.Equal(1, args);
    }
}
