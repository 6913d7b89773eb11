using AgentFunctions.Storage.Assistants;
using Azure;

namespace AgentFunctions.Storage.Tests.Assistants;

/// <summary>Every create and update keeps a version; one can be made the latest again; search never sees the kept versions.</summary>
public class AssistantVersionTests(AssistantStoreFixture fixture) : IClassFixture<AssistantStoreFixture>
{
    private readonly TableAssistantStore _store = fixture.Store;

    [Fact]
    public async Task Updates_KeepEveryVersionNewestFirst_AndSearchFindsTheAssistantOnce()
    {
        var owner = AssistantStoreFixture.NewOwner();
        var created = await _store.CreateAsync(AssistantStoreFixture.NewAssistant(owner, name: "one"));
        var second = await _store.UpdateAsync(created with { Name = "two" }, created.ETag);
        await _store.UpdateAsync(second! with { Name = "three" }, ETag.All);

        var versions = await _store.ListVersionsAsync(owner, created.AssistantId).ToListAsync();
        var found = await _store.SearchAsync(owner).ToListAsync();

        Assert.Equal([(3, "three"), (2, "two"), (1, "one")], versions.Select(v => (v.Version, v.Name)));
        Assert.All(versions, v => Assert.Equal(created.AssistantId, v.AssistantId));
        Assert.Equal([(created.AssistantId, 3)], found.Select(a => (a.AssistantId, a.Version)));
    }

    [Fact]
    public async Task SetLatest_AKeptVersion_IsTheCurrentOneAgainAndTheVersionsStay()
    {
        var owner = AssistantStoreFixture.NewOwner();
        var created = await _store.CreateAsync(AssistantStoreFixture.NewAssistant(owner, name: "one"));
        await _store.UpdateAsync(created with { Name = "two" }, created.ETag);

        var latest = await _store.SetLatestAsync(owner, created.AssistantId, 1);
        var read = await _store.GetAsync(owner, created.AssistantId);

        Assert.Equal((1, "one"), (latest!.Version, latest.Name));
        Assert.Equal((1, "one"), (read!.Version, read.Name));
        Assert.Equal([2, 1], (await _store.ListVersionsAsync(owner, created.AssistantId).ToListAsync()).Select(v => v.Version));
        Assert.Null(await _store.SetLatestAsync(owner, created.AssistantId, 7));
        Assert.Null(await _store.SetLatestAsync(AssistantStoreFixture.NewOwner(), created.AssistantId, 1));
    }

    [Fact]
    public async Task Delete_RemovesTheVersions_SoARecreatedAssistantStartsAgain()
    {
        var owner = AssistantStoreFixture.NewOwner();
        var created = await _store.CreateAsync(AssistantStoreFixture.NewAssistant(owner, name: "one"));
        await _store.UpdateAsync(created with { Name = "two" }, created.ETag);

        Assert.True(await _store.DeleteAsync(owner, created.AssistantId));
        Assert.Empty(await _store.ListVersionsAsync(owner, created.AssistantId).ToListAsync());
        await _store.CreateAsync(AssistantStoreFixture.NewAssistant(owner, created.AssistantId, name: "again"));

        Assert.Equal([(1, "again")], (await _store.ListVersionsAsync(owner, created.AssistantId).ToListAsync()).Select(v => (v.Version, v.Name)));
    }
}
