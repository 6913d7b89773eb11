using System.Collections.Concurrent;
using AgentFunctions.Core.Stores;
using AgentFunctions.Storage.Queues;
using Azure.Core;
using Azure.Storage.Queues;

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
        await QueueTestClients.PollAsync(async () => (await _service.GetQueueClient(_name).PeekMessagesAsync(32)).Value.Length, n => n == 0, TimeSpan.FromSeconds(30), "the queue emptying");
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
            async () => (await _service.GetQueueClient(_name + "-poison").PeekMessagesAsync(1)).Value, m => m.Length == 1, TimeSpan.FromSeconds(60), "poisoning");
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

    [Fact(Timeout = 60_000)]
    public async Task ProcessAsync_HandlerFailsAfterItsMessageWasRenewed_MessageReappearsWithItsBody()
    {
        var renewed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seeRenewals = new InterceptingPolicy(message =>
        {
            if (message.Request.Method == RequestMethod.Put && message.Request.Uri.Query.Contains("popreceipt=", StringComparison.Ordinal))
            {
                renewed.TrySetResult();
            }

            return ValueTask.CompletedTask;
        });
        var service = QueueTestClients.Service(seeRenewals);
        var options = Fast();
        options.VisibilityTimeout = TimeSpan.FromSeconds(3);
        var pump = new QueueMessagePump(service, _name, async (_, ct) => { await renewed.Task.WaitAsync(ct); throw new InvalidOperationException("failed after a renewal"); }, options);
        await pump.InitializeAsync();
        await service.GetQueueClient(_name).SendMessageAsync("kept across renewals");
        var received = Assert.Single((await service.GetQueueClient(_name).ReceiveMessagesAsync(1, options.VisibilityTimeout)).Value);

        await pump.ProcessAsync(received, CancellationToken.None);

        var again = await QueueTestClients.PollAsync(
            async () => (await service.GetQueueClient(_name).PeekMessagesAsync(1)).Value, m => m.Length == 1, TimeSpan.FromSeconds(30), "the message reappearing");
        Assert.Equal("kept across renewals", again[0].Body.ToString());
    }

    [Fact(Timeout = 60_000)]
    public async Task RunAsync_MessageTextNotBase64_MovedToThePoisonQueueAtOnceWithTheReasonLogged()
    {
        var logger = new ListLogger();
        var service = QueueTestClients.Service(logger: logger);
        var attempts = 0;
        var pump = new QueueMessagePump(service, _name, (_, _) => { Interlocked.Increment(ref attempts); return Task.CompletedTask; }, Fast());
        await pump.InitializeAsync();
        await QueueTestClients.Raw(_name).SendMessageAsync("{\"not\": \"base64\"}");

        using var stop = new CancellationTokenSource();
        var running = pump.RunAsync(stop.Token);
        var poisoned = await QueueTestClients.PollAsync(
            async () => (await service.GetQueueClient(_name + "-poison").PeekMessagesAsync(1)).Value, m => m.Length == 1, TimeSpan.FromSeconds(30), "poisoning");
        await stop.CancelAsync();
        await running;

        Assert.Equal("{\"not\": \"base64\"}", poisoned[0].Body.ToString());
        Assert.Equal(0, attempts);
        Assert.Empty((await service.GetQueueClient(_name).PeekMessagesAsync(1)).Value);
        Assert.Contains(logger.Messages, m => m.Contains("poison", StringComparison.Ordinal) && m.Contains("not Base64", StringComparison.Ordinal));
    }

    [Fact(Timeout = 60_000)]
    public async Task RunAsync_EveryRetryOfAReceiveFails_LogsKeepsRunningAndHandlesTheMessageOnceStorageAnswers()
    {
        var outage = 1;
        // While the outage lasts, every attempt to receive fails as a dropped connection does; the SDK retries it and
        // then throws an AggregateException ("Retry failed after 2 tries"), which the client reports as storage unavailable.
        var dropReceives = new InterceptingPolicy(message =>
        {
            if (Volatile.Read(ref outage) == 1 && message.Request.Method == RequestMethod.Get && message.Request.Uri.Path.EndsWith("/messages", StringComparison.Ordinal))
            {
                throw new IOException("The connection was reset (simulated).");
            }

            return ValueTask.CompletedTask;
        });
        var service = QueueTestClients.Service(dropReceives, maxRetries: 1);
        var logger = new ListLogger();
        var handled = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var pump = new QueueMessagePump(service, _name, (m, _) => { handled.TrySetResult(m.Body.ToString()); return Task.CompletedTask; }, Fast(), logger: logger);
        await pump.InitializeAsync();
        await service.GetQueueClient(_name).SendMessageAsync("after the outage");

        using var stop = new CancellationTokenSource();
        var running = pump.RunAsync(stop.Token);
        await QueueTestClients.PollAsync(() => Task.FromResult(logger.Messages.Count(m => m.Contains("Receiving from queue", StringComparison.Ordinal))), n => n >= 3, TimeSpan.FromSeconds(30), "three failed receives");
        var stillRunning = !running.IsCompleted;
        Volatile.Write(ref outage, 0);
        var body = await handled.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        await running;

        Assert.True(stillRunning);
        Assert.Equal("after the outage", body);
        Assert.Contains(logger.Exceptions, e => e is StorageUnavailableException { InnerException: AggregateException });
    }

    private static QueueMessagePumpOptions Fast() => new()
    {
        VisibilityTimeout = TimeSpan.FromSeconds(1),
        MinIdleDelay = TimeSpan.FromMilliseconds(20),
        MaxIdleDelay = TimeSpan.FromMilliseconds(200),
    };
}
