using System.Text.Json;
using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.State;
using static AgentFunctions.Storage.Tests.Checkpoints.CheckpointTestData;

namespace AgentFunctions.Storage.Tests.Checkpoints;

public class CheckpointRollbackTests(CheckpointStoreFixture fixture) : IClassFixture<CheckpointStoreFixture>
{
    [Theory]
    [InlineData("default")]
    [InlineData("tight")]
    public async Task DeleteAfter_ThenNewWrites_ReadBackWithoutAnyTraceOfTheDeletedCheckpoints(string thresholds)
    {
        var store = fixture.Store(thresholds == "tight" ? o => { o.MinSnapshotChars = 50; o.SnapshotGrowthFactor = 2; } : null);
        var thread = NewThread();
        var ids = new List<string>();
        string? parent = null;
        for (var i = 0; i < 12; i++)
        {
            parent = (await store.PutAsync(Write("o", thread, parent, StateUpdate.FromMessages(Human($"kept {i}", $"k{i}"))))).CheckpointId;
            ids.Add(parent);
        }

        var keep = ids[5];
        var deleted = await store.DeleteAfterAsync("o", thread, keep);
        var latestAfterDelete = await store.GetLatestAsync("o", thread);
        var next = await store.PutAsync(Write("o", thread, keep, StateUpdate.FromMessages(Ai("new branch", "n"))));
        var latest = await store.GetLatestAsync("o", thread);
        var history = new List<string>();
        await foreach (var summary in store.GetCheckpointSummariesAsync("o", thread))
        {
            history.Add(summary.CheckpointId);
        }

        Assert.Equal(6, deleted);
        Assert.Equal(keep, latestAfterDelete!.CheckpointId);
        Assert.Equal([.. Enumerable.Range(0, 6).Select(i => $"kept {i}"), "new branch"], latest!.Values.Messages.Select(m => m.Content.ToText()));
        Assert.Equal([next.CheckpointId, .. ids[..6].AsEnumerable().Reverse()], history);
    }

    [Fact]
    public async Task DeleteAfter_AnInputCheckpointWhoseWritesWereTheNextDelta_KeepsItsWrites()
    {
        var store = fixture.Store();
        var thread = NewThread();
        var input = StateUpdate.FromMessages(Human("question", "q"));
        var writes = Json($$"""{"__start__":{{input.ToJson()}}}""");
        var inputCheckpoint = await store.PutAsync(Write("o", thread, null, StateUpdate.Empty, step: -1, source: CheckpointSource.Input) with { Writes = writes });
        await store.PutAsync(Write("o", thread, inputCheckpoint.CheckpointId, input, step: 0));

        await store.DeleteAfterAsync("o", thread, inputCheckpoint.CheckpointId);
        var after = await store.GetAsync("o", thread, inputCheckpoint.CheckpointId);
        var replacement = await store.PutAsync(Write("o", thread, inputCheckpoint.CheckpointId, StateUpdate.FromMessages(Human("other", "x")), step: 0));
        var afterReplacement = await store.GetAsync("o", thread, inputCheckpoint.CheckpointId);

        Assert.True(JsonElement.DeepEquals(writes, after!.Writes!.Value));
        Assert.True(JsonElement.DeepEquals(writes, afterReplacement!.Writes!.Value));
        Assert.NotNull(replacement);
    }

    [Fact]
    public async Task DeleteAfter_Null_DeletesEveryCheckpoint()
    {
        var store = fixture.Store();
        var thread = NewThread();
        var first = await store.PutAsync(Write("o", thread, null, StateUpdate.FromMessages(Human("a"))));
        await store.PutAsync(Write("o", thread, first.CheckpointId, StateUpdate.FromMessages(Ai("b"))));

        var deleted = await store.DeleteAfterAsync("o", thread, null);

        Assert.Equal(2, deleted);
        Assert.Null(await store.GetLatestAsync("o", thread));
        Assert.Equal(0, await fixture.CountRowsAsync("o", thread));
    }
}
