using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.State;
using AgentFunctions.Core.Stores;
using static AgentFunctions.Storage.Tests.Checkpoints.CheckpointTestData;

namespace AgentFunctions.Storage.Tests.Checkpoints;

/// <summary>
/// A store writes a thread's next checkpoint from the head it last wrote or read, without reading it again; the
/// service checks that head in the same transaction. Two stores on the same table stand for two processes.
/// </summary>
public class CheckpointHeadTests(CheckpointStoreFixture fixture) : IClassFixture<CheckpointStoreFixture>
{
    private const string Owner = "alice@example.com";

    [Fact]
    public async Task ARunsWrites_AfterItReadTheState_AreOneRequestEach()
    {
        var store = fixture.Store();
        var thread = NewThread();
        await store.GetLatestAsync(Owner, NewThread()); // the store's first call makes sure of its table

        fixture.Requests.Reset();
        Assert.Null(await store.GetLatestAsync(Owner, thread));
        var input = await store.PutAsync(Write(Owner, thread, null, StateUpdate.FromMessages(Human("q", "h")), source: CheckpointSource.Input) with { Writes = Json("""{"__start__":{"messages":[{"type":"human","content":"q","id":"h"}]}}""") });
        var agent = await store.PutAsync(Write(Owner, thread, input.CheckpointId, StateUpdate.FromMessages(Ai("a", "a")), step: 1));
        var last = await store.PutAsync(Write(Owner, thread, agent.CheckpointId, StateUpdate.FromMessages(Ai("b", "b")), step: 2));

        Assert.Equal(["GET", "POST", "POST", "POST"], fixture.Requests.Methods); // the state's read, then one transaction per checkpoint
        var latest = await store.GetLatestAsync(Owner, thread);
        Assert.Equal(last.CheckpointId, latest!.CheckpointId);
        Assert.Equal(["q", "a", "b"], latest.Values.Messages.Select(m => m.Content.ToText()));
        Assert.Equal(input.CheckpointId, (await store.GetAsync(Owner, thread, agent.CheckpointId))!.ParentCheckpointId);
    }

    [Fact]
    public async Task AWrite_AfterAnotherProcessAdvancedTheThread_FromTheNewHead_Lands()
    {
        var (here, there) = (fixture.Store(), fixture.Store());
        var thread = NewThread();
        var one = await here.PutAsync(Write(Owner, thread, null, StateUpdate.FromMessages(Human("q", "h"))));
        var two = await there.PutAsync(Write(Owner, thread, one.CheckpointId, StateUpdate.FromMessages(Ai("there", "t"))));

        var three = await here.PutAsync(Write(Owner, thread, two.CheckpointId, StateUpdate.FromMessages(Ai("here", "x"))));

        var latest = await there.GetLatestAsync(Owner, thread);
        Assert.Equal(three.CheckpointId, latest!.CheckpointId);
        Assert.Equal(3, latest.Sequence);
        Assert.Equal(["q", "there", "here"], latest.Values.Messages.Select(m => m.Content.ToText()));
    }

    [Fact]
    public async Task AWrite_FromAHeadAnotherProcessMovedPast_IsAConflictAndWritesNothing()
    {
        var (here, there) = (fixture.Store(), fixture.Store());
        var thread = NewThread();
        var one = await here.PutAsync(Write(Owner, thread, null, StateUpdate.FromMessages(Human("q", "h"))));
        await there.PutAsync(Write(Owner, thread, one.CheckpointId, StateUpdate.FromMessages(Ai("there", "t"))));
        var rows = await fixture.CountRowsAsync(Owner, thread);

        await Assert.ThrowsAsync<StoreConflictException>(() => here.PutAsync(Write(Owner, thread, one.CheckpointId, StateUpdate.FromMessages(Ai("here", "x")))));

        Assert.Equal(rows, await fixture.CountRowsAsync(Owner, thread));
        Assert.Equal(["q", "there"], (await here.GetLatestAsync(Owner, thread))!.Values.Messages.Select(m => m.Content.ToText()));
    }

    [Fact]
    public async Task AWrite_FromAHeadAnotherProcessRolledBackAndReplaced_IsAConflictAndWritesNothing()
    {
        var (here, there) = (fixture.Store(), fixture.Store());
        var thread = NewThread();
        var one = await here.PutAsync(Write(Owner, thread, null, StateUpdate.FromMessages(Human("q", "h"))));
        var two = await here.PutAsync(Write(Owner, thread, one.CheckpointId, StateUpdate.FromMessages(Ai("old answer", "a"))));

        // Elsewhere: back to the first checkpoint, and a new second one in the old one's place (same sequence, new id).
        await there.DeleteAfterAsync(Owner, thread, one.CheckpointId);
        var replaced = await there.PutAsync(Write(Owner, thread, one.CheckpointId, StateUpdate.FromMessages(Ai("new answer", "a"))));
        Assert.Equal(two.Sequence, replaced.Sequence);
        var rows = await fixture.CountRowsAsync(Owner, thread);

        await Assert.ThrowsAsync<StoreConflictException>(() => here.PutAsync(Write(Owner, thread, two.CheckpointId, StateUpdate.FromMessages(Human("more", "m")))));

        Assert.Equal(rows, await fixture.CountRowsAsync(Owner, thread));
        var latest = await here.GetLatestAsync(Owner, thread);
        Assert.Equal(replaced.CheckpointId, latest!.CheckpointId);
        Assert.Equal(["q", "new answer"], latest.Values.Messages.Select(m => m.Content.ToText()));
    }

    [Fact]
    public async Task AFirstWrite_AfterReadingAnEmptyThreadThatAnotherProcessWroteTo_IsAConflict()
    {
        var (here, there) = (fixture.Store(), fixture.Store());
        var thread = NewThread();
        Assert.Null(await here.GetLatestAsync(Owner, thread));
        var theirs = await there.PutAsync(Write(Owner, thread, null, StateUpdate.FromMessages(Human("theirs", "t"))));

        await Assert.ThrowsAsync<StoreConflictException>(() => here.PutAsync(Write(Owner, thread, null, StateUpdate.FromMessages(Human("mine", "m")))));

        Assert.Equal(theirs.CheckpointId, (await here.GetLatestAsync(Owner, thread))!.CheckpointId);
    }

    [Fact]
    public async Task AWrite_AfterTheThreadWasDeletedElsewhere_StartsItAgain()
    {
        var (here, there) = (fixture.Store(), fixture.Store());
        var thread = NewThread();
        await here.PutAsync(Write(Owner, thread, null, StateUpdate.FromMessages(Human("q", "h"))));
        await there.DeleteThreadAsync(Owner, thread);

        var again = await here.PutAsync(Write(Owner, thread, null, StateUpdate.FromMessages(Human("again", "g"))));

        Assert.Equal(1, again.Sequence);
        Assert.Equal(["again"], (await there.GetLatestAsync(Owner, thread))!.Values.Messages.Select(m => m.Content.ToText()));
    }
}
