using AgentFunctions.Core.State;
using AgentFunctions.Storage.Checkpoints;
using AgentFunctions.Storage.Owners;
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
        await using var table = await TableFixture.CreateAsync();
        var thread = NewThread();
        var writer = table.Store();
        var one = await writer.PutAsync(Write(Owner, thread, null, StateUpdate.FromMessages(Human("q", "h"))));
        var two = await writer.PutAsync(Write(Owner, thread, one.CheckpointId, StateUpdate.FromMessages(Ai("a", "a")), step: 1));
        var three = await writer.PutAsync(Write(Owner, thread, two.CheckpointId, StateUpdate.FromMessages(Ai("b", "b")), step: 2));

        foreach (var (id, texts) in new[] { (three.CheckpointId, new[] { "q", "a", "b" }), (one.CheckpointId, ["q"]) })
        {
            var reader = table.Store(); // another process: nothing remembered
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
        await using var fresh = await TableFixture.CreateAsync();
        await fresh.Store().GetLatestAsync(Owner, NewThread());
        Assert.True(await fresh.HasMarkerAsync());

        await using var legacy = await TableFixture.CreateAsync();
        await legacy.AddLegacyThreadAsync(NewThread());
        await legacy.Store().GetLatestAsync(Owner, NewThread());
        Assert.False(await legacy.HasMarkerAsync());
    }

    [Fact]
    public async Task AThreadWrittenBeforeHeadRows_IsRead_AndItsNextWriteAddsItsHeadRow()
    {
        await using var table = await TableFixture.CreateAsync();
        var thread = NewThread();
        var two = await table.AddLegacyThreadAsync(thread);
        var store = table.Store();

        var latest = await store.GetLatestAsync(Owner, thread);
        Assert.Equal(two, latest!.CheckpointId);
        Assert.Equal(["q", "a"], latest.Values.Messages.Select(m => m.Content.ToText()));
        Assert.Null(await store.GetLatestAsync(Owner, NewThread())); // a new thread in such a table is empty, not missing a head

        var three = await table.Store().PutAsync(Write(Owner, thread, two, StateUpdate.FromMessages(Ai("b", "b")), step: 2));
        Assert.True(await table.HasHeadRowAsync(thread));
        table.Requests.Reset();
        var after = await table.Store().GetLatestAsync(Owner, thread);
        Assert.Equal(three.CheckpointId, after!.CheckpointId);
        Assert.Equal(["q", "a", "b"], after.Values.Messages.Select(m => m.Content.ToText()));
        Assert.DoesNotContain(table.Requests.Requests, r => Uri.UnescapeDataString(r.Uri.Query).Contains("$filter", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TwoWritersOfAThreadWrittenBeforeHeadRows_OneLands_TheOtherConflicts()
    {
        await using var table = await TableFixture.CreateAsync();
        var thread = NewThread();
        var two = await table.AddLegacyThreadAsync(thread);
        var (here, there) = (table.Store(), table.Store());
        Assert.NotNull(await here.GetLatestAsync(Owner, thread));
        Assert.NotNull(await there.GetLatestAsync(Owner, thread));

        var theirs = await there.PutAsync(Write(Owner, thread, two, StateUpdate.FromMessages(Ai("there", "t")), step: 2));
        await Assert.ThrowsAsync<AgentFunctions.Core.Stores.StoreConflictException>(
            () => here.PutAsync(Write(Owner, thread, two, StateUpdate.FromMessages(Ai("here", "x")), step: 2)));

        Assert.Equal(theirs.CheckpointId, (await table.Store().GetLatestAsync(Owner, thread))!.CheckpointId);
    }

    [Fact]
    public async Task ARollbackToNothing_EmptiesTheThread_AndTheNextWriteStartsIt()
    {
        await using var table = await TableFixture.CreateAsync();
        var thread = NewThread();
        var store = table.Store();
        var one = await store.PutAsync(Write(Owner, thread, null, StateUpdate.FromMessages(Human("q", "h"))));
        await store.PutAsync(Write(Owner, thread, one.CheckpointId, StateUpdate.FromMessages(Ai("a", "a")), step: 1));

        await table.Store().DeleteAfterAsync(Owner, thread, null);

        Assert.False(await table.HasHeadRowAsync(thread));
        Assert.Null(await table.Store().GetLatestAsync(Owner, thread));
        var again = await store.PutAsync(Write(Owner, thread, null, StateUpdate.FromMessages(Human("again", "g"))));
        Assert.Equal(1, again.Sequence);
        Assert.Equal(["again"], (await table.Store().GetLatestAsync(Owner, thread))!.Values.Messages.Select(m => m.Content.ToText()));
    }

    [Fact]
    public async Task ACopyOfAThreadWrittenBeforeHeadRows_GetsAHeadRow()
    {
        await using var table = await TableFixture.CreateAsync();
        var (thread, copy) = (NewThread(), NewThread());
        await table.AddLegacyThreadAsync(thread);

        Assert.Equal(2, await table.Store().CopyThreadAsync(Owner, thread, copy));

        Assert.True(await table.HasHeadRowAsync(copy));
        var latest = await table.Store().GetLatestAsync(Owner, copy);
        Assert.Equal(["q", "a"], latest!.Values.Messages.Select(m => m.Content.ToText()));
        Assert.Equal(2, latest.Sequence);
    }

    /// <summary>A table of its own, and a way to write a thread as a version before head rows wrote it.</summary>
    private sealed class TableFixture : IAsyncDisposable
    {
        private TableFixture(CountingPolicy requests, TableServiceClient service, string name) => (Requests, Service, Name) = (requests, service, name);

        public CountingPolicy Requests { get; }

        private TableServiceClient Service { get; }

        private string Name { get; }

        private TableClient Table => Service.GetTableClient(Name);

        public static async Task<TableFixture> CreateAsync()
        {
            var requests = new CountingPolicy();
            var options = new TableClientOptions();
            options.AddPolicy(requests, Azure.Core.HttpPipelinePosition.PerRetry);
            var fixture = new TableFixture(requests, new TableServiceClient(TestStorage.ConnectionString, options), TestStorage.UniqueName("cph"));
            await fixture.Service.CreateTableIfNotExistsAsync(fixture.Name);
            return fixture;
        }

        public TableCheckpointStore Store() => new(Service, new CheckpointStoreOptions { TableName = Name });

        public async ValueTask DisposeAsync() => await Service.DeleteTableAsync(Name);

        public async Task<bool> HasMarkerAsync()
            => (await Table.GetEntityIfExistsAsync<TableEntity>(AgentFunctions.Storage.Stores.TableFormat.Partition, CheckpointKeys.HeadsKept)).HasValue;

        public async Task<bool> HasHeadRowAsync(string thread)
            => (await Table.GetEntityIfExistsAsync<TableEntity>(Partition(thread), CheckpointKeys.Head(Partition(thread)))).HasValue;

        /// <summary>
        /// Writes a thread of two checkpoints (q, then a) as a version without head rows left it: its rows, and no head
        /// row or table marker. The id of its latest checkpoint.
        /// </summary>
        public async Task<string> AddLegacyThreadAsync(string thread)
        {
            var store = Store();
            var one = await store.PutAsync(Write(Owner, thread, null, StateUpdate.FromMessages(Human("q", "h"))));
            var two = await store.PutAsync(Write(Owner, thread, one.CheckpointId, StateUpdate.FromMessages(Ai("a", "a")), step: 1));
            await Table.DeleteEntityAsync(Partition(thread), CheckpointKeys.Head(Partition(thread)));
            await Table.DeleteEntityAsync(AgentFunctions.Storage.Stores.TableFormat.Partition, CheckpointKeys.HeadsKept);
            return two.CheckpointId;
        }

        private static string Partition(string thread) => CheckpointKeys.Partition(OwnerKey.ToPartitionKey(Owner), thread);
    }
}
