using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Stores;
using AgentFunctions.Storage.Runs;
using AgentFunctions.Storage.Stores;
using Azure.Data.Tables;
using static AgentFunctions.Storage.Tests.Runs.RunStoreFixture;

namespace AgentFunctions.Storage.Tests.Runs;

/// <summary>
/// A thread's queue row is keyed by its partition (no two threads share the key) in a table this version created; a
/// table that holds runs of an earlier version keeps the earlier key, <c>queue</c>, and its threads' active runs go on
/// holding their threads.
/// </summary>
public class RunQueueKeyTests
{
    [Fact]
    public async Task InAFreshTable_TheQueueRowIsKeyedByItsThread()
    {
        await using var table = await OwnTable.CreateAsync("runq");
        var (owner, thread) = (NewOwner(), NewThreadId());

        var run = await Store(table).CreateAsync(NewRun(owner, thread));

        Assert.True(await table.IsMarkedAsync(RunKeys.QueuePerThread));
        Assert.Equal([run.RunId], await ReadQueueAsync(table, owner, thread, RunKeys.Queue(RunKeys.Partition(owner, thread))));
        Assert.Empty(await ReadQueueAsync(table, owner, thread, RunKeys.LegacyQueue));
    }

    [Fact]
    public async Task InATableOfAnEarlierVersion_ItsActiveRunsStillHoldTheirThreads_AndNewRunsQueueBehindThem()
    {
        await using var table = await OwnTable.CreateAsync("runq");
        var (owner, thread) = (NewOwner(), NewThreadId());
        var active = await Store(table).CreateAsync(NewRun(owner, thread));
        await MakeEarlierVersionAsync(table, owner, thread);
        var store = Store(table); // a process of this version, started on that table

        await Assert.ThrowsAsync<StoreConflictException>(() => store.CreateAsync(NewRun(owner, thread, MultitaskStrategy.Reject)));
        var queued = await store.CreateAsync(NewRun(owner, thread));
        var other = await store.CreateAsync(NewRun(owner, NewThreadId()));

        Assert.False(await table.IsMarkedAsync(RunKeys.QueuePerThread));
        Assert.Equal([active.RunId, queued.RunId], await ReadQueueAsync(table, owner, thread, RunKeys.LegacyQueue));
        Assert.Equal([other.RunId], await ReadQueueAsync(table, owner, other.ThreadId, RunKeys.LegacyQueue));
        Assert.Empty(await ReadQueueAsync(table, owner, thread, RunKeys.Queue(RunKeys.Partition(owner, thread))));
    }

    private static TableRunStore Store(OwnTable table) => new(table.Service, table.Name);

    private static async Task<List<string>> ReadQueueAsync(OwnTable table, string owner, string thread, string rowKey)
    {
        var row = await table.Table.GetEntityIfExistsAsync<TableEntity>(RunKeys.Partition(owner, thread), rowKey);
        return row.HasValue ? [.. row.Value!.GetString("Runs").Split(',', StringSplitOptions.RemoveEmptyEntries)] : [];
    }

    /// <summary>Leaves the table as an earlier version wrote it: the thread's queue row under <c>queue</c>, and no marker.</summary>
    private static async Task MakeEarlierVersionAsync(OwnTable table, string owner, string thread)
    {
        var partition = RunKeys.Partition(owner, thread);
        var queue = (await table.Table.GetEntityAsync<TableEntity>(partition, RunKeys.Queue(partition))).Value;
        await table.Table.AddEntityAsync(new TableEntity(queue) { RowKey = RunKeys.LegacyQueue });
        await table.Table.DeleteEntityAsync(partition, RunKeys.Queue(partition));
        await table.Table.DeleteEntityAsync(TableFormat.Partition, RunKeys.QueuePerThread);
    }
}
