using System.Text.Json;
using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.State;
using AgentFunctions.Core.Stores;
using static AgentFunctions.Storage.Tests.Checkpoints.CheckpointTestData;

namespace AgentFunctions.Storage.Tests.Checkpoints;

public class CheckpointStoreTests(CheckpointStoreFixture fixture) : IClassFixture<CheckpointStoreFixture>
{
    private const string Owner = "alice@example.com";

    [Fact]
    public async Task GetLatest_AfterPuts_ReturnsEveryFieldAndTheAccumulatedValues()
    {
        var store = fixture.Store();
        var thread = NewThread();
        var first = await store.PutAsync(Write(Owner, thread, null, StateUpdate.FromMessages(Human("hi", "m1")), step: -1, source: CheckpointSource.Input));
        var write = Write(Owner, thread, first.CheckpointId, StateUpdate.FromMessages(Ai("hello ünïcødé 🚀", "m2")), step: 0) with
        {
            Metadata = Json("""{"source":"loop","step":0,"parents":{},"run_id":"r1","nested":{"a":[1,"x",null]}}"""),
            Next = ["tools", "agent"],
            Tasks = Json("""[{"id":"t1","name":"tools","interrupts":[]}]"""),
            Writes = Json("""{"agent":{"note":"not the delta"}}"""),
        };

        var second = await store.PutAsync(write);
        var latest = await store.GetLatestAsync(Owner, thread);

        Assert.NotNull(latest);
        Assert.Equal(second.CheckpointId, latest.CheckpointId);
        Assert.Equal(first.CheckpointId, latest.ParentCheckpointId);
        Assert.Equal(thread, latest.ThreadId);
        Assert.Equal(0, latest.Step);
        Assert.Equal(CheckpointSource.Loop, latest.Source);
        Assert.True(JsonElement.DeepEquals(write.Metadata, latest.Metadata));
        Assert.True(JsonElement.DeepEquals(write.Tasks, latest.Tasks));
        Assert.True(JsonElement.DeepEquals(write.Writes!.Value, latest.Writes!.Value));
        Assert.Equal(["tools", "agent"], latest.Next);
        Assert.Equal(["hi", "hello ünïcødé 🚀"], latest.Values.Messages.Select(m => m.Content.ToText()));
        Assert.Equal(["m1", "m2"], latest.Values.Messages.Select(m => m.Id));
        Assert.InRange(latest.CreatedAt, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    [Fact]
    public async Task GetLatest_ThreadWithoutCheckpoints_ReturnsNull()
    {
        Assert.Null(await fixture.Store().GetLatestAsync(Owner, NewThread()));
    }

    [Fact]
    public async Task Put_WritesThatAreTheNodesDelta_StoredOnceAndRebuiltOnRead()
    {
        var store = fixture.Store();
        var thread = NewThread();
        var root = await store.PutAsync(Write(Owner, thread, null, StateUpdate.Empty, step: -1));
        var delta = StateUpdate.FromMessages(Ai("answer", "a1"));
        var writes = Json($$"""{"agent":{{delta.ToJson()}}}""");

        var put = await store.PutAsync(Write(Owner, thread, root.CheckpointId, delta) with { Writes = writes });
        var full = await store.GetAsync(Owner, thread, put.CheckpointId);

        Assert.Null(put.Writes);
        Assert.Equal("agent", put.WritesNode);
        Assert.True(JsonElement.DeepEquals(writes, full!.Writes!.Value));
    }

    [Fact]
    public async Task Put_InputWritesThatTheNextStepApplies_StoredOnceAndRebuiltOnRead()
    {
        var store = fixture.Store();
        var thread = NewThread();
        var input = StateUpdate.FromMessages(Human("question", "q"));
        var writes = Json($$"""{"__start__":{{input.ToJson()}}}""");
        var inputCheckpoint = await store.PutAsync(Write(Owner, thread, null, StateUpdate.Empty, step: -1, source: CheckpointSource.Input) with { Writes = writes });
        var beforeNext = await store.GetLatestAsync(Owner, thread);

        await store.PutAsync(Write(Owner, thread, inputCheckpoint.CheckpointId, input, step: 0));
        var summaries = new List<CheckpointSummary>();
        await foreach (var summary in store.GetCheckpointSummariesAsync(Owner, thread))
        {
            summaries.Add(summary);
        }

        var byId = await store.GetAsync(Owner, thread, inputCheckpoint.CheckpointId);

        Assert.True(JsonElement.DeepEquals(writes, beforeNext!.Writes!.Value));
        Assert.Null(summaries[1].Writes);
        Assert.True(JsonElement.DeepEquals(writes, byId!.Writes!.Value));
        Assert.Empty(byId.Values.Messages);
    }

    [Fact]
    public async Task Put_ParentThatIsNoLongerLatest_IsAConflictAndWritesNothing()
    {
        var store = fixture.Store();
        var thread = NewThread();
        var root = await store.PutAsync(Write(Owner, thread, null, StateUpdate.FromMessages(Human("a"))));
        await store.PutAsync(Write(Owner, thread, root.CheckpointId, StateUpdate.FromMessages(Ai("b"))));
        var rows = await fixture.CountRowsAsync(Owner, thread);

        await Assert.ThrowsAsync<StoreConflictException>(() => store.PutAsync(Write(Owner, thread, root.CheckpointId, StateUpdate.FromMessages(Ai("c")))));

        Assert.Equal(rows, await fixture.CountRowsAsync(Owner, thread));
    }

    [Fact]
    public async Task Put_UnknownParent_ThrowsCheckpointNotFound()
    {
        var store = fixture.Store();
        var thread = NewThread();
        var root = await store.PutAsync(Write(Owner, thread, null, StateUpdate.FromMessages(Human("a"))));
        var forged = CheckpointIds.Create(1, DateTimeOffset.UnixEpoch);

        await Assert.ThrowsAsync<CheckpointNotFoundException>(() => store.PutAsync(Write(Owner, thread, forged, StateUpdate.Empty, fork: true)));
        await Assert.ThrowsAsync<CheckpointNotFoundException>(() => store.PutAsync(Write(Owner, thread, CheckpointIds.Create(99, DateTimeOffset.UtcNow), StateUpdate.Empty)));
        Assert.NotEqual(forged, root.CheckpointId);
    }

    [Fact]
    public async Task Put_ForkFromAnOlderCheckpoint_BecomesLatestAndLeavesTheOldBranchReadable()
    {
        var store = fixture.Store();
        var thread = NewThread();
        var one = await store.PutAsync(Write(Owner, thread, null, StateUpdate.FromMessages(Human("q", "h"))));
        var two = await store.PutAsync(Write(Owner, thread, one.CheckpointId, StateUpdate.FromMessages(Ai("first answer", "a"))));

        var fork = await store.PutAsync(Write(Owner, thread, one.CheckpointId, StateUpdate.FromMessages(Ai("second answer", "a")), fork: true, source: CheckpointSource.Fork));
        var next = await store.PutAsync(Write(Owner, thread, fork.CheckpointId, StateUpdate.FromMessages(Human("more", "h2"))));
        var latest = await store.GetLatestAsync(Owner, thread);
        var oldBranch = await store.GetAsync(Owner, thread, two.CheckpointId);

        Assert.Equal(next.CheckpointId, latest!.CheckpointId);
        Assert.Equal(["q", "second answer", "more"], latest.Values.Messages.Select(m => m.Content.ToText()));
        Assert.Equal(one.CheckpointId, fork.ParentCheckpointId);
        Assert.Equal(["q", "first answer"], oldBranch!.Values.Messages.Select(m => m.Content.ToText()));
    }

    [Fact]
    public async Task Put_RacingWritersWithTheSameParent_OneWinsTheOthersConflictAndNothingIsLost()
    {
        var store = fixture.Store();
        var thread = NewThread();
        var root = await store.PutAsync(Write(Owner, thread, null, StateUpdate.FromMessages(Human("start", "s"))));

        var attempts = Enumerable.Range(0, 8)
            .Select(i => Task.Run(() => store.PutAsync(Write(Owner, thread, root.CheckpointId, StateUpdate.FromMessages(Ai($"writer {i}", $"w{i}"))))))
            .ToList();
        var outcomes = await Task.WhenAll(attempts.Select(async t =>
        {
            try
            {
                return (await t).CheckpointId;
            }
            catch (StoreConflictException)
            {
                return null;
            }
        }));

        var winner = Assert.Single(outcomes, o => o is not null);
        var latest = await store.GetLatestAsync(Owner, thread);
        Assert.Equal(winner, latest!.CheckpointId);
        Assert.Equal(2, latest.Values.Messages.Count);
        var history = new List<string>();
        await foreach (var summary in store.GetCheckpointSummariesAsync(Owner, thread))
        {
            history.Add(summary.CheckpointId);
        }

        Assert.Equal([winner!, root.CheckpointId], history);
    }

    [Fact]
    public async Task Checkpoints_SameThreadIdUnderTwoOwners_AreSeparate()
    {
        var store = fixture.Store();
        var thread = NewThread();
        var alice = await store.PutAsync(Write("alice", thread, null, StateUpdate.FromMessages(Human("alice's secret"))));
        await store.PutAsync(Write("mallory/../alice", thread, null, StateUpdate.FromMessages(Human("mallory's"))));

        var seenByMallory = await store.GetLatestAsync("mallory/../alice", thread);
        var aliceByIdAsBob = await store.GetAsync("bob", thread, alice.CheckpointId);

        Assert.Equal(["mallory's"], seenByMallory!.Values.Messages.Select(m => m.Content.ToText()));
        Assert.Null(aliceByIdAsBob);
        Assert.Null(await store.GetLatestAsync("bob", thread));
    }

    [Fact]
    public async Task Put_ThreeMebibyteValue_RoundTrips()
    {
        var store = fixture.Store();
        var thread = NewThread();
        const string piece = "large \"quoted\" ünïcødé value 🚀 ";
        var big = string.Concat(Enumerable.Repeat(piece, 3 * 1024 * 1024 / System.Text.Encoding.UTF8.GetByteCount(piece)));
        var root = await store.PutAsync(Write(Owner, thread, null, StateUpdate.FromMessages(Human("small"))));

        var put = await store.PutAsync(Write(Owner, thread, root.CheckpointId, StateUpdate.FromMessages(Ai(big, "big"))));
        var read = await store.GetAsync(Owner, thread, put.CheckpointId);

        Assert.Equal(big, read!.Values.Messages[1].Content.ToText());
    }

    [Fact]
    public async Task Put_TwoMebibytesOfNonAsciiText_RoundTrips()
    {
        var store = fixture.Store();
        var thread = NewThread();
        var text = string.Concat(Enumerable.Repeat("漢字かなカナ한국어ünïcødé🚀\"'", 2 * 1024 * 1024 / 45));
        var root = await store.PutAsync(Write(Owner, thread, null, StateUpdate.FromMessages(Human("small"))));

        var put = await store.PutAsync(Write(Owner, thread, root.CheckpointId, StateUpdate.FromMessages(Ai(text, "big"))));
        var fork = await store.PutAsync(Write(Owner, thread, put.CheckpointId, StateUpdate.FromMessages(Human("more")), fork: true));
        var read = await store.GetAsync(Owner, thread, put.CheckpointId);
        var latest = await store.GetLatestAsync(Owner, thread);

        Assert.Equal(text, read!.Values.Messages[1].Content.ToText());
        Assert.Equal(text, latest!.Values.Messages[1].Content.ToText());
        Assert.Equal(fork.CheckpointId, latest.CheckpointId);
    }

    [Fact]
    public async Task Put_StateLargerThanOneTransaction_IsWrittenInPartsAndReadsBackWhole()
    {
        var store = fixture.Store();
        var thread = NewThread();
        var chunk = new string('x', 3 * 1024 * 1024);
        var one = await store.PutAsync(Write(Owner, thread, null, StateUpdate.FromMessages(Human(chunk, "1"))));
        var two = await store.PutAsync(Write(Owner, thread, one.CheckpointId, StateUpdate.FromMessages(Ai(chunk, "2"))));

        // A fork snapshots the whole state (6 MiB): more than one transaction carries.
        var fork = await store.PutAsync(Write(Owner, thread, two.CheckpointId, StateUpdate.FromMessages(Human("end", "3")), fork: true));
        var latest = await store.GetLatestAsync(Owner, thread);

        Assert.Equal(fork.CheckpointId, latest!.CheckpointId);
        Assert.Equal([chunk.Length, chunk.Length, 3], latest.Values.Messages.Select(m => m.Content.ToText().Length));
    }

    [Fact]
    public async Task Put_FiveMebibyteStep_IsRejectedBeforeAnythingIsWritten()
    {
        var store = fixture.Store();
        var thread = NewThread();
        var root = await store.PutAsync(Write(Owner, thread, null, StateUpdate.FromMessages(Human("small"))));
        var rows = await fixture.CountRowsAsync(Owner, thread);

        var error = await Assert.ThrowsAsync<CheckpointTooLargeException>(
            () => store.PutAsync(Write(Owner, thread, root.CheckpointId, StateUpdate.FromMessages(Ai(new string('x', 5 * 1024 * 1024))))));

        Assert.True(error.Bytes > 5 * 1024 * 1024);
        Assert.Equal(rows, await fixture.CountRowsAsync(Owner, thread));
        Assert.Equal(root.CheckpointId, (await store.GetLatestAsync(Owner, thread))!.CheckpointId);
    }

    [Fact]
    public async Task GetCheckpointSummaries_MetadataFilter_ReturnsOnlyMatchingCheckpoints()
    {
        var store = fixture.Store();
        var thread = NewThread();
        var parent = (await store.PutAsync(Write(Owner, thread, null, StateUpdate.Empty, step: -1, source: CheckpointSource.Input))).CheckpointId;
        for (var step = 0; step < 6; step++)
        {
            parent = (await store.PutAsync(Write(Owner, thread, parent, StateUpdate.FromMessages(Ai($"s{step}")), step: step))).CheckpointId;
        }

        var steps = new List<int>();
        await foreach (var summary in store.GetCheckpointSummariesAsync(Owner, thread, metadataFilter: Json("""{"source":"loop","step":3}""")))
        {
            steps.Add(summary.Step);
        }

        var inputs = new List<CheckpointSource>();
        await foreach (var checkpoint in store.GetCheckpointsAsync(Owner, thread, metadataFilter: Json("""{"source":"input"}""")))
        {
            inputs.Add(checkpoint.Source);
        }

        Assert.Equal([3], steps);
        Assert.Equal([CheckpointSource.Input], inputs);
    }

    [Fact]
    public async Task DeleteThread_RemovesEveryRowOfTheThreadOnly()
    {
        var store = fixture.Store(o => o.MinSnapshotChars = 10);
        var thread = NewThread();
        var other = NewThread();
        var parent = (await store.PutAsync(Write(Owner, thread, null, StateUpdate.FromMessages(Human("a"))))).CheckpointId;
        for (var i = 0; i < 30; i++)
        {
            parent = (await store.PutAsync(Write(Owner, thread, parent, StateUpdate.FromMessages(Ai($"message {i}"))))).CheckpointId;
        }

        await store.PutAsync(Write(Owner, other, null, StateUpdate.FromMessages(Human("keep"))));

        await store.DeleteThreadAsync(Owner, thread);

        Assert.Equal(0, await fixture.CountRowsAsync(Owner, thread));
        Assert.Null(await store.GetLatestAsync(Owner, thread));
        Assert.NotNull(await store.GetLatestAsync(Owner, other));
    }

    [Theory]
    [InlineData("has'quote")]
    [InlineData("has/slash")]
    [InlineData("ctl\u0001")]
    [InlineData("")]
    public async Task AnyCall_InvalidThreadId_RefusedBeforeAnyRequest(string thread)
    {
        var store = fixture.Store();
        fixture.Requests.Reset();

        await Assert.ThrowsAsync<InvalidResourceIdException>(() => store.GetLatestAsync(Owner, thread));
        await Assert.ThrowsAsync<InvalidResourceIdException>(() => store.PutAsync(Write(Owner, thread, null, StateUpdate.Empty)));

        Assert.Equal(0, fixture.Requests.Count);
    }
}
