using System.Collections.Concurrent;
using AgentFunctions.Core.Stores;
using AgentFunctions.Storage.Queues;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Queues;
using Microsoft.Extensions.Time.Testing;

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
        var options = Fast();
        options.VisibilityTimeout = TimeSpan.FromSeconds(3); // each failed delivery reappears after it
        var pump = new QueueMessagePump(_service, _name, (_, _) => { Interlocked.Increment(ref attempts); throw new InvalidOperationException("broken"); }, options);
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

    [Fact(Timeout = 120_000)]
    public async Task ProcessAsync_HandlerLongerThanTheVisibilityTimeout_IsNotDeliveredTwice()
    {
        // The pump's clock is the test's: it is moved on while the handler works, through seven renewals of a 30 s hiding
        // (70 s by that clock), each of which must be sent before the hiding it renews runs out. Azurite hides the
        // message for 30 s of real time from each renewal, which no busy machine spends between two of them.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var renewals = new RenewalRecorder(clock);
        var service = QueueTestClients.Service(renewals);
        var options = Fast();
        var deliveries = 0;
        var handling = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finish = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pump = new QueueMessagePump(
            service,
            _name,
            async (_, ct) =>
            {
                Interlocked.Increment(ref deliveries);
                handling.TrySetResult();
                await finish.Task.WaitAsync(ct);
            },
            options,
            clock);
        await pump.InitializeAsync();
        await service.GetQueueClient(_name).SendMessageAsync("slow");
        var receivedAt = clock.GetUtcNow();

        using var stop = new CancellationTokenSource();
        var running = pump.RunAsync(stop.Token);
        await handling.Task.WaitAsync(TimeSpan.FromSeconds(60));
        while (renewals.Completed < 7)
        {
            // A second at a time, and only while no renewal is on its way: the pump's clock moves while it waits.
            if (renewals.InFlight == 0)
            {
                clock.Advance(TimeSpan.FromSeconds(1));
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20));
        }

        finish.TrySetResult();
        await QueueTestClients.PollAsync(async () => (await service.GetQueueClient(_name).GetPropertiesAsync()).Value.ApproximateMessagesCount, n => n == 0, TimeSpan.FromSeconds(60), "the slow message being deleted");
        await stop.CancelAsync();
        await running;

        Assert.Equal(1, deliveries);
        var sent = renewals.SentAt;
        Assert.True(sent.Count >= 7, $"{sent.Count} renewals");
        Assert.All(sent.Prepend(receivedAt).Zip(sent), pair => Assert.True(pair.Second - pair.First < options.VisibilityTimeout, $"a renewal sent {(pair.Second - pair.First).TotalSeconds} s after the last"));
    }

    [Fact(Timeout = 60_000)]
    public async Task ProcessAsync_HandlerEndsWhileARenewalIsOnItsWayBack_MessageIsDeleted()
    {
        // The renewal reaches the service (which gives the message a new pop receipt), and its answer is held until the
        // handler has ended; a renewal cancelled then would lose the new receipt, and the delete with the old one fail.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var handlerToken = new TaskCompletionSource<CancellationToken>(TaskCreationOptions.RunContinuationsAsynchronously);
        var renewalApplied = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holdRenewalAnswer = new InterceptingPolicy(
            _ => ValueTask.CompletedTask,
            async message =>
            {
                if (!IsRenewal(message))
                {
                    return;
                }

                renewalApplied.TrySetResult();
                var handling = await handlerToken.Task;
                var handlerEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                using (handling.Register(() => handlerEnded.TrySetResult()))
                {
                    await handlerEnded.Task;
                }

                message.CancellationToken.ThrowIfCancellationRequested(); // a renewal cancelled with the handling is cancelled on its way back
            });
        var service = QueueTestClients.Service(holdRenewalAnswer);
        var options = Fast();
        var pump = new QueueMessagePump(
            service,
            _name,
            async (_, ct) =>
            {
                handlerToken.TrySetResult(ct);
                await renewalApplied.Task;
            },
            options,
            clock);
        await pump.InitializeAsync();
        await service.GetQueueClient(_name).SendMessageAsync("renewed as the handler ends");
        var received = Assert.Single((await service.GetQueueClient(_name).ReceiveMessagesAsync(1, options.VisibilityTimeout)).Value);

        var processing = pump.ProcessAsync(received, CancellationToken.None);
        await handlerToken.Task;
        clock.Advance(options.VisibilityTimeout / 3);
        await processing;

        Assert.Equal(0, (await service.GetQueueClient(_name).GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact(Timeout = 60_000)]
    public async Task ProcessAsync_HandlerFailsAfterItsMessageWasRenewed_MessageReappearsWithItsBody()
    {
        var renewed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seeRenewals = new InterceptingPolicy(message =>
        {
            if (IsRenewal(message))
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

    /// <summary>
    /// Short waits while idle; a hiding of 30 s, which outlasts a handler on a busy machine (renewed every 10 s), so a
    /// message is delivered again only where a test means it to.
    /// </summary>
    private static QueueMessagePumpOptions Fast() => new()
    {
        VisibilityTimeout = TimeSpan.FromSeconds(30),
        MinIdleDelay = TimeSpan.FromMilliseconds(20),
        MaxIdleDelay = TimeSpan.FromMilliseconds(200),
    };

    /// <summary>Whether the request is a renewal: an update of a message by its pop receipt.</summary>
    private static bool IsRenewal(HttpMessage message)
        => message.Request.Method == RequestMethod.Put && message.Request.Uri.Query.Contains("popreceipt=", StringComparison.Ordinal);

    /// <summary>Sees the pump's renewals (updates of a message by its pop receipt): when each was sent by the pump's clock, and which are under way.</summary>
    private sealed class RenewalRecorder(TimeProvider clock) : HttpPipelinePolicy
    {
        private readonly ConcurrentQueue<DateTimeOffset> _sentAt = new();
        private int _inFlight;
        private int _completed;

        public IReadOnlyList<DateTimeOffset> SentAt => [.. _sentAt];

        public int InFlight => Volatile.Read(ref _inFlight);

        public int Completed => Volatile.Read(ref _completed);

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            if (!IsRenewal(message))
            {
                await ProcessNextAsync(message, pipeline);
                return;
            }

            Interlocked.Increment(ref _inFlight);
            _sentAt.Enqueue(clock.GetUtcNow());
            try
            {
                await ProcessNextAsync(message, pipeline);
            }
            finally
            {
                Interlocked.Increment(ref _completed);
                Interlocked.Decrement(ref _inFlight);
            }
        }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
            => throw new NotSupportedException("The clients under test are asynchronous.");

    }
}
