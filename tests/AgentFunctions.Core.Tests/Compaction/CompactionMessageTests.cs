using AgentFunctions.Core.Compaction;

namespace AgentFunctions.Core.Tests.Compaction;

public class CompactionMessageTests
{
    [Fact]
    public void Parse_WhatToBinaryDataWrote_IsTheSameMessage()
    {
        var message = new CompactionMessage("owner", "thread") { Work = CompactionWork.DeleteThread, ThreadETag = "W/\"1\"" };

        var parsed = CompactionMessage.Parse(message.ToBinaryData());

        Assert.Equal(message, parsed);
    }

    [Fact]
    public void Parse_MessageWithoutWorkOrRequestId_IsACompactionWithAFreshRequestId()
    {
        var parsed = CompactionMessage.Parse("""{"owner_id":"o","thread_id":"t"}""");

        Assert.Equal(CompactionWork.Compact, parsed.Work);
        Assert.NotEmpty(parsed.RequestId);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"owner_id":"o"}""")]
    [InlineData("""{"owner_id":"o","thread_id":"t","work":"shred"}""")]
    public void Parse_NotACompactionMessage_IsAFormatException(string body)
    {
        Assert.Throws<FormatException>(() => CompactionMessage.Parse(body));
    }

    [Fact]
    public void HasPendingRequest_RequestAfterTheLastCompactionWithinTheTimeout_IsPending()
    {
        var now = DateTimeOffset.UtcNow;
        var mark = new CompactionMark { LatestSequence = 30, CompactedSequence = 10, RequestedSequence = 25, RequestedAt = now.AddMinutes(-1) };

        Assert.True(mark.HasPendingRequest(now, TimeSpan.FromMinutes(15)));
        Assert.False(mark.HasPendingRequest(now.AddMinutes(20), TimeSpan.FromMinutes(15)));
        Assert.False((mark with { CompactedSequence = 25 }).HasPendingRequest(now, TimeSpan.FromMinutes(15)));
    }
}
