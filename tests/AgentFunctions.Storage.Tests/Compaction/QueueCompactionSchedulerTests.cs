using AgentFunctions.Core.Compaction;
using AgentFunctions.Storage.Compaction;
using AgentFunctions.Storage.Tests.Queues;
using Azure.Storage.Queues;

namespace AgentFunctions.Storage.Tests.Compaction;

/// <summary>Compaction requests on the queue, now or later (a thread deletion resumed after a delay).</summary>
public sealed class QueueCompactionSchedulerTests : IAsyncLifetime
{
    private readonly QueueServiceClient _service = QueueTestClients.Service();
    private readonly string _name = QueueTestClients.UniqueQueueName();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _service.GetQueueClient(_name).DeleteIfExistsAsync();

    [Fact]
    public async Task ScheduleAsync_NoDelay_MessageIsVisibleAtOnce()
    {
        var message = new CompactionMessage("owner", "thread");

        await new QueueCompactionScheduler(_service, _name).ScheduleAsync(message);

        var peeked = Assert.Single((await _service.GetQueueClient(_name).PeekMessagesAsync(1)).Value);
        Assert.Equal(message, CompactionMessage.Parse(peeked.Body));
    }

    [Fact]
    public async Task ScheduleAsync_WithDelay_MessageIsQueuedButHidden()
    {
        await new QueueCompactionScheduler(_service, _name).ScheduleAsync(new CompactionMessage("owner", "thread"), TimeSpan.FromMinutes(10));

        var queue = _service.GetQueueClient(_name);
        Assert.Empty((await queue.PeekMessagesAsync(1)).Value);
        Assert.Equal(1, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task ScheduleAsync_DelayOverSevenDays_ThrowsAndQueuesNothing()
    {
        var scheduler = new QueueCompactionScheduler(_service, _name);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => scheduler.ScheduleAsync(new CompactionMessage("owner", "thread"), TimeSpan.FromDays(8)));

        Assert.False((await _service.GetQueueClient(_name).ExistsAsync()).Value);
    }
}
