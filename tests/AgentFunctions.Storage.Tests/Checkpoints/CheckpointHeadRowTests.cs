using AgentFunctions.Core.State;
using AgentFunctions.Storage.Checkpoints;
using AgentFunctions.Storage.Owners;
using AgentFunctions.Storage.Stores;
using Azure.Data.Tables;
using static AgentFunctions.Storage.Tests.Checkpoints.CheckpointTestData;

namespace AgentFunctions.Storage.Tests.Checkpoints;

/// <summary>
/// A thread's newest checkpoint is kept again in its head row, so reading it is a point read whatever the table holds
/// (a query scans the table in the emulator). Tables written before head rows were kept go on working: their threads
/// are read the old way until their next write adds the head row.
/// </summary>
public class CheckpointHeadRowTests
{
    private const string Owner = "alice@example.com";

    [Fact]
    public async Task TheLatestCheckpoint_AndItsState_AreReadByKey_NotByQuery()
    {
        await using var table = await OwnTable.CreateAsync("cph");
        var thread = NewThread();
        var writer = Store(table);
        var one = await writer.PutAsync(Write(Owner, thread, null, StateUpdate.FromMessages(Human("q", "h"))));
        var two = await writer.PutAsync(Write(Owner, thread, one.CheckpointId, StateUpdate.FromMessages(Ai("a", "a")), step: 1));
        var three = await writer.PutAsync(Write(Owner, thread, two.CheckpointId, StateUpdate.FromMessages(Ai("b", "b")), step: 2));

        foreach (var (id, texts) in new[] { (three.CheckpointId, new[] { "q", "a", "b" }), (one.CheckpointId, ["q"]) })
        {
            var reader = Store(table); // another process: nothing remembered
            await reader.GetLatestAsync(Owner, NewThread());
            table.Requests.Reset();

            var latest = await reader.GetLatestAsync(Owner, thread);

            Assert.Equal(id, latest!.CheckpointId);
            Assert.Equal(texts, latest.Values.Messages.Select(m => m.Content.ToText()));
            Assert.All(table.Requests.Requests, r => Assert.Equal("GET", r.Method));
            Assert.All(table.Requests.Requests, r => Assert.DoesNotContain("$filter", Uri.UnescapeDataString(r.Uri.Query), StringComparison.Ordinal));
            await writer.DeleteAfterAsync(Owner, thread, one.CheckpointId); // the second round reads a snapshot head
        }
    }

    [Fact]
    public async Task AFreshTable_IsMarked_AndATableWithRowsFromAnEarlierVersion_IsNot()
    {
        await using var fresh = await OwnTable.CreateAsync("cph");
        await Store(fresh).GetLatestAsync(Owner, NewThread());
        Assert.True(await fresh.IsMarkedAsync(CheckpointKeys.HeadsKept));

        await using var legacy = await OwnTable.CreateAsync("cph");
        await AddLegacyThreadAsync(legacy, NewThread());
        await Store(legacy).GetLatestAsync(Owner, NewThread());
        Assert.False(await legacy.IsMarkedAsync(CheckpointKeys.HeadsKept));
    }

