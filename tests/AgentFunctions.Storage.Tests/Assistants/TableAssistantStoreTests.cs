using System.Text.Json;
using AgentFunctions.Core.Stores;
using AgentFunctions.Storage.Assistants;
using Azure;
using Microsoft.Extensions.Time.Testing;

namespace AgentFunctions.Storage.Tests.Assistants;

public class TableAssistantStoreTests(AssistantStoreFixture fixture) : IClassFixture<AssistantStoreFixture>
{
    private readonly TableAssistantStore _store = fixture.Store;

    [Fact]
    public async Task GetAsync_AfterCreate_RoundTripsEveryField()
    {
        var owner = AssistantStoreFixture.NewOwner();
        var config = JsonObjects.Parse("""
            {"configurable": {"model": "offline", "system_prompt": "Sei höflich 🙂\n\"immer\"", "tools": ["calculator"]},
             "recursion_limit": 7, "tags": ["x"]}
            """);
        var context = JsonObjects.Parse("""{"tenant": {"id": 5, "name": "Zoë"}}""");
        var metadata = JsonObjects.Parse("""{"created_by": "user", "nested": {"list": [1, 2.5, "3", null, true]}}""");
        var assistant = AssistantStoreFixture.NewAssistant(owner, graphId: "agent.v2", name: "Helfer ✨ 'one'") with
        {
            Description = "Beschreibung\nmit Zeilen",
            Config = config,
            Context = context,
            Metadata = metadata,
        };

        var created = await _store.CreateAsync(assistant);
        var read = await _store.GetAsync(owner, assistant.AssistantId);

        Assert.NotNull(read);
        Assert.Equal(assistant.AssistantId, read.AssistantId);
        Assert.Equal(owner, read.OwnerId);
        Assert.Equal("agent.v2", read.GraphId);
        Assert.Equal("Helfer ✨ 'one'", read.Name);
        Assert.Equal("Beschreibung\nmit Zeilen", read.Description);
        Assert.True(JsonElement.DeepEquals(config, read.Config));
        Assert.True(JsonElement.DeepEquals(context, read.Context));
        Assert.True(JsonElement.DeepEquals(metadata, read.Metadata));
        Assert.Equal(1, read.Version);
        Assert.Equal(created.CreatedAt, read.CreatedAt);
        Assert.Equal(created.UpdatedAt, read.UpdatedAt);
        Assert.Equal(created.ETag, read.ETag);
    }

    [Fact]
    public async Task GetAsync_MetadataValueOf100KB_RoundTrips()
    {
        var owner = AssistantStoreFixture.NewOwner();
        var big = string.Concat(Enumerable.Repeat("xy€😀", 100 * 1024 / 4));
        var assistant = AssistantStoreFixture.NewAssistant(owner) with
        {
            Metadata = JsonObjects.Parse(JsonSerializer.Serialize(new Dictionary<string, string> { ["big"] = big })),
        };

        await _store.CreateAsync(assistant);
        var read = await _store.GetAsync(owner, assistant.AssistantId);

        Assert.Equal(big, read?.Metadata.GetProperty("big").GetString());
    }

    [Fact]
    public async Task CreateAsync_GivenAVersion_StoresVersionOne()
    {
        var assistant = AssistantStoreFixture.NewAssistant(AssistantStoreFixture.NewOwner()) with { Version = 9 };

        var created = await _store.CreateAsync(assistant);

        Assert.Equal(1, created.Version);
    }

    [Fact]
    public async Task CreateAsync_ExistingId_ThrowsStoreConflict()
    {
        var assistant = AssistantStoreFixture.NewAssistant(AssistantStoreFixture.NewOwner());
        await _store.CreateAsync(assistant);

        await Assert.ThrowsAsync<StoreConflictException>(() => _store.CreateAsync(assistant));
    }

    [Fact]
    public async Task CreateAsync_InvalidGraphId_ThrowsBeforeAnyRequest()
    {
        fixture.Requests.Reset();

        await Assert.ThrowsAsync<InvalidResourceIdException>(
            () => _store.CreateAsync(AssistantStoreFixture.NewAssistant(AssistantStoreFixture.NewOwner(), graphId: "bad graph")));

        Assert.Equal(0, fixture.Requests.Count);
    }

