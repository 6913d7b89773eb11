using System.Security.Cryptography;
using AgentFunctions.Storage.Queues;
using Azure;

namespace AgentFunctions.Storage.Tests.Queues;

public sealed class QueueServiceClientTests
{
    [Fact]
    public async Task Constructor_ConnectionString_ReachesTheQueueService()
    {
        var queue = new QueueServiceClient(TestStorage.ConnectionString).GetQueueClient(QueueTestClients.UniqueQueueName());

        var created = await queue.CreateIfNotExistsAsync();

        Assert.True(created.Value);
        await queue.DeleteIfExistsAsync();
    }

    [Fact]
    public async Task Constructor_WrongAccountKey_FailsWith403AndErrorCode()
    {
        var connection = TestStorage.Connection;
        var wrongKey = new StorageSharedKeyCredential(connection.SharedKeyCredential!.AccountName, Convert.ToBase64String(RandomNumberGenerator.GetBytes(64)));
        var queue = new QueueServiceClient(connection.QueueEndpoint, wrongKey).GetQueueClient(QueueTestClients.UniqueQueueName());

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => queue.CreateIfNotExistsAsync());

        Assert.Equal(403, error.Status);
        Assert.Equal("AuthenticationFailed", error.ErrorCode);
    }

    [Theory]
    [InlineData("http://127.0.0.1:10001/devstoreaccount1", "http://127.0.0.1:10001/devstoreaccount1/runs")]
    [InlineData("http://127.0.0.1:10001/devstoreaccount1/", "http://127.0.0.1:10001/devstoreaccount1/runs")]
    [InlineData("https://acct.queue.core.windows.net", "https://acct.queue.core.windows.net/runs")]
    [InlineData("https://acct.queue.core.windows.net/", "https://acct.queue.core.windows.net/runs")]
    public void GetQueueClient_Endpoint_AppendsQueueNameToPath(string endpoint, string expected)
    {
        var service = new QueueServiceClient(new Uri(endpoint), new StorageSharedKeyCredential("acct", "a2V5"));

        var queue = service.GetQueueClient("runs");

        Assert.Equal(new Uri(expected), queue.Uri);
    }

    [Fact]
    public void GetQueueClient_SeveralQueues_ShareTheServiceClientsPipeline()
    {
        var service = new QueueServiceClient(new Uri("https://acct.queue.core.windows.net"), new StorageSharedKeyCredential("acct", "a2V5"));

        var runs = service.GetQueueClient("runs");
        var compaction = service.GetQueueClient("compaction");

        Assert.Same(service.Pipeline, runs.Pipeline);
        Assert.Same(service.Pipeline, compaction.Pipeline);
    }

    [Fact]
    public void Constructor_TokenCredentialOverHttp_Throws()
    {
        var error = Assert.Throws<ArgumentException>(
            () => new QueueServiceClient(new Uri("http://acct.queue.core.windows.net"), new FakeTokenCredential("t")));

        Assert.Equal("serviceEndpoint", error.ParamName);
    }

    [Fact]
    public void Constructor_MalformedConnectionString_ThrowsFormatException()
    {
        Assert.Throws<FormatException>(() => new QueueServiceClient("AccountKey=a2V5"));
    }
}
