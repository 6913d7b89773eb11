using AgentFunctions.Core.Assistants;
using AgentFunctions.Core.Stores;
using AgentFunctions.Storage.Assistants;
using Azure.Data.Tables;

namespace AgentFunctions.Storage.Tests.Assistants;

/// <summary>An assistant store over a fresh table per test class, counting its requests; the table is deleted afterwards.</summary>
public sealed class AssistantStoreFixture : IAsyncLifetime
{
    public CountingPolicy Requests { get; } = new();

    public TableServiceClient Service { get; private set; } = null!;

    public string TableName { get; } = TestStorage.UniqueName("assistants");

    public TableAssistantStore Store { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var options = new TableClientOptions();
        options.AddPolicy(Requests, Azure.Core.HttpPipelinePosition.PerRetry);
        Service = new TableServiceClient(TestStorage.ConnectionString, options);
        Store = new TableAssistantStore(Service, TableName);
        await Store.InitializeAsync();
    }

    public async Task DisposeAsync() => await Service.DeleteTableAsync(TableName);

    /// <summary>An owner no other test uses.</summary>
    public static string NewOwner() => "owner-" + Guid.NewGuid().ToString("N");

    public static Assistant NewAssistant(string owner, string? id = null, string graphId = "agent", string name = "Untitled") => new()
    {
        AssistantId = id ?? ResourceIds.New(),
        OwnerId = owner,
        GraphId = graphId,
        Name = name,
    };
}
