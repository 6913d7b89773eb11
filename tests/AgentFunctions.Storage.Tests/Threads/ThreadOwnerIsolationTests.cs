using AgentFunctions.Core.Threads;
using AgentFunctions.Storage.Threads;
using Azure;

namespace AgentFunctions.Storage.Tests.Threads;

/// <summary>One owner's thread is invisible to every other owner, whatever characters the owner ids hold.</summary>
public class ThreadOwnerIsolationTests(ThreadStoreFixture fixture) : IClassFixture<ThreadStoreFixture>
{
    private readonly TableThreadStore _store = fixture.Store;

    public static TheoryData<string, string> OwnerPairs => new()
    {
        { "alice", "bob" },
        { "alice", "u:alice" },
        { "team/alice", "team/bob" },
        { "a#1", "a#2" },
        { "o'neil", "o''neil" },
        { "\"quoted\"", "quoted" },
        { "zoë 🚀", "zoe 🚀" },
        { "alice@example.com", "ALICE@example.com" },
    };

    [Theory]
    [MemberData(nameof(OwnerPairs))]
    public async Task GetAsync_OtherOwner_ReturnsNull(string owner, string other)
    {
        var thread = await CreateAsync(owner);

        var read = await _store.GetAsync(other, thread.ThreadId);

        Assert.Null(read);
    }

    [Theory]
    [MemberData(nameof(OwnerPairs))]
    public async Task GetAsync_Owner_ReturnsTheThreadWithItsOwnerId(string owner, string other)
    {
        var thread = await CreateAsync(owner);
        await CreateAsync(other, thread.ThreadId);

        var read = await _store.GetAsync(owner, thread.ThreadId);

        Assert.Equal(owner, read?.OwnerId);
    }

    [Theory]
    [MemberData(nameof(OwnerPairs))]
    public async Task UpdateAsync_OtherOwner_ReturnsNullAndLeavesTheThreadUnchanged(string owner, string other)
    {
        var thread = await CreateAsync(owner);

        var updated = await _store.UpdateAsync(thread with { OwnerId = other, Status = ThreadStatus.Error }, ETag.All);

        Assert.Null(updated);
        Assert.Equal(ThreadStatus.Idle, (await _store.GetAsync(owner, thread.ThreadId))?.Status);
    }

    [Theory]
    [MemberData(nameof(OwnerPairs))]
    public async Task DeleteAsync_OtherOwner_ReturnsFalseAndKeepsTheThread(string owner, string other)
    {
        var thread = await CreateAsync(owner);

        var deleted = await _store.DeleteAsync(other, thread.ThreadId);

        Assert.False(deleted);
        Assert.NotNull(await _store.GetAsync(owner, thread.ThreadId));
    }

    [Theory]
    [MemberData(nameof(OwnerPairs))]
    public async Task SearchAsync_OtherOwnerByTheThreadsId_FindsNothing(string owner, string other)
    {
        var thread = await CreateAsync(owner);

        var found = await ToListAsync(_store.SearchAsync(other, new ThreadSearchQuery { Ids = [thread.ThreadId] }));

        Assert.DoesNotContain(found, t => t.ThreadId == thread.ThreadId);
    }

    [Theory]
    [MemberData(nameof(OwnerPairs))]
    public async Task CreateAsync_SameIdForOtherOwner_Succeeds(string owner, string other)
    {
        var thread = await CreateAsync(owner);

        var created = await _store.CreateAsync(thread with { OwnerId = other });

        Assert.Equal(other, created.OwnerId);
    }

    private Task<AgentThread> CreateAsync(string owner, string? id = null)
        => _store.CreateAsync(ThreadStoreFixture.NewThread(owner, id));

    private static async Task<List<T>> ToListAsync<T>(AsyncPageable<T> items)
        where T : notnull
    {
        var list = new List<T>();
        await foreach (var item in items)
        {
            list.Add(item);
        }

        return list;
    }
}
