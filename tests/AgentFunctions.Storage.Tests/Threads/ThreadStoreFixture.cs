using AgentFunctions.Core.Stores;
using AgentFunctions.Core.Threads;
using AgentFunctions.Storage.Threads;
using Azure.Data.Tables;

namespace AgentFunctions.Storage.Tests.Threads;

/// <summary>A thread store over a fresh table per test class, counting its requests; the table is deleted afterwards.</summary>
public sealed class ThreadStoreFixture : IAsyncLifetime
{
    public CountingPolicy Requests { get; } = new();

    public TableServiceClient Service { get; private set; } = null!;

    public string TableName { get; } = TestStorage.UniqueName("threads");

    public TableThreadStore Store { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var options = new TableClientOptions();
        options.AddPolicy(Requests, Azure.Core.HttpPipelinePosition.PerRetry);
        Service = new TableServiceClient(TestStorage.ConnectionString, options);
        Store = new TableThreadStore(Service, TableName);
        await Store.InitializeAsync();
    }

    public async Task DisposeAsync() => await Service.DeleteTableAsync(TableName);

    /// <summary>An owner no other test uses.</summary>
    public static string NewOwner() => "owner-" + Guid.NewGuid().ToString("N");

    public static AgentThread NewThread(string owner, string? id = null) => new()
    {
        ThreadId = id ?? ResourceIds.New(),
        OwnerId = owner,
    };
}
