using AgentFunctions.Core.Stores;
using AgentFunctions.Core.Threads;
using AgentFunctions.Storage.Threads;

namespace AgentFunctions.Storage.Tests.Threads;

/// <summary>The thread writes a run makes when it starts: busy and labelled with its graph and assistant.</summary>
public class ThreadUpdatesTests(ThreadStoreFixture fixture) : IClassFixture<ThreadStoreFixture>
{
    private readonly TableThreadStore _store = fixture.Store;

    [Fact]
    public async Task StartRunAsync_KnownThread_MarksItBusyAndLabelsItInOneWrite()
    {
        var owner = ThreadStoreFixture.NewOwner();
        var known = await _store.CreateAsync(ThreadStoreFixture.NewThread(owner) with { Metadata = JsonObjects.Parse("""{"tag":"t"}""") });
        fixture.Requests.Reset();

        await _store.StartRunAsync(owner, known.ThreadId, "agent", "assistant-1", known);
        var requests = fixture.Requests.Methods.ToList();

        var stored = await _store.GetAsync(owner, known.ThreadId);
        Assert.Equal(["PUT"], requests);
        Assert.Equal(ThreadStatus.Busy, stored?.Status);
        Assert.Equal(("t", "agent", "assistant-1"), Labels(stored));
    }

    [Fact]
    public async Task StartRunAsync_ThreadChangedSinceItWasRead_KeepsTheChangeAndMarksItBusy()
    {
        var owner = ThreadStoreFixture.NewOwner();
        var known = await _store.CreateAsync(ThreadStoreFixture.NewThread(owner));
        await _store.UpdateAsync(known with { Metadata = JsonObjects.Parse("""{"tag":"later"}""") }, known.ETag);

        await _store.StartRunAsync(owner, known.ThreadId, "agent", "assistant-1", known);

        var stored = await _store.GetAsync(owner, known.ThreadId);
        Assert.Equal(ThreadStatus.Busy, stored?.Status);
        Assert.Equal(("later", "agent", "assistant-1"), Labels(stored));
    }

    [Fact]
    public async Task StartRunAsync_KnownVersionBusyAndLabelledButStoredIdle_ReadsItAndMarksItBusy()
    {
        var owner = ThreadStoreFixture.NewOwner();
        var created = await _store.CreateAsync(ThreadStoreFixture.NewThread(owner) with { Metadata = JsonObjects.Parse("""{"graph_id":"agent","assistant_id":"assistant-1"}""") });
        var known = created with { Status = ThreadStatus.Busy };

        await _store.StartRunAsync(owner, known.ThreadId, "agent", "assistant-1", known);

        Assert.Equal(ThreadStatus.Busy, (await _store.GetAsync(owner, known.ThreadId))?.Status);
    }

    private static (string? Tag, string? GraphId, string? AssistantId) Labels(AgentThread? thread)
    {
        Assert.NotNull(thread);
        return (Text("tag"), Text("graph_id"), Text("assistant_id"));

        string? Text(string name) => thread.Metadata.TryGetProperty(name, out var value) ? value.GetString() : null;
    }
}
