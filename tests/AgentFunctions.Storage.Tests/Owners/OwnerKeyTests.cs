using AgentFunctions.Storage.Owners;
using AgentFunctions.Storage.Tables;

namespace AgentFunctions.Storage.Tests.Owners;

public class OwnerKeyTests
{
    [Theory]
    [InlineData("alice@example.com")]
    [InlineData("a/b#c?d\\e")]
    [InlineData("ünïcødé 🚀")]
    [InlineData("tab\tand\u0001control")]
    public void ToPartitionKey_AnyOwner_IsAValidKey(string owner)
    {
        Assert.True(TableKeys.IsValidKey(OwnerKey.ToPartitionKey(owner), out _));
    }

    [Fact]
    public void ToPartitionKey_VeryLongOwners_AreValidAndDistinct()
    {
        var first = new string('a', 5000);
        var second = new string('a', 4999) + "b";

        var keys = new[] { OwnerKey.ToPartitionKey(first), OwnerKey.ToPartitionKey(second), OwnerKey.ToPartitionKey(new string('é', 300)) };

        Assert.All(keys, k => Assert.True(TableKeys.IsValidKey(k, out _)));
        Assert.Equal(3, keys.Distinct().Count());
    }

    [Fact]
    public void ToPartitionKey_OwnersThatLookAlike_GetDistinctKeys()
    {
        Assert.NotEqual(OwnerKey.ToPartitionKey("alice"), OwnerKey.ToPartitionKey("Alice"));
        Assert.NotEqual(OwnerKey.ToPartitionKey("a b"), OwnerKey.ToPartitionKey("a_b"));
    }
}
