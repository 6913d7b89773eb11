using AgentFunctions.Core.Compaction;
using AgentFunctions.Core.Stores;
using AgentFunctions.Storage.Checkpoints;
using AgentFunctions.Storage.Tests.Checkpoints;
using Azure.Data.Tables;
using static AgentFunctions.Storage.Tests.Checkpoints.CheckpointTestData;
using static AgentFunctions.Storage.Tests.Compaction.CompactionTestData;

namespace AgentFunctions.Storage.Tests.Compaction;

public class CheckpointCompactionTests(CheckpointStoreFixture fixture) : IClassFixture<CheckpointStoreFixture>
{
    private const string Owner = "o";

    public static TheoryData<string> Thresholds => new() { "default", "tight" };

    [Theory]
    [MemberData(nameof(Thresholds))]
    public async Task CompactAsync_KeepLatestAndPins_EveryKeptCheckpointReadsBackIdentical(string thresholds)
    {
        var store = Store(thresholds);
        var thread = NewThread();
        var ids = await WriteTurnsAsync(store, Owner, thread, turns: 170);
        var before = await ReadAllAsync(store, Owner, thread);
        // Input checkpoints alone (their writes are stored as the next delta; with the default thresholds the
        // delta after sequence 241 opens the second of three blocks, which compaction deletes), and a range of two.
        var pinned = new[] { ids[6], ids[240], ids[100], ids[101] };
        var kept = ids[^10..].Concat(pinned).ToHashSet();

        await store.CompactAsync(Owner, thread, new CheckpointRetention { KeepFrom = ids[^10], Pinned = pinned });
        var after = await ReadAllAsync(store, Owner, thread);
        var pointReads = new Dictionary<string, string>();
        foreach (var id in kept)
        {
            pointReads[id] = Describe((await store.GetAsync(Owner, thread, id))!);
        }

        Assert.Equal(kept.Order(), after.Keys.Order());
        Assert.All(kept, id => Assert.Equal(before[id], after[id]));
        Assert.All(kept, id => Assert.Equal(before[id], pointReads[id]));
    }

    [Theory]
    [MemberData(nameof(Thresholds))]
    public async Task CompactAsync_KeepLatest_StateHashUnchangedAndOlderCheckpointsAndRowsGone(string thresholds)
    {
        var store = Store(thresholds);
        var thread = NewThread();
        var ids = await WriteTurnsAsync(store, Owner, thread, turns: 100);
        var hashBefore = await StateHashAsync(store, Owner, thread);
        var rowsBefore = await fixture.CountRowsAsync(Owner, thread);

        var result = await store.CompactAsync(Owner, thread, new CheckpointRetention { KeepFrom = ids[^10] });

        Assert.Equal(hashBefore, await StateHashAsync(store, Owner, thread));
        Assert.Equal(290, result.CheckpointsDeleted);
        Assert.Null(await store.GetAsync(Owner, thread, ids[0]));
        Assert.Null(await store.GetAsync(Owner, thread, ids[^11]));
        Assert.Equal(ids[^10..].AsEnumerable().Reverse(), await HistoryIdsAsync(store, Owner, thread));
        Assert.True(await fixture.CountRowsAsync(Owner, thread) < rowsBefore / 10, "the partition should have shrunk to a tenth at most");
    }

    [Theory]
    [MemberData(nameof(Thresholds))]
    public async Task CompactAsync_ThenMoreTurns_NewCheckpointsAndStateReadBackWhole(string thresholds)
    {
        var store = Store(thresholds);
        var thread = NewThread();
        var ids = await WriteTurnsAsync(store, Owner, thread, turns: 100);
        await store.CompactAsync(Owner, thread, new CheckpointRetention { KeepFrom = ids[^5] });

        var more = await WriteTurnsAsync(store, Owner, thread, turns: 30, parent: ids[^1], tag: "n");
        var latest = await store.GetLatestAsync(Owner, thread);
        var all = await ReadAllAsync(store, Owner, thread);

        Assert.Equal(260, latest!.Values.Messages.Count);
        Assert.Equal("n29 " + new string('a', 60), latest.Values.Messages[^1].Content.ToText());
        Assert.Equal(ids[^5..].Concat(more).Order(), all.Keys.Order());
    }

    [Fact]
    public async Task CompactAsync_RunTwice_SecondFindsNothingAndChangesNothing()
    {
        var store = Store("default");
        var thread = NewThread();
        var ids = await WriteTurnsAsync(store, Owner, thread, turns: 50);
        var retention = new CheckpointRetention { KeepFrom = ids[^10], Pinned = [ids[9]] };
        await store.CompactAsync(Owner, thread, retention);
        var afterFirst = await ReadAllAsync(store, Owner, thread);
        var rowsAfterFirst = await fixture.CountRowsAsync(Owner, thread);

        var second = await store.CompactAsync(Owner, thread, retention);

        Assert.Equal(CheckpointCompactionResult.None, second);
        Assert.Equal(afterFirst, await ReadAllAsync(store, Owner, thread));
        Assert.Equal(rowsAfterFirst, await fixture.CountRowsAsync(Owner, thread));
    }

