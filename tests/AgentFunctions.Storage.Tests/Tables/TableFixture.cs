using AgentFunctions.Storage.Tables;

namespace AgentFunctions.Storage.Tests.Tables;

/// <summary>A fresh table per test class on the test storage account, deleted afterwards.</summary>
public sealed class TableFixture : IAsyncLifetime
{
    public CountingPolicy Requests { get; } = new();

    public TableServiceClient Service { get; private set; } = null!;

    public TableClient Table { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var options = new TableClientOptions();
        options.AddPolicy(Requests, Azure.Core.HttpPipelinePosition.PerRetry);
        Service = new TableServiceClient(TestStorage.ConnectionString, options);
        Table = Service.GetTableClient(TestStorage.UniqueName("t"));
        await Table.CreateIfNotExistsAsync();
    }

    public async Task DisposeAsync() => await Table.DeleteAsync();

    /// <summary>A partition key no other test of the class uses.</summary>
    public static string NewPartition() => "p-" + Guid.NewGuid().ToString("N");
}
