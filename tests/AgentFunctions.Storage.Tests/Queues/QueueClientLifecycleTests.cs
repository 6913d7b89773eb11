using AgentFunctions.Storage.Queues;
using Azure;

namespace AgentFunctions.Storage.Tests.Queues;

/// <summary>Creating, deleting and describing queues, against the test storage account.</summary>
public sealed class QueueClientLifecycleTests : IAsyncLifetime
{
    private readonly QueueClient _queue = QueueTestClients.Service().GetQueueClient(QueueTestClients.UniqueQueueName());

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _queue.DeleteIfExistsAsync();

    [Fact]
    public async Task CreateIfNotExistsAsync_NewQueue_ReturnsTrue()
    {
        var created = await _queue.CreateIfNotExistsAsync();

        Assert.True(created.Value);
        Assert.Equal(201, created.GetRawResponse().Status);
    }

    [Fact]
    public async Task CreateIfNotExistsAsync_CalledTwice_SecondReturnsFalse()
    {
        await _queue.CreateIfNotExistsAsync();

        var second = await _queue.CreateIfNotExistsAsync();

        Assert.False(second.Value);
    }

    [Fact]
    public async Task CreateIfNotExistsAsync_ExistsWithOtherMetadata_ReturnsFalse()
    {
        await _queue.CreateIfNotExistsAsync(new Dictionary<string, string> { ["owner"] = "a" });

        var second = await _queue.CreateIfNotExistsAsync(new Dictionary<string, string> { ["owner"] = "b" });

        Assert.False(second.Value);
    }

    [Fact]
    public async Task DeleteIfExistsAsync_ExistingQueue_ReturnsTrueAndQueueIsGone()
    {
        await _queue.CreateIfNotExistsAsync();

        var deleted = await _queue.DeleteIfExistsAsync();

        Assert.True(deleted.Value);
        var error = await Assert.ThrowsAsync<RequestFailedException>(() => _queue.GetPropertiesAsync());
        Assert.Equal("QueueNotFound", error.ErrorCode);
    }

    [Fact]
    public async Task DeleteIfExistsAsync_MissingQueue_ReturnsFalse()
    {
        var deleted = await _queue.DeleteIfExistsAsync();

        Assert.False(deleted.Value);
    }

    [Fact]
    public async Task GetPropertiesAsync_QueueWithMessagesAndMetadata_ReturnsCountAndMetadata()
    {
        await _queue.CreateIfNotExistsAsync(new Dictionary<string, string> { ["purpose"] = "compaction", ["Owner_Id"] = "42" });
        await _queue.SendMessageAsync("one");
        await _queue.SendMessageAsync("two");

        QueueProperties properties = await _queue.GetPropertiesAsync();

        Assert.Equal(2, properties.ApproximateMessagesCount);
        Assert.Equal("compaction", properties.Metadata["purpose"]);
        Assert.Equal("42", properties.Metadata["owner_id"]);
    }

    [Fact]
    public async Task GetPropertiesAsync_MissingQueue_ThrowsQueueNotFound()
    {
        var error = await Assert.ThrowsAsync<RequestFailedException>(() => _queue.GetPropertiesAsync());

        Assert.Equal(404, error.Status);
        Assert.Equal("QueueNotFound", error.ErrorCode);
    }

    [Fact]
    public async Task SendMessageAsync_MissingQueue_ThrowsQueueNotFound()
    {
        var error = await Assert.ThrowsAsync<RequestFailedException>(() => _queue.SendMessageAsync("orphan"));

        Assert.Equal(404, error.Status);
        Assert.Equal("QueueNotFound", error.ErrorCode);
    }

    [Fact]
    public async Task ReceiveMessagesAsync_MissingQueue_ThrowsQueueNotFound()
    {
        var error = await Assert.ThrowsAsync<RequestFailedException>(() => _queue.ReceiveMessagesAsync());

        Assert.Equal(404, error.Status);
        Assert.Equal("QueueNotFound", error.ErrorCode);
    }
}
