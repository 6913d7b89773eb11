using AgentFunctions.Core.Runs;

namespace AgentFunctions.Core.Tests.Runs;

public sealed class RunMessageTests
{
    [Fact]
    public void Parse_MessageWithoutTraceParent_ParsesWithNone()
    {
        var body = BinaryData.FromString("""{"owner_id":"o","thread_id":"t","run_id":"r"}""");

        var message = RunMessage.Parse(body);

        Assert.Equal(new RunMessage("o", "t", "r"), message);
        Assert.Null(message.TraceParent);
    }

    [Fact]
    public void ToBinaryData_WithTraceParent_ParsesBackTheSame()
    {
        var sent = new RunMessage("o", "t", "r", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");

        var received = RunMessage.Parse(sent.ToBinaryData());

        Assert.Equal(sent, received);
    }
}
