using AgentFunctions.Storage.Queues;
using Azure;

namespace AgentFunctions.Storage.Tests.Queues;

/// <summary>The clients can be replaced by test doubles, as Azure SDK clients can.</summary>
public sealed class QueueClientMockingTests
{
    [Fact]
    public async Task GetQueueClient_OverriddenInSubclasses_ReturnsTheDouble()
    {
        var receipt = QueuesModelFactory.SendReceipt("id", "pr", DateTimeOffset.UnixEpoch, DateTimeOffset.MaxValue, DateTimeOffset.UnixEpoch);
        QueueServiceClient service = new ServiceDouble(new QueueDouble(receipt));

        var sent = await service.GetQueueClient("runs").SendMessageAsync(BinaryData.FromString("x"));

        Assert.Same(receipt, sent.Value);
    }

    private sealed class ServiceDouble(QueueClient queue) : QueueServiceClient
    {
        public override QueueClient GetQueueClient(string queueName) => queue;
    }

    private sealed class QueueDouble(SendReceipt receipt) : QueueClient
    {
        public override Task<Response<SendReceipt>> SendMessageAsync(
            BinaryData body, TimeSpan? visibilityDelay = null, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default)
            => Task.FromResult(Response.FromValue(receipt, null!));
    }
}
