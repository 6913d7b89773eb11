using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.State;
using AgentFunctions.Core.Stores;
using Azure.Data.Tables;
using static AgentFunctions.Storage.Tests.Checkpoints.CheckpointTestData;

namespace AgentFunctions.Storage.Tests.Checkpoints;

public class CheckpointCopyTests(CheckpointStoreFixture fixture) : IClassFixture<CheckpointStoreFixture>
{
    [Fact]
    public async Task CopyThread_LongThreadWithSplitValues_ReadsBackAsTheSourceDoes()
    {
        // Arrange: 450 checkpoints (several pages and transactions of rows) in blocks and snapshots, a fork, and two
        // values too large for one row (split across rows written in several transactions).
        var store = fixture.Store(o => o.MinSnapshotChars = 2_000);
        var thread = NewThread();
        var ids = new List<string>();
        string? parent = null;
        for (var i = 0; i < 450; i++)
        {
            var text = i is 100 or 300 ? new string((char)('a' + (i % 26)), 1_500_000) : $"message {i}";
            var write = Write("o", thread, parent, StateUpdate.FromMessages(Human(text, $"m{i}")), step: i) with
            {
                Metadata = Json($$"""{"source":"loop","step":{{i}},"thread_id":"{{thread}}","run_id":"r{{i / 3}}"}"""),
            };
            parent = (await store.PutAsync(write)).CheckpointId;
            ids.Add(parent);
        }

        var fork = await store.PutAsync(Write("o", thread, ids[200], StateUpdate.FromMessages(Ai("forked", "f")), step: 201, fork: true));
        var copyThread = NewThread();

        // Act
        var copied = await store.CopyThreadAsync("o", thread, copyThread);

        // Assert: every checkpoint, same ids and parents, same values, metadata naming the copy.
        Assert.Equal(451, copied);
        var source = await ReadAllAsync(store, thread);
        var copy = await ReadAllAsync(store, copyThread);
        Assert.Equal(source.Select(c => (c.CheckpointId, c.ParentCheckpointId)), copy.Select(c => (c.CheckpointId, c.ParentCheckpointId)));
        Assert.Equal(fork.CheckpointId, copy[0].CheckpointId);
        for (var i = 0; i < source.Count; i++)
        {
            Assert.Equal(source[i].Values.ToJson(), copy[i].Values.ToJson());
            Assert.Equal(copyThread, copy[i].ThreadId);
            var metadata = copy[i].Metadata;
            if (metadata.TryGetProperty("thread_id", out var named))
            {
                Assert.Equal(copyThread, named.GetString());
                Assert.Equal(source[i].Metadata.GetProperty("run_id").GetString(), metadata.GetProperty("run_id").GetString());
            }
        }
    }

    [Fact]
    public async Task CopyThread_ThenWritesToEach_KeepsThemApart()
    {
        var store = fixture.Store();
        var thread = NewThread();
        var first = await store.PutAsync(Write("o", thread, null, StateUpdate.FromMessages(Human("hello", "h"))));
        var second = await store.PutAsync(Write("o", thread, first.CheckpointId, StateUpdate.FromMessages(Ai("hi", "a"))));
        var copyThread = NewThread();
        await store.CopyThreadAsync("o", thread, copyThread);

        await store.PutAsync(Write("o", copyThread, second.CheckpointId, StateUpdate.FromMessages(Human("only in the copy", "c"))));
        await store.PutAsync(Write("o", thread, second.CheckpointId, StateUpdate.FromMessages(Human("only in the source", "s"))));

        var source = await store.GetLatestAsync("o", thread);
        var copy = await store.GetLatestAsync("o", copyThread);
        Assert.Equal(["hello", "hi", "only in the source"], source!.Values.Messages.Select(m => m.Content.ToText()));
        Assert.Equal(["hello", "hi", "only in the copy"], copy!.Values.Messages.Select(m => m.Content.ToText()));
    }

    [Fact]
    public async Task CopyThread_EmptyThread_CopiesNothing()
    {
        var store = fixture.Store();
        var copyThread = NewThread();

        var copied = await store.CopyThreadAsync("o", NewThread(), copyThread);

        Assert.Equal(0, copied);
        Assert.Null(await store.GetLatestAsync("o", copyThread));
    }

    [Fact]
    public async Task CopyThread_FailingPartWay_LeavesNoRowOfTheCopy()
    {
        // Arrange: a thread of more rows than one transaction holds, and a row already in the target that a later
        // transaction of the copy runs into.
        var store = fixture.Store();
        var thread = NewThread();
        string? parent = null;
        for (var i = 0; i < 250; i++)
        {
            parent = (await store.PutAsync(Write("o", thread, parent, StateUpdate.FromMessages(Human($"message {i}", $"m{i}")), step: i))).CheckpointId;
        }

        var copyThread = NewThread();
        var table = fixture.Service.GetTableClient(fixture.TableName);
        var targetPartition = AgentFunctions.Storage.Owners.OwnerKey.ToPartitionKey("o") + "|" + copyThread;
        var oldestRow = await table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {AgentFunctions.Storage.Owners.OwnerKey.ToPartitionKey("o") + "|" + thread} and RowKey lt {"d"}"))
            .LastAsync();
        await table.AddEntityAsync(new TableEntity(targetPartition, oldestRow.RowKey));

        // Act
        await Assert.ThrowsAsync<StoreConflictException>(() => store.CopyThreadAsync("o", thread, copyThread));

        // Assert
        Assert.Equal(0, await fixture.CountRowsAsync("o", copyThread));
        Assert.Equal("message 249", (await store.GetLatestAsync("o", thread))!.Values.Messages[^1].Content.ToText());
    }

    private static async Task<List<Checkpoint>> ReadAllAsync(ICheckpointStore store, string thread)
    {
        var all = new List<Checkpoint>();
        await foreach (var checkpoint in store.GetCheckpointsAsync("o", thread, pageSizeHint: 50))
        {
            all.Add(checkpoint);
        }

        return all;
    }
}