    [Fact]
    public async Task UpdateAsync_CurrentETag_StoresTheNewFieldsAndIncrementsTheVersion()
    {
        var owner = AssistantStoreFixture.NewOwner();
        var created = await _store.CreateAsync(AssistantStoreFixture.NewAssistant(owner));
        var changed = created with { Name = "Renamed", GraphId = "other", Config = JsonObjects.Parse("""{"recursion_limit": 3}""") };

        var updated = await _store.UpdateAsync(changed, created.ETag);
        var read = await _store.GetAsync(owner, created.AssistantId);

        Assert.NotNull(updated);
        Assert.NotNull(read);
        Assert.Equal(2, read.Version);
        Assert.Equal("Renamed", read.Name);
        Assert.Equal("other", read.GraphId);
        Assert.Equal(3, read.Config.GetProperty("recursion_limit").GetInt32());
        Assert.Equal(updated.ETag, read.ETag);
    }

    [Fact]
    public async Task UpdateAsync_ThreeTimes_ReachesVersionFour()
    {
        var current = await _store.CreateAsync(AssistantStoreFixture.NewAssistant(AssistantStoreFixture.NewOwner()));

        for (var i = 0; i < 3; i++)
        {
            current = (await _store.UpdateAsync(current, current.ETag))!;
        }

        Assert.Equal(4, current.Version);
    }

    [Fact]
    public async Task UpdateAsync_RecordWithForgedVersionAndCreatedAt_KeepsTheStoredOnes()
    {
        var created = await _store.CreateAsync(AssistantStoreFixture.NewAssistant(AssistantStoreFixture.NewOwner()));

        var updated = await _store.UpdateAsync(created with { Version = 100, CreatedAt = DateTimeOffset.UnixEpoch }, created.ETag);

        Assert.Equal(2, updated?.Version);
        Assert.Equal(created.CreatedAt, updated?.CreatedAt);
    }

    [Fact]
    public async Task UpdateAsync_AnyVersionFromAStaleRecord_IncrementsTheStoredVersion()
    {
        var created = await _store.CreateAsync(AssistantStoreFixture.NewAssistant(AssistantStoreFixture.NewOwner()));
        await _store.UpdateAsync(created, created.ETag);

        var updated = await _store.UpdateAsync(created with { Name = "Last write" }, ETag.All);

        Assert.Equal(3, updated?.Version);
        Assert.Equal("Last write", updated?.Name);
    }