    [Fact]
    public async Task CompactAsync_WhileAWriterAppendsBetweenItsTransactions_WriterLosesNothing()
    {
        var writer = Store("default");
        var thread = NewThread();
        var ids = await WriteTurnsAsync(writer, Owner, thread, turns: 150);
        var before = await ReadAllAsync(writer, Owner, thread);
        var written = new List<string>();
        var seenRightAfterWriting = new Dictionary<string, string>();
        var parent = ids[^1];
        var turn = 0;

        // Before every transaction of the compaction (its snapshot, each batch of deletes), the writer adds a turn.
        var compactor = new TableCheckpointStore(Service(async message =>
        {
            if (InterceptingPolicy.IsBatch(message))
            {
                var turnIds = await WriteTurnsAsync(writer, Owner, thread, turns: 1, parent: parent, tag: $"w{turn++}-");
                foreach (var id in turnIds)
                {
                    seenRightAfterWriting[id] = Describe((await writer.GetAsync(Owner, thread, id))!);
                }

                written.AddRange(turnIds);
                parent = turnIds[^1];
            }
        }), new CheckpointStoreOptions { TableName = fixture.TableName });

        var result = await compactor.CompactAsync(Owner, thread, new CheckpointRetention { KeepFrom = ids[^10] });
        var after = await ReadAllAsync(writer, Owner, thread);
        var latest = await writer.GetLatestAsync(Owner, thread);

        Assert.True(result.Transactions >= 4, "the compaction should have taken several transactions");
        Assert.Equal(ids[^10..].Concat(written).Order(), after.Keys.Order());
        Assert.All(ids[^10..], id => Assert.Equal(before[id], after[id]));
        Assert.All(written, id => Assert.Equal(seenRightAfterWriting[id], after[id]));
        Assert.Equal((150 + turn) * 2, latest!.Values.Messages.Count);
    }

    [Fact]
    public async Task CompactAsync_KilledBetweenBatchesThenRunAgain_EndsAsAnUninterruptedCompaction()
    {
        var store = Store("default");
        var (clean, interrupted) = (NewThread(), NewThread());
        var cleanIds = await WriteTurnsAsync(store, Owner, clean, turns: 150);
        var ids = await WriteTurnsAsync(store, Owner, interrupted, turns: 150);
        var before = await ReadAllAsync(store, Owner, interrupted);
        await store.CompactAsync(Owner, clean, new CheckpointRetention { KeepFrom = cleanIds[^10], Pinned = [cleanIds[30]] });
        var batches = 0;
        var crashing = new TableCheckpointStore(
            Service(message => InterceptingPolicy.IsBatch(message) && ++batches == 3 ? throw new SimulatedCrashException() : ValueTask.CompletedTask),
            new CheckpointStoreOptions { TableName = fixture.TableName });
        var retention = new CheckpointRetention { KeepFrom = ids[^10], Pinned = [ids[30]] };

        await Assert.ThrowsAsync<SimulatedCrashException>(() => crashing.CompactAsync(Owner, interrupted, retention));
        var readableAfterCrash = await ReadAllAsync(store, Owner, interrupted);
        await store.CompactAsync(Owner, interrupted, retention);
        var after = await ReadAllAsync(store, Owner, interrupted);

        Assert.All(readableAfterCrash, pair => Assert.Equal(before[pair.Key], pair.Value));
        Assert.Equal(ids[^10..].Append(ids[30]).Order(), after.Keys.Order());
        Assert.All(after, pair => Assert.Equal(before[pair.Key], pair.Value));
        Assert.Equal(await fixture.CountRowsAsync(Owner, clean), await fixture.CountRowsAsync(Owner, interrupted));
    }

    [Fact]
    public async Task DeleteAfterAsync_ToAPinnedCheckpointAfterCompaction_ThenNewWritesReadBack()
    {
        var store = Store("default");
        var thread = NewThread();
        var ids = await WriteTurnsAsync(store, Owner, thread, turns: 100);
        var pinned = ids[149]; // a reply in the middle of the thread: what a running run started from
        var atPin = Describe((await store.GetAsync(Owner, thread, pinned))!);
        await store.CompactAsync(Owner, thread, new CheckpointRetention { KeepFrom = ids[^10], Pinned = [pinned] });

        await store.DeleteAfterAsync(Owner, thread, pinned);
        var more = await WriteTurnsAsync(store, Owner, thread, turns: 3, parent: pinned, tag: "r");
        var latest = await store.GetLatestAsync(Owner, thread);

        Assert.Equal(atPin, Describe((await store.GetAsync(Owner, thread, pinned))!));
        Assert.Equal(more[^1], latest!.CheckpointId);
        Assert.Equal(106, latest.Values.Messages.Count);
        Assert.Equal([.. more.AsEnumerable().Reverse(), pinned], await HistoryIdsAsync(store, Owner, thread));
    }

    [Fact]
    public async Task CompactAsync_KeepFromNoLongerExists_IsAConflictAndDeletesNothing()
    {
        var store = Store("default");
        var thread = NewThread();
        var ids = await WriteTurnsAsync(store, Owner, thread, turns: 10);
        await store.DeleteAfterAsync(Owner, thread, ids[20]);
        var rows = await fixture.CountRowsAsync(Owner, thread);

        await Assert.ThrowsAsync<StoreConflictException>(() => store.CompactAsync(Owner, thread, new CheckpointRetention { KeepFrom = ids[25] }));

        Assert.Equal(rows, await fixture.CountRowsAsync(Owner, thread));
    }

    private TableCheckpointStore Store(string thresholds)
        => fixture.Store(thresholds == "tight" ? o => { o.MinSnapshotChars = 400; o.SnapshotGrowthFactor = 3; } : null);

    private static TableServiceClient Service(Func<Azure.Core.HttpMessage, ValueTask> before)
    {
        var options = new TableClientOptions();
        options.AddPolicy(new InterceptingPolicy(before), Azure.Core.HttpPipelinePosition.PerCall);
        return new TableServiceClient(TestStorage.ConnectionString, options);
    }
}
