using AgentFunctions.Core.Messages;

namespace AgentFunctions.Core.Tests.Messages;

public class MessageJsonWriteTests
{
    [Fact]
    public void Write_HumanMessage_WritesLangChainShape()
    {
        // Arrange
        var message = new HumanMessage { Id = "h1", Content = "hello" };

        // Act + Assert
        JsonAssert.Equal(
            """{"content":"hello","additional_kwargs":{},"response_metadata":{},"type":"human","name":null,"id":"h1"}""",
            message);
    }

    [Fact]
    public void Write_SystemMessage_WritesLangChainShape()
    {
        // Arrange
        var message = new SystemMessage { Id = "s1", Content = "be brief", Name = "setup" };

        // Act + Assert
        JsonAssert.Equal(
            """{"content":"be brief","additional_kwargs":{},"response_metadata":{},"type":"system","name":"setup","id":"s1"}""",
            message);
    }

    [Fact]
    public void Write_AIMessageWithToolCallsAndUsage_WritesLangChainShape()
    {
        // Arrange
        var message = new AIMessage
        {
            Id = "a1",
            Content = "",
            ToolCalls = [new ToolCall("search", JsonAssert.Parse("""{"q":"x","n":2}"""), "call_1")],
            InvalidToolCalls = [new InvalidToolCall("broken", "{oops", "call_2", "bad json")],
            UsageMetadata = new UsageMetadata(10, 5, 15) { OutputTokenDetails = JsonAssert.Parse("""{"reasoning":3}""") },
        };

        // Act + Assert
        JsonAssert.Equal(
            """
            {"content":"","additional_kwargs":{},"response_metadata":{},"type":"ai","name":null,"id":"a1",
             "tool_calls":[{"name":"search","args":{"q":"x","n":2},"id":"call_1","type":"tool_call"}],
             "invalid_tool_calls":[{"name":"broken","args":"{oops","id":"call_2","error":"bad json","type":"invalid_tool_call"}],
             "usage_metadata":{"input_tokens":10,"output_tokens":5,"total_tokens":15,"output_token_details":{"reasoning":3}}}
            """,
            message);
    }

    [Fact]
    public void Write_AIMessageWithoutUsage_OmitsUsageMetadata()
    {
        // Arrange
        var message = new AIMessage { Id = "a1", Content = "hi" };

        // Act + Assert
        JsonAssert.Equal(
            """{"content":"hi","additional_kwargs":{},"response_metadata":{},"type":"ai","name":null,"id":"a1","tool_calls":[],"invalid_tool_calls":[]}""",
            message);
    }

    [Fact]
    public void Write_AIMessageChunk_WritesChunkTypeAndToolCallChunks()
    {
        // Arrange
        var message = new AIMessageChunk
        {
            Id = "a1",
            Content = "Hel",
            ToolCallChunks = [new ToolCallChunk("search", "{\"q\":", "call_1", 0)],
        };

        // Act + Assert
        JsonAssert.Equal(
            """
            {"content":"Hel","additional_kwargs":{},"response_metadata":{},"type":"AIMessageChunk","name":null,"id":"a1",
             "tool_calls":[],"invalid_tool_calls":[],
             "tool_call_chunks":[{"name":"search","args":"{\"q\":","id":"call_1","index":0,"type":"tool_call_chunk"}]}
            """,
            message);
    }

    [Fact]
    public void Write_ToolMessage_WritesToolCallIdAndStatus()
    {
        // Arrange
        var message = new ToolMessage { Id = "t1", ToolCallId = "call_1", Name = "search", Content = "42" };

        // Act + Assert
        JsonAssert.Equal(
            """{"content":"42","additional_kwargs":{},"response_metadata":{},"type":"tool","name":"search","id":"t1","tool_call_id":"call_1","status":"success"}""",
            message);
    }

    [Fact]
    public void Write_ToolMessageWithErrorAndArtifact_WritesBoth()
    {
        // Arrange
        var message = new ToolMessage
        {
            Id = "t1",
            ToolCallId = "call_1",
            Content = "failed",
            Status = ToolMessageStatus.Error,
            Artifact = JsonAssert.Parse("""{"rows":[1,2]}"""),
        };

        // Act + Assert
        JsonAssert.Equal(
            """{"content":"failed","additional_kwargs":{},"response_metadata":{},"type":"tool","name":null,"id":"t1","tool_call_id":"call_1","status":"error","artifact":{"rows":[1,2]}}""",
            message);
    }

    [Fact]
    public void Write_RemoveMessage_WritesRemoveType()
    {
        // Arrange
        var message = RemoveMessage.For("h1");

        // Act + Assert
        JsonAssert.Equal(
            """{"content":"","additional_kwargs":{},"response_metadata":{},"type":"remove","name":null,"id":"h1"}""",
            message);
    }

    [Fact]
    public void Serialize_JsonSerializerWithConverterAttribute_UsesMessageShape()
    {
        // Arrange
        Message message = new HumanMessage { Id = "h1", Content = "hello" };

        // Act
        var json = System.Text.Json.JsonSerializer.SerializeToElement(message, MessagesTestJsonContext.Default.Message);

        // Assert
        JsonAssert.Equal(
            """{"content":"hello","additional_kwargs":{},"response_metadata":{},"type":"human","name":null,"id":"h1"}""",
            json);
    }
}
