using System.Text.Json;
using AgentFunctions.Core.Stores;
using AgentFunctions.Core.Threads;
using AgentFunctions.Storage.Threads;
using Azure;
using Microsoft.Extensions.Time.Testing;

namespace AgentFunctions.Storage.Tests.Threads;

public class TableThreadStoreTests(ThreadStoreFixture fixture) : IClassFixture<ThreadStoreFixture>
{
    private readonly TableThreadStore _store = fixture.Store;

    [Fact]
    public async Task GetAsync_AfterCreate_RoundTripsEveryField()
    {
        var owner = ThreadStoreFixture.NewOwner();
        var expires = new DateTimeOffset(2027, 1, 2, 3, 4, 5, TimeSpan.FromHours(2)).AddTicks(1234567);
        var metadata = JsonObjects.Parse("""
            {"title": "Grüße aus Köln 🚀 \"quoted\" 'single'\nline two", "n": 42, "ratio": 0.5, "flag": true, "none": null,
             "nested": {"a": [1, "two", {"three": 3}], "b": {"c": {"d": "deep"}}}, "汉字": "値"}
            """);
        var config = JsonObjects.Parse("""{"configurable": {"model": "offline", "user_id": "u-1"}, "recursion_limit": 10}""");
        var thread = ThreadStoreFixture.NewThread(owner) with
        {
            Metadata = metadata,
            Config = config,
            Status = ThreadStatus.Interrupted,
            ExpiresAt = expires,
        };

        var created = await _store.CreateAsync(thread);
        var read = await _store.GetAsync(owner, thread.ThreadId);

        Assert.NotNull(read);
        Assert.Equal(thread.ThreadId, read.ThreadId);
        Assert.Equal(owner, read.OwnerId);
        Assert.Equal(ThreadStatus.Interrupted, read.Status);
        Assert.Equal(expires, read.ExpiresAt);
        Assert.True(JsonElement.DeepEquals(metadata, read.Metadata));
        Assert.True(JsonElement.DeepEquals(config, read.Config));
        Assert.Equal(created.CreatedAt, read.CreatedAt);
        Assert.Equal(created.UpdatedAt, read.UpdatedAt);
        Assert.Equal(created.ETag, read.ETag);
    }

    [Fact]
    public async Task GetAsync_AfterCreateWithDefaults_ReturnsEmptyObjectsIdleAndNoExpiry()
    {
        var owner = ThreadStoreFixture.NewOwner();
        var thread = ThreadStoreFixture.NewThread(owner);

        await _store.CreateAsync(thread);
        var read = await _store.GetAsync(owner, thread.ThreadId);

        Assert.NotNull(read);
        Assert.Equal(ThreadStatus.Idle, read.Status);
        Assert.Null(read.ExpiresAt);
        Assert.Equal("{}", read.Metadata.GetRawText());
        Assert.Equal("{}", read.Config.GetRawText());
    }

    [Fact]
    public async Task GetAsync_MetadataValueOf100KB_RoundTrips()
    {
        var owner = ThreadStoreFixture.NewOwner();
        var big = string.Concat(Enumerable.Repeat("ab€😀", 100 * 1024 / 4));
        var metadata = JsonObjects.Parse(JsonSerializer.Serialize(new Dictionary<string, string> { ["big"] = big }));
        var thread = ThreadStoreFixture.NewThread(owner) with { Metadata = metadata };

        await _store.CreateAsync(thread);
        var read = await _store.GetAsync(owner, thread.ThreadId);

        Assert.NotNull(read);
        Assert.Equal(big, read.Metadata.GetProperty("big").GetString());
    }

    [Fact]
    public async Task CreateAsync_NewThread_SetsCreatedAtAndUpdatedAtFromTheClock()
    {
        var now = new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero).AddTicks(7);
        var store = new TableThreadStore(fixture.Service, fixture.TableName, new FakeTimeProvider(now));
        var thread = ThreadStoreFixture.NewThread(ThreadStoreFixture.NewOwner()) with
        {
            CreatedAt = DateTimeOffset.UnixEpoch,
            UpdatedAt = DateTimeOffset.UnixEpoch,
        };

