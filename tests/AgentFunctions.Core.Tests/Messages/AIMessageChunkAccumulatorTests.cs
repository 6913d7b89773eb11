using AgentFunctions.Core.Messages;
using Microsoft.Extensions.AI;

namespace AgentFunctions.Core.Tests.Messages;

public class AIMessageChunkAccumulatorTests
{
    [Fact]
    public void Add_TextDeltas_ConcatenatesContent()
    {
        // Arrange
        var accumulator = new AIMessageChunkAccumulator();

        // Act
        accumulator.Add(new AIMessageChunk { Id = "a1", Content = "Hel" });
        accumulator.Add(new AIMessageChunk { Id = "a1", Content = "lo" });

        // Assert
        Assert.Equal(("a1", "Hello"), (accumulator.ToMessage().Id, accumulator.ToMessage().Content.Text));
    }

    [Fact]
    public void Add_ToolCallChunksByIndex_MergesIntoToolCalls()
    {
        // Arrange
        var accumulator = new AIMessageChunkAccumulator();

        // Act
        accumulator.Add(new AIMessageChunk { ToolCallChunks = [new ToolCallChunk("search", "{\"q\": \"we", "c1", 0)] });
        accumulator.Add(new AIMessageChunk { ToolCallChunks = [new ToolCallChunk("lookup", "", "c2", 1)] });
        accumulator.Add(new AIMessageChunk { ToolCallChunks = [new ToolCallChunk(null, "ather\"}", null, 0)] });

        // Assert
        JsonAssert.Equal(
            """
            [{"name":"search","args":{"q":"weather"},"id":"c1","type":"tool_call"},
             {"name":"lookup","args":{},"id":"c2","type":"tool_call"}]
            """,
            MessageJson.SerializeToElement(accumulator.ToMessage()).GetProperty("tool_calls"));
    }

    [Fact]
    public void ToChunk_PartialToolArgs_ShowsPartiallyParsedArgs()
    {
        // Arrange
        var accumulator = new AIMessageChunkAccumulator();
        accumulator.Add(new AIMessageChunk { ToolCallChunks = [new ToolCallChunk("search", "{\"q\": \"wea", "c1", 0)] });

        // Act
        var partial = accumulator.ToChunk();

        // Assert
        Assert.Equal("wea", Assert.Single(partial.ToolCalls).Args.GetProperty("q").GetString());
    }

    [Fact]
    public void ToMessage_UnparseableArgs_ReturnsInvalidToolCall()
    {
        // Arrange
        var accumulator = new AIMessageChunkAccumulator();
        accumulator.Add(new AIMessageChunk { ToolCallChunks = [new ToolCallChunk("f", "[1, 2]", "c1", 0)] });

        // Act
        var message = accumulator.ToMessage();

        // Assert
        Assert.Equal(("[1, 2]", 0), (Assert.Single(message.InvalidToolCalls).Args, message.ToolCalls.Count));
    }

    [Fact]
    public void Add_UsageInSeveralChunks_SumsCounts()
    {
        // Arrange
        var accumulator = new AIMessageChunkAccumulator();

        // Act
        accumulator.Add(new AIMessageChunk { UsageMetadata = new UsageMetadata(10, 0, 10) });
        accumulator.Add(new AIMessageChunk { UsageMetadata = new UsageMetadata(0, 5, 5) });

        // Assert
        Assert.Equal(new UsageMetadata(10, 5, 15), accumulator.ToMessage().UsageMetadata);
    }

    [Fact]
    public void Add_ResponseMetadataPieces_MergesThem()
    {
        // Arrange
        var accumulator = new AIMessageChunkAccumulator();

        // Act
        accumulator.Add(new AIMessageChunk { ResponseMetadata = JsonAssert.Parse("""{"model_name":"m","model_provider":"p"}""") });
        accumulator.Add(new AIMessageChunk { ResponseMetadata = JsonAssert.Parse("""{"model_provider":"p","finish_reason":"stop"}""") });

        // Assert
        JsonAssert.Equal("""{"model_name":"m","model_provider":"p","finish_reason":"stop"}""", accumulator.ToMessage().ResponseMetadata);
    }

