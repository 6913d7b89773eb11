using AgentFunctions.Core.Checkpoints;

namespace AgentFunctions.Core.Tests.Checkpoints;

public class CheckpointIdsTests
{
    [Theory]
    [InlineData(1L)]
    [InlineData(4095L)]
    [InlineData(4096L)]
    [InlineData(123_456_789_012L)]
    [InlineData(0x3FFF_FFFF_FFFF_FFFFL)]
    public void TryGetSequence_IdOfASequence_ReturnsThatSequence(long sequence)
    {
        var id = CheckpointIds.Create(sequence, DateTimeOffset.UtcNow);

        Assert.True(CheckpointIds.TryGetSequence(id, out var read));
        Assert.Equal(sequence, read);
        Assert.True(Guid.TryParseExact(id, "D", out _));
    }

    [Fact]
    public void Create_LaterCheckpoints_SortAfterEarlierOnes()
    {
        var start = DateTimeOffset.UtcNow;
        var ids = Enumerable.Range(1, 50).Select(i => CheckpointIds.Create(i, start.AddMilliseconds(i / 10))).ToList();

        Assert.Equal(ids, ids.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not-a-guid")]
    [InlineData("6f1c2d4e-8a9b-4c3d-9e8f-1a2b3c4d5e6f")] // version 4
    [InlineData("1efc7b2e-0000-7000-8000-000000000000")] // version 7, sequence 0
    public void TryGetSequence_NotACheckpointId_ReturnsFalse(string? id)
    {
        Assert.False(CheckpointIds.TryGetSequence(id, out _));
    }
}
