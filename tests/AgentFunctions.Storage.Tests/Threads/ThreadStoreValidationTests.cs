using System.Text.Json;
using AgentFunctions.Core.Stores;
using AgentFunctions.Core.Threads;
using AgentFunctions.Storage.Threads;
using Azure;
using Azure.Data.Tables;

namespace AgentFunctions.Storage.Tests.Threads;

/// <summary>Bad ids, owners and queries are refused before any request is sent.</summary>
public class ThreadStoreValidationTests
{
    private readonly FakeTransport _fake = new();
    private readonly TableThreadStore _store;

    public ThreadStoreValidationTests()
    {
        var service = new TableServiceClient("UseDevelopmentStorage=true", new TableClientOptions { Transport = _fake.Transport });
        _store = new TableThreadStore(service);
    }

    public static TheoryData<string> InvalidIds => new()
    {
        "",
        "it's",
        "a\"b",
        "a/b",
        "a\\b",
        "a#b",
        "a?b",
        "a b",
        "line\nbreak",
        "nul\0",
        "bell\u0007",
        "ünïcødé",
        new string('a', ResourceIds.MaxLength + 1),
    };

    // Owner ids of any length are accepted (long ones are hashed into the key); only an empty one is refused.
    public static TheoryData<string> InvalidOwners => new() { "" };

    [Theory]
    [MemberData(nameof(InvalidIds))]
    public async Task GetAsync_InvalidThreadId_ThrowsBeforeAnyRequest(string id)
    {
        await Assert.ThrowsAsync<InvalidResourceIdException>(() => _store.GetAsync("owner", id));

        Assert.Empty(_fake.Requests);
    }

    [Theory]
    [MemberData(nameof(InvalidIds))]
    public async Task CreateAsync_InvalidThreadId_ThrowsBeforeAnyRequest(string id)
    {
        await Assert.ThrowsAsync<InvalidResourceIdException>(() => _store.CreateAsync(new AgentThread { ThreadId = id, OwnerId = "owner" }));

        Assert.Empty(_fake.Requests);
    }

    [Theory]
    [MemberData(nameof(InvalidIds))]
    public async Task UpdateAsync_InvalidThreadId_ThrowsBeforeAnyRequest(string id)
    {
        await Assert.ThrowsAsync<InvalidResourceIdException>(() => _store.UpdateAsync(new AgentThread { ThreadId = id, OwnerId = "owner" }, ETag.All));

        Assert.Empty(_fake.Requests);
    }

    [Theory]
    [MemberData(nameof(InvalidIds))]
    public async Task DeleteAsync_InvalidThreadId_ThrowsBeforeAnyRequest(string id)
    {
        await Assert.ThrowsAsync<InvalidResourceIdException>(() => _store.DeleteAsync("owner", id));

        Assert.Empty(_fake.Requests);
    }

    [Theory]
    [MemberData(nameof(InvalidIds))]
    public void SearchAsync_InvalidIdInTheList_ThrowsBeforeAnyRequest(string id)
    {
        Assert.Throws<InvalidResourceIdException>(() => _store.SearchAsync("owner", new ThreadSearchQuery { Ids = ["ok-1", id] }));

        Assert.Empty(_fake.Requests);
    }

    [Theory]
    [MemberData(nameof(InvalidOwners))]
    public async Task GetAsync_InvalidOwner_ThrowsBeforeAnyRequest(string owner)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _store.GetAsync(owner, "thread-1"));

        Assert.Empty(_fake.Requests);
    }

    [Fact]
    public void SearchAsync_MoreIdsThanTheLimit_ThrowsBeforeAnyRequest()
    {
        var ids = Enumerable.Range(0, ThreadSearchQuery.MaxIds + 1).Select(i => $"t-{i}").ToList();

        Assert.Throws<ArgumentException>(() => _store.SearchAsync("owner", new ThreadSearchQuery { Ids = ids }));

        Assert.Empty(_fake.Requests);
    }

    [Fact]
    public void SearchAsync_MetadataNotAnObject_ThrowsBeforeAnyRequest()
    {
        using var array = JsonDocument.Parse("[1]");

        Assert.Throws<ArgumentException>(() => _store.SearchAsync("owner", new ThreadSearchQuery { Metadata = array.RootElement }));

        Assert.Empty(_fake.Requests);
    }

    [Fact]
    public async Task UpdateAsync_DefaultETag_ThrowsBeforeAnyRequest()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _store.UpdateAsync(new AgentThread { ThreadId = "t-1", OwnerId = "owner" }, default));

        Assert.Empty(_fake.Requests);
    }

    [Fact]
    public async Task AsPages_TokenOfAnotherKind_Throws()
    {
        var pages = _store.SearchAsync("owner").AsPages("not-a-token");

        await Assert.ThrowsAsync<ArgumentException>(async () =>
        {
            await foreach (var page in pages)
            {
                Assert.Fail("No page expected.");
            }
        });
        Assert.Empty(_fake.Requests);
    }
}
