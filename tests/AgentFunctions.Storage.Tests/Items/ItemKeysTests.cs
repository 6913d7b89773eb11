using AgentFunctions.Storage.Items;
using AgentFunctions.Storage.Tables;

namespace AgentFunctions.Storage.Tests.Items;

/// <summary>The store's RowKeys: valid table keys that decode back, with every namespace prefix a key range.</summary>
public class ItemKeysTests
{
    public static TheoryData<string[], string> Items => new()
    {
        { ["users", "ann"], "colour" },
        { ["a b", "x/y", "#?\\"], "k.with.dots" },
        { ["名前", "🙂"], "ключ" },
        { ["~7E", "!$"], "~" },
    };

    [Theory]
    [MemberData(nameof(Items))]
    public void RowKey_Parsed_GivesBackTheNamespaceAndKey(string[] itemNamespace, string key)
    {
        var rowKey = ItemKeys.RowKey(itemNamespace, key);

        var (parsedNamespace, parsedKey) = ItemKeys.Parse(rowKey);

        Assert.True(TableKeys.IsValidKey(rowKey, out var problem), problem);
        Assert.Equal(itemNamespace, parsedNamespace);
        Assert.Equal(key, parsedKey);
    }

    [Fact]
    public void Prefix_IsAKeyRangeOfExactlyTheNamespaceAndItsDescendants()
    {
        var prefix = ItemKeys.Prefix(["a"]);
        var end = ItemKeys.After(prefix);
        bool InRange(string[] ns) => ItemKeys.RowKey(ns, "k") is var key && string.CompareOrdinal(key, prefix) >= 0 && string.CompareOrdinal(key, end) < 0;

        Assert.True(InRange(["a"]));
        Assert.True(InRange(["a", "b"]));
        Assert.True(InRange(["a", "b", "c"]));
        Assert.False(InRange(["ab"]));
        Assert.False(InRange(["a b"]));
        Assert.False(InRange(["b", "a"]));
    }

    [Fact]
    public void RowKey_TooLongOnceEncoded_IsAnArgumentException()
        => Assert.Throws<ArgumentException>(() => ItemKeys.RowKey([new string('é', 200)], "k"));
}
