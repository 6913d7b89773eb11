using System.Collections.Concurrent;
using AgentFunctions.Storage.Queues;

namespace AgentFunctions.Storage.Tests.Queues;

public class QueueMessagePumpTests
{
    private readonly QueueServiceClient _service = QueueTestClients.Service();
    private readonly string _name = QueueTestClients.UniqueQueueName();

    [Fact(Timeout = 60_000)]
    public async Task RunAsync_Messages_EachHandledOnceAndDeleted()
    {
        var handled = new ConcurrentBag<string>();
        var pump = new QueueMessagePump(_service, _name, (m, _) => { handled.Add(m.Body.ToString()); return Task.CompletedTask; }, Fast());
        await pump.InitializeAsync();
        for (var i = 0; i < 10; i++)
        {
            await _service.GetQueueClient(_name).SendMessageAsync($"m{i}");
        }

        using var stop = new CancellationTokenSource();
        var running = pump.RunAsync(stop.Token);
        await QueueTestClients.PollAsync(() => Task.FromResult(handled.Count), n => n >= 10, TimeSpan.FromSeconds(30), "handling ten messages");
        await QueueTestClients.PollAsync(async () => (await _service.GetQueueClient(_name).PeekMessagesAsync(32)).Value.Count, n => n == 0, TimeSpan.FromSeconds(30), "the queue emptying");
        await stop.CancelAsync();
        await running;

        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"m{i}").Order(), handled.Order());
    }

    [Fact(Timeout = 90_000)]
    public async Task ProcessAsync_HandlerAlwaysFails_MessageGoesToThePoisonQueueAfterFiveDeliveries()
    {
        var attempts = 0;
        var pump = new QueueMessagePump(_service, _name, (_, _) => { Interlocked.Increment(ref attempts); throw new InvalidOperationException("broken"); }, Fast());
        await pump.InitializeAsync();
        await _service.GetQueueClient(_name).SendMessageAsync("poisonous");

        using var stop = new CancellationTokenSource();
        var running = pump.RunAsync(stop.Token);
        var poisoned = await QueueTestClients.PollAsync(
            async () => (await _service.GetQueueClient(_name + "-poison").PeekMessagesAsync(1)).Value, m => m.Count == 1, TimeSpan.FromSeconds(60), "poisoning");
        await stop.CancelAsync();
        await running;

        Assert.Equal("poisonous", poisoned[0].Body.ToString());
        Assert.Equal(5, attempts);
        Assert.Empty((await _service.GetQueueClient(_name).PeekMessagesAsync(1)).Value);
    }

    [Fact(Timeout = 60_000)]
    public async Task ProcessAsync_HandlerLongerThanTheVisibilityTimeout_IsNotDeliveredTwice()
    {
        var deliveries = 0;
        var options = Fast();
        // Hidden for 4 s, renewed every 1.3 s, handled for 9 s: without renewal it would be delivered again twice; the
        // margin keeps a renewal that a busy machine delays by a second from counting as a failure.
        options.VisibilityTimeout = TimeSpan.FromSeconds(4);
        var pump = new QueueMessagePump(_service, _name, async (_, ct) => { Interlocked.Increment(ref deliveries); await Task.Delay(TimeSpan.FromSeconds(9), ct); }, options);
        await pump.InitializeAsync();
        await _service.GetQueueClient(_name).SendMessageAsync("slow");

        using var stop = new CancellationTokenSource();
        var running = pump.RunAsync(stop.Token);
        await QueueTestClients.PollAsync(async () => (await _service.GetQueueClient(_name).GetPropertiesAsync()).Value.ApproximateMessagesCount, n => n == 0, TimeSpan.FromSeconds(30), "the slow message being deleted");
        await stop.CancelAsync();
        await running;

        Assert.Equal(1, deliveries);
    }

    private static QueueMessagePumpOptions Fast() => new()
    {
        VisibilityTimeout = TimeSpan.FromSeconds(1),
        MinIdleDelay = TimeSpan.FromMilliseconds(20),
        MaxIdleDelay = TimeSpan.FromMilliseconds(200),
    };
}