    [Fact]
    public async Task AThreadWrittenBeforeHeadRows_IsRead_AndItsNextWriteAddsItsHeadRow()
    {
        await using var table = await OwnTable.CreateAsync("cph");
        var thread = NewThread();
        var two = await AddLegacyThreadAsync(table, thread);
        var store = Store(table);

        var latest = await store.GetLatestAsync(Owner, thread);
        Assert.Equal(two, latest!.CheckpointId);
        Assert.Equal(["q", "a"], latest.Values.Messages.Select(m => m.Content.ToText()));
        Assert.Null(await store.GetLatestAsync(Owner, NewThread())); // a new thread in such a table is empty, not missing a head

        var three = await Store(table).PutAsync(Write(Owner, thread, two, StateUpdate.FromMessages(Ai("b", "b")), step: 2));
        Assert.True(await HasHeadRowAsync(table, thread));
        table.Requests.Reset();
        var after = await Store(table).GetLatestAsync(Owner, thread);
        Assert.Equal(three.CheckpointId, after!.CheckpointId);
        Assert.Equal(["q", "a", "b"], after.Values.Messages.Select(m => m.Content.ToText()));
        Assert.DoesNotContain(table.Requests.Requests, r => Uri.UnescapeDataString(r.Uri.Query).Contains("$filter", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TwoWritersOfAThreadWrittenBeforeHeadRows_OneLands_TheOtherConflicts()
    {
        await using var table = await OwnTable.CreateAsync("cph");
        var thread = NewThread();
        var two = await AddLegacyThreadAsync(table, thread);
        var (here, there) = (Store(table), Store(table));
        Assert.NotNull(await here.GetLatestAsync(Owner, thread));
        Assert.NotNull(await there.GetLatestAsync(Owner, thread));

        var theirs = await there.PutAsync(Write(Owner, thread, two, StateUpdate.FromMessages(Ai("there", "t")), step: 2));
        await Assert.ThrowsAsync<AgentFunctions.Core.Stores.StoreConflictException>(
            () => here.PutAsync(Write(Owner, thread, two, StateUpdate.FromMessages(Ai("here", "x")), step: 2)));

        Assert.Equal(theirs.CheckpointId, (await Store(table).GetLatestAsync(Owner, thread))!.CheckpointId);
    }

    [Fact]
    public async Task ARollbackToNothing_EmptiesTheThread_AndTheNextWriteStartsIt()
    {
        await using var table = await OwnTable.CreateAsync("cph");
        var thread = NewThread();
        var store = Store(table);
        var one = await store.PutAsync(Write(Owner, thread, null, StateUpdate.FromMessages(Human("q", "h"))));
        await store.PutAsync(Write(Owner, thread, one.CheckpointId, StateUpdate.FromMessages(Ai("a", "a")), step: 1));

        await Store(table).DeleteAfterAsync(Owner, thread, null);

        Assert.False(await HasHeadRowAsync(table, thread));
        Assert.Null(await Store(table).GetLatestAsync(Owner, thread));
        var again = await store.PutAsync(Write(Owner, thread, null, StateUpdate.FromMessages(Human("again", "g"))));
        Assert.Equal(1, again.Sequence);
        Assert.Equal(["again"], (await Store(table).GetLatestAsync(Owner, thread))!.Values.Messages.Select(m => m.Content.ToText()));
    }

    [Fact]
    public async Task ACopyOfAThreadWrittenBeforeHeadRows_GetsAHeadRow()
    {
        await using var table = await OwnTable.CreateAsync("cph");
        var (thread, copy) = (NewThread(), NewThread());
        await AddLegacyThreadAsync(table, thread);

        Assert.Equal(2, await Store(table).CopyThreadAsync(Owner, thread, copy));

        Assert.True(await HasHeadRowAsync(table, copy));
        var latest = await Store(table).GetLatestAsync(Owner, copy);
        Assert.Equal(["q", "a"], latest!.Values.Messages.Select(m => m.Content.ToText()));
        Assert.Equal(2, latest.Sequence);
    }

    private static TableCheckpointStore Store(OwnTable table) => new(table.Service, new CheckpointStoreOptions { TableName = table.Name });

    private static async Task<bool> HasHeadRowAsync(OwnTable table, string thread)
        => (await table.Table.GetEntityIfExistsAsync<TableEntity>(Partition(thread), CheckpointKeys.Head(Partition(thread)))).HasValue;

    /// <summary>
    /// Writes a thread of two checkpoints (q, then a) as a version without head rows left it: its rows, and no head
    /// row or table marker. The id of its latest checkpoint.
    /// </summary>
    private static async Task<string> AddLegacyThreadAsync(OwnTable table, string thread)
    {
        var store = Store(table);
        var one = await store.PutAsync(Write(Owner, thread, null, StateUpdate.FromMessages(Human("q", "h"))));
        var two = await store.PutAsync(Write(Owner, thread, one.CheckpointId, StateUpdate.FromMessages(Ai("a", "a")), step: 1));
        await table.Table.DeleteEntityAsync(Partition(thread), CheckpointKeys.Head(Partition(thread)));
        await table.Table.DeleteEntityAsync(TableFormat.Partition, CheckpointKeys.HeadsKept);
        return two.CheckpointId;
    }

    private static string Partition(string thread) => CheckpointKeys.Partition(OwnerKey.ToPartitionKey(Owner), thread);
}
