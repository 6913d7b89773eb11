using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Stores;
using Microsoft.Extensions.Time.Testing;

namespace AgentFunctions.Core.Tests.Runs;

public class RunIdsTests
{
    [Fact]
    public void New_ManyWithinOneMillisecond_SortInTheOrderTheyWereMade()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2031, 5, 6, 7, 8, 9, TimeSpan.Zero));

        var ids = Enumerable.Range(0, 5000).Select(_ => RunIds.New(clock)).ToList();

        Assert.Equal(ids, ids.Order(StringComparer.Ordinal));
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public void New_Always_IsAValidLowercaseVersion7ResourceId()
    {
        var id = RunIds.New();

        Assert.True(RunIds.IsValid(id));
        Assert.True(ResourceIds.IsValid(id));
        Assert.Equal(id.ToLowerInvariant(), id);
        Assert.Equal('7', id[14]);
    }

    [Fact]
    public void New_LaterClock_SortsAfter()
    {
        var earlier = RunIds.New(new FakeTimeProvider(new DateTimeOffset(2040, 1, 1, 0, 0, 0, TimeSpan.Zero)));

        var later = RunIds.New(new FakeTimeProvider(new DateTimeOffset(2040, 1, 1, 0, 0, 1, TimeSpan.Zero)));

        Assert.True(string.CompareOrdinal(earlier, later) < 0);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("agent")]
    [InlineData("3f2c1d7e-8a4b-4c3d-9e2f-1a2b3c4d5e6f")]
    [InlineData("01A1FDF2-39E5-7000-8F96-2041F0D3CCE5")]
    [InlineData("01a1fdf239e570008f962041f0d3cce5")]
    [InlineData("01a1fdf2-39e5-7000-cf96-2041f0d3cce5")]
    public void IsValid_NotAVersion7LowercaseUuid_ReturnsFalse(string? id)
    {
        Assert.False(RunIds.IsValid(id));
    }
}