        var created = await store.CreateAsync(thread);

        Assert.Equal(now, created.CreatedAt);
        Assert.Equal(now, created.UpdatedAt);
    }

    [Fact]
    public async Task CreateAsync_ExistingId_ThrowsStoreConflict()
    {
        var thread = ThreadStoreFixture.NewThread(ThreadStoreFixture.NewOwner());
        await _store.CreateAsync(thread);

        await Assert.ThrowsAsync<StoreConflictException>(() => _store.CreateAsync(thread));
    }

    [Fact]
    public async Task GetAsync_Absent_ReturnsNull()
    {
        var read = await _store.GetAsync(ThreadStoreFixture.NewOwner(), ResourceIds.New());

        Assert.Null(read);
    }

    [Fact]
    public async Task UpdateAsync_CurrentETag_StoresTheNewFieldsAndReturnsTheNewETag()
    {
        var owner = ThreadStoreFixture.NewOwner();
        var created = await _store.CreateAsync(ThreadStoreFixture.NewThread(owner));
        var changed = created with { Status = ThreadStatus.Busy, Metadata = JsonObjects.Parse("""{"k": "v"}""") };

        var updated = await _store.UpdateAsync(changed, created.ETag);
        var read = await _store.GetAsync(owner, created.ThreadId);

        Assert.NotNull(updated);
        Assert.NotNull(read);
        Assert.NotEqual(created.ETag, updated.ETag);
        Assert.Equal(updated.ETag, read.ETag);
        Assert.Equal(ThreadStatus.Busy, read.Status);
        Assert.Equal("v", read.Metadata.GetProperty("k").GetString());
        Assert.Equal(created.CreatedAt, read.CreatedAt);
    }

    [Fact]
    public async Task UpdateAsync_AnyVersion_SetsUpdatedAtFromTheClock()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var store = new TableThreadStore(fixture.Service, fixture.TableName, clock);
        var created = await store.CreateAsync(ThreadStoreFixture.NewThread(ThreadStoreFixture.NewOwner()));
        clock.SetUtcNow(clock.GetUtcNow().AddMinutes(5));

        var updated = await store.UpdateAsync(created, created.ETag);

        Assert.NotNull(updated);
        Assert.Equal(clock.GetUtcNow(), updated.UpdatedAt);
        Assert.Equal(created.CreatedAt, updated.CreatedAt);
    }

    [Fact]
    public async Task UpdateAsync_StaleETag_ThrowsStoreConflict()
    {
        var created = await _store.CreateAsync(ThreadStoreFixture.NewThread(ThreadStoreFixture.NewOwner()));
        await _store.UpdateAsync(created with { Status = ThreadStatus.Busy }, created.ETag);

        await Assert.ThrowsAsync<StoreConflictException>(() => _store.UpdateAsync(created with { Status = ThreadStatus.Error }, created.ETag));
    }

    [Fact]
    public async Task UpdateAsync_StaleETag_LeavesTheStoredThreadUnchanged()
    {
        var owner = ThreadStoreFixture.NewOwner();
        var created = await _store.CreateAsync(ThreadStoreFixture.NewThread(owner));
        var current = await _store.UpdateAsync(created with { Status = ThreadStatus.Busy }, created.ETag);

        await Assert.ThrowsAsync<StoreConflictException>(
            () => _store.UpdateAsync(created with { Status = ThreadStatus.Error, Metadata = JsonObjects.Parse("""{"lost": true}""") }, created.ETag));
        var read = await _store.GetAsync(owner, created.ThreadId);

        Assert.NotNull(read);
        Assert.Equal(ThreadStatus.Busy, read.Status);
        Assert.Equal("{}", read.Metadata.GetRawText());
        Assert.Equal(current!.ETag, read.ETag);
    }

    [Fact]
    public async Task UpdateAsync_AbsentThread_ReturnsNull()
    {
        var thread = ThreadStoreFixture.NewThread(ThreadStoreFixture.NewOwner());

        var updated = await _store.UpdateAsync(thread, ETag.All);

        Assert.Null(updated);
    }

    [Fact]
    public async Task UpdateAsync_AbsentThread_DoesNotCreateIt()
    {
        var thread = ThreadStoreFixture.NewThread(ThreadStoreFixture.NewOwner());

        await _store.UpdateAsync(thread, ETag.All);

        Assert.Null(await _store.GetAsync(thread.OwnerId, thread.ThreadId));
    }

    [Fact]
    public async Task UpdateAsync_LargeMetadataReplacedBySmall_ReadsOnlyTheSmall()
    {
        var owner = ThreadStoreFixture.NewOwner();
        var large = JsonObjects.Parse(JsonSerializer.Serialize(new { big = new string('x', 100_000) }));
        var created = await _store.CreateAsync(ThreadStoreFixture.NewThread(owner) with { Metadata = large });

        await _store.UpdateAsync(created with { Metadata = JsonObjects.Parse("""{"small": 1}""") }, created.ETag);
        var read = await _store.GetAsync(owner, created.ThreadId);

        Assert.Equal("""{"small":1}""", read!.Metadata.GetRawText());
    }

    [Fact]
    public async Task UpdateAsync_DefaultETag_ThrowsArgumentException()
    {
        var created = await _store.CreateAsync(ThreadStoreFixture.NewThread(ThreadStoreFixture.NewOwner()));

        await Assert.ThrowsAsync<ArgumentException>(() => _store.UpdateAsync(created, default));
    }

    [Fact]
    public async Task DeleteAsync_Existing_ReturnsTrueAndTheThreadIsGone()
    {
        var created = await _store.CreateAsync(ThreadStoreFixture.NewThread(ThreadStoreFixture.NewOwner()));

        var deleted = await _store.DeleteAsync(created.OwnerId, created.ThreadId);

        Assert.True(deleted);
        Assert.Null(await _store.GetAsync(created.OwnerId, created.ThreadId));
    }

    [Fact]
    public async Task DeleteAsync_Absent_ReturnsFalse()
    {
        var deleted = await _store.DeleteAsync(ThreadStoreFixture.NewOwner(), ResourceIds.New());

        Assert.False(deleted);
    }

    [Fact]
    public async Task DeleteAsync_CurrentETag_ReturnsTrue()
    {
        var created = await _store.CreateAsync(ThreadStoreFixture.NewThread(ThreadStoreFixture.NewOwner()));

        var deleted = await _store.DeleteAsync(created.OwnerId, created.ThreadId, created.ETag);

        Assert.True(deleted);
    }

    [Fact]
    public async Task DeleteAsync_StaleETag_ThrowsStoreConflictAndKeepsTheThread()
    {
        var created = await _store.CreateAsync(ThreadStoreFixture.NewThread(ThreadStoreFixture.NewOwner()));
        await _store.UpdateAsync(created with { Status = ThreadStatus.Busy }, created.ETag);

        await Assert.ThrowsAsync<StoreConflictException>(() => _store.DeleteAsync(created.OwnerId, created.ThreadId, created.ETag));

        Assert.NotNull(await _store.GetAsync(created.OwnerId, created.ThreadId));
    }

    [Fact]
    public async Task GetAsync_ConcurrentFirstUse_CreatesTheTableWithOneRequest()
    {
        var tableName = TestStorage.UniqueName("lazy");
        var store = new TableThreadStore(fixture.Service, tableName);
        fixture.Requests.Reset();
        try
        {
            await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => store.GetAsync(ThreadStoreFixture.NewOwner(), ResourceIds.New())));

            Assert.Single(fixture.Requests.Methods, "POST");
        }
        finally
        {
            await fixture.Service.DeleteTableAsync(tableName);
        }
    }
}
