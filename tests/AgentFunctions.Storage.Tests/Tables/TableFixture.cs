using AgentFunctions.Storage.Tables;
using Azure.Core;
using Azure.Data.Tables;

namespace AgentFunctions.Storage.Tests.Tables;

/// <summary>A fresh table per test class on the test storage account (the SDK's client), deleted afterwards.</summary>
public sealed class TableFixture : IAsyncLifetime
{
    public CountingPolicy Requests { get; } = new();

    /// <summary>The request bodies sent, in order.</summary>
    public List<byte[]> Bodies { get; } = [];

    public TableServiceClient Service { get; private set; } = null!;

    public TableClient Table { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var options = new TableClientOptions().AddStorageTracing();
        options.AddPolicy(Requests, HttpPipelinePosition.PerRetry);
        options.AddPolicy(new BodyRecorder(Bodies), HttpPipelinePosition.PerRetry);
        Service = new TableServiceClient(TestStorage.ConnectionString, options);
        Table = Service.GetTableClient(TestStorage.UniqueName("t"));
        await Table.CreateIfNotExistsAsync();
    }

    public async Task DisposeAsync() => await Table.DeleteAsync();

    /// <summary>A partition key no other test of the class uses.</summary>
    public static string NewPartition() => "p-" + Guid.NewGuid().ToString("N");

    private sealed class BodyRecorder(List<byte[]> bodies) : Azure.Core.Pipeline.HttpPipelineSynchronousPolicy
    {
        public override void OnSendingRequest(HttpMessage message)
        {
            if (message.Request.Content is { } content)
            {
                using var buffer = new MemoryStream();
                content.WriteTo(buffer, CancellationToken.None);
                lock (bodies)
                {
                    bodies.Add(buffer.ToArray());
                }
            }
        }
    }
}
