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
        await using var table = await RunsTable.CreateAsync();
        var (owner, thread) = (NewOwner(), NewThreadId());

        var run = await table.Store().CreateAsync(NewRun(owner, thread));

        Assert.True(await table.IsMarkedAsync());
        Assert.Equal([run.RunId], await table.ReadQueueAsync(owner, thread, RunKeys.Queue(RunKeys.Partition(owner, thread))));
        Assert.Empty(await table.ReadQueueAsync(owner, thread, RunKeys.LegacyQueue));
    }

    [Fact]
    public async Task InATableOfAnEarlierVersion_ItsActiveRunsStillHoldTheirThreads_AndNewRunsQueueBehindThem()
    {
        await using var table = await RunsTable.CreateAsync();
        var (owner, thread) = (NewOwner(), NewThreadId());
        var active = await table.Store().CreateAsync(NewRun(owner, thread));
        await table.MakeEarlierVersionAsync(owner, thread);
        var store = table.Store(); // a process of this version, started on that table

        await Assert.ThrowsAsync<StoreConflictException>(() => store.CreateAsync(NewRun(owner, thread, MultitaskStrategy.Reject)));
        var queued = await store.CreateAsync(NewRun(owner, thread));
        var other = await store.CreateAsync(NewRun(owner, NewThreadId()));

        Assert.False(await table.IsMarkedAsync());
        Assert.Equal([active.RunId, queued.RunId], await table.ReadQueueAsync(owner, thread, RunKeys.LegacyQueue));
        Assert.Equal([other.RunId], await table.ReadQueueAsync(owner, other.ThreadId, RunKeys.LegacyQueue));
        Assert.Empty(await table.ReadQueueAsync(owner, thread, RunKeys.Queue(RunKeys.Partition(owner, thread))));
    }

    /// <summary>A runs table of its own.</summary>
    private sealed class RunsTable(TableServiceClient service, string name) : IAsyncDisposable
    {
        private TableClient Table => service.GetTableClient(name);

        public static async Task<RunsTable> CreateAsync()
        {
            var service = new TableServiceClient(TestStorage.ConnectionString);
            var name = TestStorage.UniqueName("runq");
            await service.CreateTableIfNotExistsAsync(name);
            return new RunsTable(service, name);
        }

        public TableRunStore Store() => new(service, name);

        public async ValueTask DisposeAsync() => await service.DeleteTableAsync(name);

        public async Task<bool> IsMarkedAsync()
            => (await Table.GetEntityIfExistsAsync<TableEntity>(TableFormat.Partition, RunKeys.QueuePerThread)).HasValue;

        public async Task<List<string>> ReadQueueAsync(string owner, string thread, string rowKey)
        {
            var row = await Table.GetEntityIfExistsAsync<TableEntity>(RunKeys.Partition(owner, thread), rowKey);
            return row.HasValue ? [.. row.Value!.GetString("Runs").Split(',', StringSplitOptions.RemoveEmptyEntries)] : [];
        }

        /// <summary>Leaves the table as an earlier version wrote it: the thread's queue row under <c>queue</c>, and no marker.</summary>
        public async Task MakeEarlierVersionAsync(string owner, string thread)
        {
            var partition = RunKeys.Partition(owner, thread);
            var queue = (await Table.GetEntityAsync<TableEntity>(partition, RunKeys.Queue(partition))).Value;
            await Table.AddEntityAsync(new TableEntity(queue) { RowKey = RunKeys.LegacyQueue });
            await Table.DeleteEntityAsync(partition, RunKeys.Queue(partition));
            await Table.DeleteEntityAsync(TableFormat.Partition, RunKeys.QueuePerThread);
        }
    }
}
