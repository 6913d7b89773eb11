using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Stores;
using AgentFunctions.Storage.Runs;
using Azure;
using Azure.Data.Tables;

namespace AgentFunctions.Storage.Tests.Runs;

/// <summary>A run store over a fresh table per test class, counting its requests; the table is deleted afterwards.</summary>
public sealed class RunStoreFixture : IAsyncLifetime
{
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);

    public static readonly DateTimeOffset Start = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    public CountingPolicy Requests { get; } = new();

    public TableServiceClient Service { get; private set; } = null!;

    public string TableName { get; } = TestStorage.UniqueName("runs");

    public TableRunStore Store { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var options = new TableClientOptions();
        options.AddPolicy(Requests, Azure.Core.HttpPipelinePosition.PerRetry);
        Service = new TableServiceClient(TestStorage.ConnectionString, options);
        Store = new TableRunStore(Service, TableName);
        await Store.InitializeAsync();
    }

    public async Task DisposeAsync() => await Service.DeleteTableAsync(TableName);

    /// <summary>A store on the same table whose clock the test sets.</summary>
    public TableRunStore StoreWith(TimeProvider clock) => new(Service, TableName, clock);

    /// <summary>An owner no other test uses.</summary>
    public static string NewOwner() => "owner-" + Guid.NewGuid().ToString("N");

    public static AgentRun NewRun(string owner, string threadId, MultitaskStrategy strategy = MultitaskStrategy.Enqueue) => new()
    {
        RunId = RunIds.New(),
        OwnerId = owner,
        ThreadId = threadId,
        AssistantId = "agent",
        MultitaskStrategy = strategy,
    };

    /// <summary>The run ids the thread's queue row names, first to last (empty when it has none).</summary>
    public async Task<List<string>> ReadQueueAsync(string owner, string threadId)
    {
        var response = await Service.GetTableClient(TableName)
            .GetEntityIfExistsAsync<TableEntity>(RunKeys.Partition(owner, threadId), RunKeys.Queue(RunKeys.Partition(owner, threadId)));
        var runs = response.HasValue ? response.Value!.GetString("Runs") : null;
        return [.. (runs ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries)];
    }

    /// <summary>Every row of the thread's partition (runs and queue).</summary>
    public async Task<int> CountRowsAsync(string owner, string threadId)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {RunKeys.Partition(owner, threadId)}");
        var count = 0;
        await foreach (var _ in Service.GetTableClient(TableName).QueryAsync<TableEntity>(filter))
        {
            count++;
        }

        return count;
    }

    public static async Task<List<T>> ToListAsync<T>(AsyncPageable<T> items)
        where T : notnull
    {
        var list = new List<T>();
        await foreach (var item in items)
        {
            list.Add(item);
        }

        return list;
    }

    public static string NewThreadId() => ResourceIds.New();
}
