using System.Text.Json;
using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Runtime;

namespace AgentFunctions.Core.Tests.Runs;

public class RunOptionsTests
{
    [Fact]
    public void Parse_FullRequest_ReadsEveryOption()
    {
        var options = Parse("""
            {"assistant_id":"agent","input":{"messages":[{"role":"user","content":"hi"}]},"config":{"recursion_limit":5},
             "stream_mode":["messages-tuple","values","values"],"interrupt_before":["tools"],"interrupt_after":"*",
             "multitask_strategy":"enqueue","stream_resumable":true,"on_disconnect":"continue"}
            """);

        Assert.Equal([StreamMode.MessagesTuple, StreamMode.Values], options.StreamModes);
        Assert.Equal(["tools"], options.InterruptBefore);
        Assert.Equal(["*"], options.InterruptAfter);
        Assert.Equal(MultitaskStrategy.Enqueue, options.MultitaskStrategy);
        Assert.True(options.StreamResumable);
        Assert.Equal(DisconnectAction.Continue, options.OnDisconnect);
        Assert.Equal("hi", options.ToStateUpdate()!.Messages![0].Content.ToText());
    }

    [Fact]
    public void Parse_Defaults_ValuesModeRejectNoInput()
    {
        var options = Parse("""{"assistant_id":"agent"}""");

        Assert.Equal([StreamMode.Values], options.StreamModes);
        Assert.Equal(MultitaskStrategy.Reject, options.MultitaskStrategy);
        Assert.Null(options.ToStateUpdate());
        Assert.Null(options.OnDisconnect);
    }

    [Fact]
    public void ToJson_ThenParse_KeepsTheOptions()
    {
        var options = Parse("""{"input":{"messages":"hi"},"stream_mode":"updates","checkpoint":{"checkpoint_id":"00000000-0000-7001-8000-000000000001"},"multitask_strategy":"rollback"}""");

        var again = RunOptions.Parse(options.ToJson());

        Assert.Equal(options.StreamModes, again.StreamModes);
        Assert.Equal(options.CheckpointId, again.CheckpointId);
        Assert.Equal(MultitaskStrategy.Rollback, again.MultitaskStrategy);
        Assert.Equal(options.Input!.Value.GetRawText(), again.Input!.Value.GetRawText());
    }

    [Theory]
    [InlineData("""{"input":5}""", "$.input")]
    [InlineData("""{"stream_mode":"tokens"}""", "$.stream_mode")]
    [InlineData("""{"stream_mode":["values",3]}""", "$.stream_mode[1]")]
    [InlineData("""{"interrupt_before":["nowhere"]}""", "$.interrupt_before[0]")]
    [InlineData("""{"multitask_strategy":"sometimes"}""", "$.multitask_strategy")]
    [InlineData("""{"checkpoint_id":"not-an-id"}""", "$.checkpoint_id")]
    [InlineData("""{"config":[]}""", "$.config")]
    [InlineData("""{"input":{"messages":[{"role":"wizard","content":"x"}]}}""", "$.input.messages[0]")]
    [InlineData("""{"input":{},"command":{"resume":"yes"}}""", "$.command")]
    [InlineData("""{"on_disconnect":"explode"}""", "$.on_disconnect")]
    public void Parse_InvalidValue_ThrowsWithThePath(string body, string path)
    {
        var error = Assert.Throws<RunOptionsException>(() => Parse(body));

        Assert.StartsWith(path, error.Path, StringComparison.Ordinal);
    }

    private static RunOptions Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return RunOptions.Parse(document.RootElement);
    }
}
