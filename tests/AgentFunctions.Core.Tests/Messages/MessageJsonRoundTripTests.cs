using System.Text.Json;
using AgentFunctions.Core.Messages;

namespace AgentFunctions.Core.Tests.Messages;

public class MessageJsonRoundTripTests
{
    [Theory]
    [InlineData("""{"content":"hi","additional_kwargs":{},"response_metadata":{},"type":"human","name":null,"id":"h1"}""")]
    [InlineData("""{"content":"rules","additional_kwargs":{"__openai_role__":"developer"},"response_metadata":{},"type":"system","name":"sys","id":"s1"}""")]
    [InlineData("""{"content":"","additional_kwargs":{},"response_metadata":{"model_name":"gpt","finish_reason":"tool_calls"},"type":"ai","name":null,"id":"a1","tool_calls":[{"name":"f","args":{"a":{"b":[1,null,true]}},"id":"c1","type":"tool_call"}],"invalid_tool_calls":[],"usage_metadata":{"input_tokens":1,"output_tokens":2,"total_tokens":3,"input_token_details":{"cache_read":1,"vendor_specific":9}}}""")]
    [InlineData("""{"content":"x","additional_kwargs":{},"response_metadata":{},"type":"AIMessageChunk","name":null,"id":"a1","tool_calls":[{"name":"f","args":{"a":1},"id":"c1","type":"tool_call"}],"invalid_tool_calls":[],"tool_call_chunks":[{"name":"f","args":"{\"a\":1}","id":"c1","index":0,"type":"tool_call_chunk"}]}""")]
    [InlineData("""{"content":"ok","additional_kwargs":{},"response_metadata":{},"type":"tool","name":"f","id":"t1","tool_call_id":"c1","status":"error","artifact":null}""")]
    [InlineData("""{"content":"","additional_kwargs":{},"response_metadata":{},"type":"remove","name":null,"id":"h1"}""")]
    public void ParseThenWrite_CanonicalMessage_ReturnsSameJson(string json)
    {
        // Arrange
        var input = JsonAssert.Parse(json);

        // Act
        var message = MessageJson.Parse(input);

        // Assert
        JsonAssert.Equal(json, message);
    }

    [Fact]
    public void ParseThenWrite_ContentBlocks_KeepsBlocksVerbatim()
    {
        // Arrange
        const string Json = """
            {"content":["plain",{"type":"text","text":"look","cache_control":{"type":"ephemeral"}},
                        {"type":"image_url","image_url":{"url":"data:image/png;base64,AAA","detail":"high"}},
                        {"type":"custom","payload":{"n":[1.5,-2e3]}}],
             "additional_kwargs":{},"response_metadata":{},"type":"human","name":null,"id":"h1"}
            """;

        // Act
        var message = MessageJson.Parse(JsonAssert.Parse(Json));

        // Assert
        JsonAssert.Equal(Json, message);
    }

    [Fact]
    public void ParseThenWrite_NestedKwargs_KeepsEveryField()
    {
        // Arrange
        const string Json = """
            {"content":"hi","additional_kwargs":{"a":{"b":{"c":[{"d":null}]}},"unicode":"é😀","big":12345678901234567890},
             "response_metadata":{"x":[[]]},"type":"human","name":null,"id":"h1"}
            """;

        // Act
        var message = MessageJson.Parse(JsonAssert.Parse(Json));

        // Assert
        JsonAssert.Equal(Json, message);
    }

    [Fact]
    public void ParseThenWrite_UnknownTopLevelField_KeepsIt()
    {
        // Arrange
        const string Json = """{"content":"hi","additional_kwargs":{},"response_metadata":{},"type":"human","name":null,"id":"h1","example":false,"x-client":{"n":1}}""";

        // Act
        var message = MessageJson.Parse(JsonAssert.Parse(Json));

        // Assert
        JsonAssert.Equal(Json, message);
    }

    [Fact]
    public void Parse_ElementOfDisposedDocument_StaysReadable()
    {
        // Arrange
        Message message;
        using (var document = JsonDocument.Parse("""{"type":"human","content":[{"type":"text","text":"hi"}],"additional_kwargs":{"k":1}}"""))
        {
            message = MessageJson.Parse(document.RootElement);
        }

        // Act
        var json = MessageJson.SerializeToElement(message);

        // Assert
        Assert.Equal("hi", message.Content.ToText());
        Assert.Equal(1, json.GetProperty("additional_kwargs").GetProperty("k").GetInt32());
    }

    [Fact]
    public void Deserialize_JsonSerializerWithSourceGeneratedContext_ReadsList()
    {
        // Arrange
        const string Json = """[{"type":"human","content":"a","id":"1"},{"type":"ai","content":"b","id":"2"}]""";

        // Act
        var messages = JsonSerializer.Deserialize(Json, MessagesTestJsonContext.Default.ListMessage)!;

        // Assert
        Assert.Collection(messages, m => Assert.IsType<HumanMessage>(m), m => Assert.IsType<AIMessage>(m));
    }

    [Fact]
    public void ParseList_StoredState_KeepsIdsAndOrder()
    {
        // Arrange
        var json = MessageJson.SerializeToElement(new Message[]
        {
            new HumanMessage { Id = "1", Content = "a" },
            new AIMessage { Id = "2", Content = "b" },
        });

        // Act
        var messages = MessageJson.ParseList(json);

        // Assert
        Assert.Equal(["1", "2"], messages.Select(m => m.Id));
    }
}
