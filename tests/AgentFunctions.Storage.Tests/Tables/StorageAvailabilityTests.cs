using System.Net;
using System.Net.Sockets;
using AgentFunctions.Core.Stores;
using AgentFunctions.Storage.Tables;
using AgentFunctions.Storage.Tests.Queues;
using Azure;
using Azure.Core;
using Azure.Data.Tables;

namespace AgentFunctions.Storage.Tests.Tables;

/// <summary>Storage that is away is one <see cref="StorageUnavailableException"/> to the code above the clients; answers of storage that is there are not.</summary>
public sealed class StorageAvailabilityTests
{
    [Fact(Timeout = 60_000)]
    public async Task TableCall_NothingListens_IsStorageUnavailable()
    {
        var table = Tables($"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={Key};TableEndpoint=http://127.0.0.1:{ClosedPort()}/devstoreaccount1;")
            .GetTableClient("unreachable");

        var failure = await Assert.ThrowsAsync<StorageUnavailableException>(() => table.GetEntityIfExistsAsync<TableEntity>("p", "r"));

        Assert.Equal(503, failure.Status);
        Assert.Equal(StorageUnavailableException.Code, failure.ErrorCode);
    }

    [Fact(Timeout = 60_000)]
    public async Task QueueCall_EveryRetryResetByTheNetwork_IsStorageUnavailable()
    {
        var reset = new InterceptingPolicy(_ => throw new IOException("The connection was reset (simulated)."));
        var queue = QueueTestClients.Service(reset, maxRetries: 1).GetQueueClient(QueueTestClients.UniqueQueueName());

        var failure = await Assert.ThrowsAsync<StorageUnavailableException>(() => queue.CreateIfNotExistsAsync());

        Assert.IsType<AggregateException>(failure.InnerException);
    }

    [Fact(Timeout = 60_000)]
    public async Task TableCall_CancelledByTheCaller_StaysCancelled()
    {
        var table = Tables($"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={Key};TableEndpoint=http://127.0.0.1:{ClosedPort()}/devstoreaccount1;")
            .GetTableClient("unreachable");
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => table.GetEntityIfExistsAsync<TableEntity>("p", "r", cancellationToken: cancelled.Token));
    }

    [Fact(Timeout = 60_000)]
    public async Task TableCall_StorageAnswersNotFound_IsThatAnswer()
    {
        var table = Tables(TestStorage.ConnectionString).GetTableClient(TestStorage.UniqueName("t"));
        await table.CreateAsync();
        try
        {
            var failure = await Assert.ThrowsAsync<RequestFailedException>(() => table.GetEntityAsync<TableEntity>("p", "r"));

            Assert.IsNotType<StorageUnavailableException>(failure);
            Assert.Equal((int)HttpStatusCode.NotFound, failure.Status);
        }
        finally
        {
            await table.DeleteAsync();
        }
    }

    private const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static TableServiceClient Tables(string connectionString)
    {
        var options = new TableClientOptions().AddStorageTracing();
        options.Retry.MaxRetries = 1;
        options.Retry.Delay = TimeSpan.FromMilliseconds(1);
        options.Retry.MaxDelay = TimeSpan.FromMilliseconds(10);
        options.Retry.Mode = RetryMode.Fixed;
        return new TableServiceClient(connectionString, options);
    }

    /// <summary>A loopback port nothing listens on (one the OS just handed out and that was given up).</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
