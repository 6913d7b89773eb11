using System.Text.Json;
using AgentFunctions.Core.Stores;
using AgentFunctions.Core.Threads;

namespace AgentFunctions.Core.Tests.Threads;

public class AgentThreadTests
{
    [Fact]
    public void New_WithoutObjects_HasEmptyMetadataAndConfigAndIsIdle()
    {
        var thread = new AgentThread { ThreadId = "t", OwnerId = "o" };

        Assert.Equal("{}", thread.Metadata.GetRawText());
        Assert.Equal("{}", thread.Config.GetRawText());
        Assert.Equal(ThreadStatus.Idle, thread.Status);
    }

    [Fact]
    public void Metadata_SetToAnArray_ThrowsArgumentException()
    {
        var array = JsonObjects.Parse("[1]");

        Assert.Throws<ArgumentException>(() => new AgentThread { ThreadId = "t", OwnerId = "o", Metadata = array });
    }

    [Theory]
    [InlineData(ThreadStatus.Idle, "idle")]
    [InlineData(ThreadStatus.Busy, "busy")]
    [InlineData(ThreadStatus.Interrupted, "interrupted")]
    [InlineData(ThreadStatus.Error, "error")]
    public void ToWireName_EachStatus_IsLangGraphsName(ThreadStatus status, string name)
    {
        Assert.Equal(name, status.ToWireName());
    }

    [Theory]
    [InlineData(ThreadStatus.Idle, "\"idle\"")]
    [InlineData(ThreadStatus.Interrupted, "\"interrupted\"")]
    public void Serialize_Status_WritesTheWireName(ThreadStatus status, string json)
    {
        Assert.Equal(json, JsonSerializer.Serialize(status));
    }

    [Theory]
    [InlineData("busy", ThreadStatus.Busy)]
    [InlineData("error", ThreadStatus.Error)]
    public void TryParse_WireName_ReturnsTheStatus(string name, ThreadStatus status)
    {
        Assert.True(ThreadStatusNames.TryParse(name, out var parsed));
        Assert.Equal(status, parsed);
    }

    [Theory]
    [InlineData("Busy")]
    [InlineData("running")]
    [InlineData("")]
    [InlineData(null)]
    public void TryParse_UnknownName_ReturnsFalse(string? name)
    {
        Assert.False(ThreadStatusNames.TryParse(name, out _));
    }
}
