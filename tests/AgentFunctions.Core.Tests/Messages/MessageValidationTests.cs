using AgentFunctions.Core.Messages;

namespace AgentFunctions.Core.Tests.Messages;

public class MessageValidationTests
{
    [Theory]
    [InlineData("""[{"type":"robot","content":"x"}]""", "$[0].type")]
    [InlineData("""[{"role":"function","content":"x"}]""", "$[0].role")]
    [InlineData("""[{"content":"x"}]""", "$[0]")]
    [InlineData("""[{"type":"human"}]""", "$[0]")]
    [InlineData("""[{"type":5,"content":"x"}]""", "$[0].type")]
    [InlineData("""[42]""", "$[0]")]
    [InlineData("""[["user","hi","extra"]]""", "$[0]")]
    [InlineData("""[[1,"hi"]]""", "$[0][0]")]
    [InlineData("""[["robot","hi"]]""", "$[0][0]")]
    [InlineData("""[["user",5]]""", "$[0][1]")]
    [InlineData("""[{"type":"human","content":5}]""", "$[0].content")]
    [InlineData("""[{"type":"human","content":[1]}]""", "$[0].content[0]")]
    [InlineData("""[{"type":"human","content":"x","id":7}]""", "$[0].id")]
    [InlineData("""[{"type":"human","content":"x","name":[]}]""", "$[0].name")]
    [InlineData("""[{"type":"human","content":"x","additional_kwargs":[]}]""", "$[0].additional_kwargs")]
    [InlineData("""[{"type":"human","content":"x","response_metadata":"no"}]""", "$[0].response_metadata")]
    [InlineData("""[{"type":"tool","content":"x"}]""", "$[0]")]
    [InlineData("""[{"type":"tool","content":"x","tool_call_id":3}]""", "$[0].tool_call_id")]
    [InlineData("""[{"type":"tool","content":"x","tool_call_id":"c","status":"maybe"}]""", "$[0].status")]
    [InlineData("""[{"type":"remove"}]""", "$[0]")]
    [InlineData("""[{"type":"ai","content":"","tool_calls":{}}]""", "$[0].tool_calls")]
    [InlineData("""[{"type":"ai","content":"","tool_calls":[1]}]""", "$[0].tool_calls[0]")]
    [InlineData("""[{"type":"ai","content":"","tool_calls":[{"args":{}}]}]""", "$[0].tool_calls[0]")]
    [InlineData("""[{"type":"ai","content":"","tool_calls":[{"name":"f","args":"{}"}]}]""", "$[0].tool_calls[0].args")]
    [InlineData("""[{"type":"ai","content":"","tool_calls":[{"name":"f","args":[1]}]}]""", "$[0].tool_calls[0].args")]
    [InlineData("""[{"type":"ai","content":"","tool_calls":[{"name":"f","args":{},"id":1}]}]""", "$[0].tool_calls[0].id")]
    [InlineData("""[{"type":"ai","content":"","tool_calls":[{"name":"f","args":{},"type":"other"}]}]""", "$[0].tool_calls[0].type")]
    [InlineData("""[{"type":"ai","content":"","tool_calls":[{"function":{"name":"f","arguments":"[1]"}}]}]""", "$[0].tool_calls[0].function.arguments")]
    [InlineData("""[{"type":"ai","content":"","tool_calls":[{"function":{"name":"f","arguments":"{nope"}}]}]""", "$[0].tool_calls[0].function.arguments")]
    [InlineData("""[{"type":"ai","content":"","invalid_tool_calls":[{"args":{}}]}]""", "$[0].invalid_tool_calls[0].args")]
    [InlineData("""[{"type":"AIMessageChunk","content":"","tool_call_chunks":[{"index":"first"}]}]""", "$[0].tool_call_chunks[0].index")]
    [InlineData("""[{"type":"ai","content":"","usage_metadata":{"input_tokens":1,"output_tokens":1}}]""", "$[0].usage_metadata")]
    [InlineData("""[{"type":"ai","content":"","usage_metadata":{"input_tokens":"1","output_tokens":1,"total_tokens":2}}]""", "$[0].usage_metadata.input_tokens")]
    [InlineData("""[{"type":"ai","content":"","usage_metadata":{"input_tokens":-1,"output_tokens":1,"total_tokens":2}}]""", "$[0].usage_metadata.input_tokens")]
    [InlineData("""[{"type":"ai","content":"","usage_metadata":{"input_tokens":1,"output_tokens":1,"total_tokens":2,"input_token_details":3}}]""", "$[0].usage_metadata.input_token_details")]
    public void ParseInput_InvalidMessage_ThrowsWithLocation(string json, string expectedPath)
    {
        // Act
        var error = Assert.Throws<MessageValidationException>(() => MessageJson.ParseInput(JsonAssert.Parse(json)));

        // Assert
        Assert.Equal(expectedPath, error.Path);
    }

    [Fact]
    public void ParseInput_UnknownType_ExplainsAllowedTypes()
    {
        // Act
        var error = Assert.Throws<MessageValidationException>(
            () => MessageJson.ParseInput(JsonAssert.Parse("""{"type":"robot","content":"x"}""")));

        // Assert
        Assert.Equal(
            "Unknown message type 'robot'; expected one of human, user, ai, assistant, system, developer, tool, remove.",
            error.Reason);
    }

    [Fact]
    public void ParseInput_ToolMessageWithoutToolCallId_SaysWhatIsMissing()
    {
        // Act
        var error = Assert.Throws<MessageValidationException>(
            () => MessageJson.ParseInput(JsonAssert.Parse("""{"type":"tool","content":"x"}""")));

        // Assert
        Assert.Contains("tool_call_id", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseList_NotAnArray_Throws()
    {
        // Act
        var error = Assert.Throws<MessageValidationException>(() => MessageJson.ParseList(JsonAssert.Parse("{}")));

        // Assert
        Assert.Equal("$", error.Path);
    }
}