    [Fact]
    public void Add_ContentBlocksWithIndex_MergesBlockText()
    {
        // Arrange
        var accumulator = new AIMessageChunkAccumulator();

        // Act
        accumulator.Add(new AIMessageChunk { Content = MessageContent.FromBlocks(JsonAssert.Parse("""[{"type":"text","text":"Hel","index":0}]""")) });
        accumulator.Add(new AIMessageChunk { Content = MessageContent.FromBlocks(JsonAssert.Parse("""[{"type":"text","text":"lo","index":0}]""")) });

        // Assert
        JsonAssert.Equal("""[{"type":"text","text":"Hello","index":0}]""", accumulator.ToMessage().Content.Blocks);
    }

    [Fact]
    public void ToChunk_Accumulated_SerializesAsAIMessageChunk()
    {
        // Arrange
        var accumulator = new AIMessageChunkAccumulator();
        accumulator.Add(new AIMessageChunk { Id = "a1", Content = "Hi" });

        // Act
        var chunk = accumulator.ToChunk();

        // Assert
        JsonAssert.Equal(
            """
            {"content":"Hi","additional_kwargs":{},"response_metadata":{},"type":"AIMessageChunk","name":null,"id":"a1",
             "tool_calls":[],"invalid_tool_calls":[],"tool_call_chunks":[]}
            """,
            chunk);
    }

    [Fact]
    public void Add_ChatResponseUpdates_NumbersToolCallsAcrossUpdates()
    {
        // Arrange
        var accumulator = new AIMessageChunkAccumulator();
        var first = new ChatResponseUpdate(ChatRole.Assistant, [new FunctionCallContent("c1", "f", new Dictionary<string, object?> { ["a"] = 1 })]);
        var second = new ChatResponseUpdate(ChatRole.Assistant, [new FunctionCallContent("c2", "g", null)]);

        // Act
        var delta1 = accumulator.Add(first, "m1");
        var delta2 = accumulator.Add(second, "m1");

        // Assert
        Assert.Equal((0, 1), (Assert.Single(delta1.ToolCallChunks).Index, Assert.Single(delta2.ToolCallChunks).Index));
        Assert.Equal(["c1", "c2"], accumulator.ToMessage().ToolCalls.Select(c => c.Id));
    }

    [Fact]
    public void Add_ChatResponseUpdatesWithText_ReturnsDeltaAndAccumulates()
    {
        // Arrange
        var accumulator = new AIMessageChunkAccumulator();

        // Act
        var delta = accumulator.Add(new ChatResponseUpdate(ChatRole.Assistant, "Hel") { ModelId = "m" }, "m1");
        accumulator.Add(new ChatResponseUpdate(ChatRole.Assistant, "lo") { ModelId = "m" }, "m1");
        accumulator.Add(new ChatResponseUpdate { Contents = [new UsageContent(new UsageDetails { InputTokenCount = 2, OutputTokenCount = 3 })] }, "m1");

        // Assert
        Assert.Equal(("Hel", "m1"), (delta.Content.Text, delta.Id));
        JsonAssert.Equal(
            """
            {"content":"Hello","additional_kwargs":{},"response_metadata":{"model_name":"m"},"type":"ai","name":null,"id":"m1",
             "tool_calls":[],"invalid_tool_calls":[],"usage_metadata":{"input_tokens":2,"output_tokens":3,"total_tokens":5}}
            """,
            accumulator.ToMessage());
    }

    [Theory]
    [InlineData("{\"a\": \"b\", \"c", """{"a":"b"}""")]
    [InlineData("{\"a\": [1, 2", """{"a":[1,2]}""")]
    [InlineData("{\"a\": tr", """{}""")]
    [InlineData("{\"a\": {\"b\": \"x\\\"y", """{"a":{"b":"x\"y"}}""")]
    [InlineData("{\"a\": 1}", """{"a":1}""")]
    public void PartialJsonTryParse_Prefix_CompletesIt(string text, string expected)
    {
        // Act
        var value = PartialJson.TryParse(text);

        // Assert
        JsonAssert.Equal(expected, Assert.NotNull(value));
    }

    [Fact]
    public void PartialJsonTryParse_Garbage_ReturnsNull()
    {
        // Act
        var value = PartialJson.TryParse("}{");

        // Assert
        Assert.Null(value);
    }
}
