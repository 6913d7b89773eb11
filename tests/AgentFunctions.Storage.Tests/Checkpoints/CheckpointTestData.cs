using System.Text.Json;
using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.Messages;
using AgentFunctions.Core.State;
using AgentFunctions.Storage.Checkpoints;
using Azure.Data.Tables;

namespace AgentFunctions.Storage.Tests.Checkpoints;

/// <summary>A checkpoint store on its own table of the test account, and helpers to write to it.</summary>
public sealed class CheckpointStoreFixture : IAsyncLifetime
{
    public CountingPolicy Requests { get; } = new();

    public TableServiceClient Service { get; private set; } = null!;

    public string TableName { get; } = TestStorage.UniqueName("cp");

    public async Task InitializeAsync()
    {
        var options = new TableClientOptions();
        options.AddPolicy(Requests, Azure.Core.HttpPipelinePosition.PerRetry);
        Service = new TableServiceClient(TestStorage.ConnectionString, options);
        await Service.CreateTableIfNotExistsAsync(TableName);
    }

    public async Task DisposeAsync() => await Service.DeleteTableAsync(TableName);

    public TableCheckpointStore Store(Action<CheckpointStoreOptions>? configure = null)
    {
        var options = new CheckpointStoreOptions { TableName = TableName };
        configure?.Invoke(options);
        return new TableCheckpointStore(Service, options);
    }

    /// <summary>Every row of a thread's partition (checkpoint and state rows).</summary>
    public async Task<int> CountRowsAsync(string owner, string threadId)
    {
        var partition = AgentFunctions.Storage.Owners.OwnerKey.ToPartitionKey(owner) + "|" + threadId;
        var count = 0;
        await foreach (var row in Service.GetTableClient(TableName).QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition}")))
        {
            count++;
        }

        return count;
    }
}

internal static class CheckpointTestData
{
    public static string NewThread() => Guid.NewGuid().ToString("D");

    public static Message Human(string text, string? id = null) => new HumanMessage { Content = text, Id = id ?? Guid.NewGuid().ToString("N") };

    public static Message Ai(string text, string? id = null) => new AIMessage { Content = text, Id = id ?? Guid.NewGuid().ToString("N") };

    public static JsonElement Json(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    public static CheckpointWrite Write(string owner, string thread, string? parent, StateUpdate delta, int step = 0, bool fork = false, CheckpointSource source = CheckpointSource.Loop)
        => new()
        {
            OwnerId = owner,
            ThreadId = thread,
            ParentCheckpointId = parent,
            Fork = fork,
            Step = step,
            Source = source,
            Delta = delta,
            Metadata = Json($$$"""{"source":"{{{source.ToString().ToLowerInvariant()}}}","step":{{{step}}},"parents":{}}"""),
        };
}