    [Fact]
    public async Task UpdateAsync_AnyVersion_SetsUpdatedAtFromTheClock()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero));
        var store = new TableAssistantStore(fixture.Service, fixture.TableName, clock);
        var created = await store.CreateAsync(AssistantStoreFixture.NewAssistant(AssistantStoreFixture.NewOwner()));
        clock.SetUtcNow(clock.GetUtcNow().AddHours(1));

        var updated = await store.UpdateAsync(created, created.ETag);

        Assert.Equal(clock.GetUtcNow(), updated?.UpdatedAt);
        Assert.Equal(clock.GetUtcNow().AddHours(-1), updated?.CreatedAt);
    }

    [Fact]
    public async Task UpdateAsync_StaleETag_ThrowsStoreConflict()
    {
        var created = await _store.CreateAsync(AssistantStoreFixture.NewAssistant(AssistantStoreFixture.NewOwner()));
        await _store.UpdateAsync(created with { Name = "First" }, created.ETag);

        await Assert.ThrowsAsync<StoreConflictException>(() => _store.UpdateAsync(created with { Name = "Second" }, created.ETag));
    }

    [Fact]
    public async Task UpdateAsync_StaleETag_LeavesTheStoredAssistantUnchanged()
    {
        var owner = AssistantStoreFixture.NewOwner();
        var created = await _store.CreateAsync(AssistantStoreFixture.NewAssistant(owner));
        var first = await _store.UpdateAsync(created with { Name = "First" }, created.ETag);

        await Assert.ThrowsAsync<StoreConflictException>(() => _store.UpdateAsync(created with { Name = "Second" }, created.ETag));
        var read = await _store.GetAsync(owner, created.AssistantId);

        Assert.Equal("First", read?.Name);
        Assert.Equal(2, read?.Version);
        Assert.Equal(first?.ETag, read?.ETag);
    }

    [Fact]
    public async Task UpdateAsync_AbsentAssistant_ReturnsNull()
    {
        var updated = await _store.UpdateAsync(AssistantStoreFixture.NewAssistant(AssistantStoreFixture.NewOwner()), ETag.All);

        Assert.Null(updated);
    }

    [Fact]
    public async Task DeleteAsync_Existing_ReturnsTrueAndTheAssistantIsGone()
    {
        var created = await _store.CreateAsync(AssistantStoreFixture.NewAssistant(AssistantStoreFixture.NewOwner()));

        var deleted = await _store.DeleteAsync(created.OwnerId, created.AssistantId);

        Assert.True(deleted);
        Assert.Null(await _store.GetAsync(created.OwnerId, created.AssistantId));
    }

    [Fact]
    public async Task DeleteAsync_Absent_ReturnsFalse()
    {
        var deleted = await _store.DeleteAsync(AssistantStoreFixture.NewOwner(), ResourceIds.New());

        Assert.False(deleted);
    }

    [Fact]
    public async Task DeleteAsync_StaleETag_ThrowsStoreConflict()
    {
        var created = await _store.CreateAsync(AssistantStoreFixture.NewAssistant(AssistantStoreFixture.NewOwner()));
        await _store.UpdateAsync(created, created.ETag);

        await Assert.ThrowsAsync<StoreConflictException>(() => _store.DeleteAsync(created.OwnerId, created.AssistantId, created.ETag));
    }

    [Theory]
    [InlineData("alice", "bob")]
    [InlineData("team/alice", "team/bob")]
    [InlineData("a#1", "a#2")]
    [InlineData("o'neil", "\"o'neil\"")]
    [InlineData("zoë 🚀", "zoe 🚀")]
    public async Task GetAsync_OtherOwner_ReturnsNull(string owner, string other)
    {
        var created = await _store.CreateAsync(AssistantStoreFixture.NewAssistant(owner));

        var read = await _store.GetAsync(other, created.AssistantId);

        Assert.Null(read);
    }

    [Theory]
    [InlineData("alice", "bob")]
    [InlineData("team/alice", "team/bob")]
    [InlineData("zoë 🚀", "zoe 🚀")]
    public async Task UpdateAsync_OtherOwner_ReturnsNullAndLeavesTheAssistantUnchanged(string owner, string other)
    {
        var created = await _store.CreateAsync(AssistantStoreFixture.NewAssistant(owner));

        var updated = await _store.UpdateAsync(created with { OwnerId = other, Name = "Hijacked" }, ETag.All);

        Assert.Null(updated);
        Assert.Equal("Untitled", (await _store.GetAsync(owner, created.AssistantId))?.Name);
    }

    [Theory]
    [InlineData("alice", "bob")]
    [InlineData("a#1", "a#2")]
    [InlineData("zoë 🚀", "zoe 🚀")]
    public async Task DeleteAsync_OtherOwner_ReturnsFalseAndKeepsTheAssistant(string owner, string other)
    {
        var created = await _store.CreateAsync(AssistantStoreFixture.NewAssistant(owner));

        var deleted = await _store.DeleteAsync(other, created.AssistantId);

        Assert.False(deleted);
        Assert.NotNull(await _store.GetAsync(owner, created.AssistantId));
    }

    [Theory]
    [InlineData("it's")]
    [InlineData("a/b")]
    [InlineData("a#b")]
    [InlineData("tab\there")]
    [InlineData("")]
    public async Task GetAsync_InvalidAssistantId_ThrowsBeforeAnyRequest(string id)
    {
        fixture.Requests.Reset();

        await Assert.ThrowsAsync<InvalidResourceIdException>(() => _store.GetAsync("owner", id));

        Assert.Equal(0, fixture.Requests.Count);
    }

    [Fact]
    public async Task GetAsync_TooLongAssistantId_ThrowsBeforeAnyRequest()
    {
        fixture.Requests.Reset();

        await Assert.ThrowsAsync<InvalidResourceIdException>(() => _store.GetAsync("owner", new string('a', ResourceIds.MaxLength + 1)));

        Assert.Equal(0, fixture.Requests.Count);
    }
}
