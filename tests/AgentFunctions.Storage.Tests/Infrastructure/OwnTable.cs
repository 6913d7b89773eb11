using AgentFunctions.Storage.Stores;
using Azure.Data.Tables;

namespace AgentFunctions.Storage.Tests;

/// <summary>A table of the test account for one test, with its client's requests counted; deleted when disposed.</summary>
internal sealed class OwnTable : IAsyncDisposable
{
    private OwnTable(string prefix)
    {
        var options = new TableClientOptions();
        options.AddPolicy(Requests, Azure.Core.HttpPipelinePosition.PerRetry);
        Service = new TableServiceClient(TestStorage.ConnectionString, options);
        Name = TestStorage.UniqueName(prefix);
    }

    public CountingPolicy Requests { get; } = new();

    public TableServiceClient Service { get; }

    public string Name { get; }

    public TableClient Table => Service.GetTableClient(Name);

    public static async Task<OwnTable> CreateAsync(string prefix)
    {
        var table = new OwnTable(prefix);
        await table.Service.CreateTableIfNotExistsAsync(table.Name);
        return table;
    }

    /// <summary>Whether the table holds <paramref name="marker"/>, a store's mark of this version's layout (<see cref="TableFormat"/>).</summary>
    public async Task<bool> IsMarkedAsync(string marker)
        => (await Table.GetEntityIfExistsAsync<TableEntity>(TableFormat.Partition, marker)).HasValue;

    public async ValueTask DisposeAsync() => await Service.DeleteTableAsync(Name);
}
