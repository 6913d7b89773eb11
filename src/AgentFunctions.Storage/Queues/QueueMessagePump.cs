using System.Diagnostics;
using AgentFunctions.Core.Stores;
using AgentFunctions.Core.Telemetry;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFunctions.Storage.Queues;

/// <summary>How a <see cref="QueueMessagePump"/> reads its queue.</summary>
public sealed class QueueMessagePumpOptions
{
    /// <summary>How long a received message stays hidden; renewed while its handler works.</summary>
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>After this many deliveries that failed, a message goes to the poison queue (as the Functions queue trigger does).</summary>
    public int MaxDequeueCount { get; set; } = 5;

    /// <summary>Messages handled at once.</summary>
    public int Concurrency { get; set; } = 4;

    /// <summary>The wait after an empty receive grows to this.</summary>
    public TimeSpan MaxIdleDelay { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan MinIdleDelay { get; set; } = TimeSpan.FromMilliseconds(100);
}

/// <summary>
/// Reads a queue for a handler, the way the Functions queue trigger does for the Functions app:
/// each message is hidden while it is handled (the hiding renewed during long work), deleted when
/// the handler returns, left to reappear when it throws, and moved to <c>{queue}-poison</c> with the
/// reason once it has failed <see cref="QueueMessagePumpOptions.MaxDequeueCount"/> times. When the
/// queue is empty it waits longer and longer, up to a limit; when storage fails (every retry of a call
/// included) it logs, waits the longest wait and tries again, until it is stopped. The service client
/// is one built with <see cref="QueueWireFormat.CreateClientOptions"/>, so that bodies are read as
/// they are written.
/// </summary>
public sealed class QueueMessagePump
{
    private readonly QueueClient _queue;
    private readonly QueueClient _poison;
    private readonly Func<QueueMessage, CancellationToken, Task> _handle;
    private readonly QueueMessagePumpOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public QueueMessagePump(
        QueueServiceClient service, string queueName, Func<QueueMessage, CancellationToken, Task> handle,
        QueueMessagePumpOptions? options = null, TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        _queue = service.GetQueueClient(queueName);
        _poison = service.GetQueueClient(queueName + "-poison");
        _handle = handle ?? throw new ArgumentNullException(nameof(handle));
        _options = options ?? new QueueMessagePumpOptions();
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Creates the queue and its poison queue unless they exist.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await _queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await _poison.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads and handles messages until <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var initialized = false;
        var idle = _options.MinIdleDelay;
        var working = new HashSet<Task>();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (!initialized)
                {
                    await InitializeAsync(cancellationToken).ConfigureAwait(false);
                    initialized = true;
                }

                working.RemoveWhere(t => t.IsCompleted);
                var room = _options.Concurrency - working.Count;
                if (room <= 0)
                {
                    await Task.WhenAny(working).WaitAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var received = (await _queue.ReceiveMessagesAsync(Math.Min(room, 32), _options.VisibilityTimeout, cancellationToken).ConfigureAwait(false)).Value;
                if (received.Length == 0)
                {
                    await Task.Delay(idle, _time, cancellationToken).ConfigureAwait(false);
                    idle = TimeSpan.FromTicks(Math.Min(idle.Ticks * 2, _options.MaxIdleDelay.Ticks));
                    continue;
                }

                idle = _options.MinIdleDelay;
                foreach (var message in received)
                {
                    working.Add(ProcessAsync(message, cancellationToken));
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // Storage is unreachable or failing: a RequestFailedException, or an AggregateException once every
                // retry of a call has failed. Wait and try again; the messages stay in the queue. Nothing here may end
                // the loop: a hosted service that fails stops its host.
                _logger.ReceiveFailed(_queue.Name, e);
                try
                {
                    await Task.Delay(_options.MaxIdleDelay, _time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    break;
                }
            }
        }

        await Task.WhenAll(working).ConfigureAwait(false);
    }

    /// <summary>
    /// Handles one received message: poison check, handler with the visibility renewed, delete. The message is one
    /// invocation, traced as a <c>process {queue}</c> consumer span that the handler's spans are children of.
    /// </summary>
    public async Task ProcessAsync(QueueMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var trace = StartTrace(message);
        var receipt = new Receipt(message.PopReceipt);
        try
        {
            if (message.DequeueCount > _options.MaxDequeueCount)
            {
                await PoisonAsync(message, receipt, $"delivered {message.DequeueCount} times without being handled", cancellationToken).ConfigureAwait(false);
                trace.Complete();
                return;
            }

            using var handling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var renewal = RenewAsync(message, receipt, handling.Token);
            try
            {
                await _handle(message, handling.Token).ConfigureAwait(false);
            }
            finally
            {
                await handling.CancelAsync().ConfigureAwait(false);
                await renewal.ConfigureAwait(false);
            }

            await _queue.DeleteMessageAsync(message.MessageId, receipt.Value, CancellationToken.None).ConfigureAwait(false);
            trace.Complete();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down: the message reappears when its hiding ends and is handled again.
            trace.Cancel();
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            trace.Fail(e);
            _logger.HandlerFailed(_queue.Name, message.MessageId, message.DequeueCount, e);
            if (message.DequeueCount >= _options.MaxDequeueCount)
            {
                await PoisonAsync(message, receipt, $"{e.GetType().Name}: {e.Message}", CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            // Ends it as failed only when something above did not (a failing poison move): the trace ends once.
            trace.End(InvocationOutcome.Failed);
        }
    }

    private InvocationTrace StartTrace(QueueMessage message)
    {
        var trace = InvocationTrace.Start("process " + _queue.Name, ActivityKind.Consumer);
        if (trace.Activity is { IsAllDataRequested: true } activity)
        {
            activity.SetTag(TelemetryAttributes.MessagingSystem, "azure_storage_queues");
            activity.SetTag(TelemetryAttributes.MessagingOperationType, "process");
            activity.SetTag(TelemetryAttributes.MessagingDestinationName, _queue.Name);
            activity.SetTag(TelemetryAttributes.MessagingMessageId, message.MessageId);
            activity.SetTag(TelemetryAttributes.QueueDequeueCount, message.DequeueCount);
        }

        return trace;
    }

    private async Task RenewAsync(QueueMessage message, Receipt receipt, CancellationToken cancellationToken)
    {
        var wait = _options.VisibilityTimeout / 3;
        try
        {
            while (true)
            {
                await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
                try
                {
                    // Not cancelled with the handling: a renewal that reached the service changes the pop receipt, and one
                    // cancelled on its way back would lose the new receipt, so the delete that follows would fail and the
                    // message be delivered again. The handler's end waits for a renewal under way instead.
                    var updated = await _queue.UpdateMessageAsync(message.MessageId, receipt.Value, visibilityTimeout: _options.VisibilityTimeout, cancellationToken: CancellationToken.None).ConfigureAwait(false);
                    receipt.Value = updated.Value.PopReceipt;
                    wait = _options.VisibilityTimeout / 3;
                }
                catch (Exception e) when (StorageUnavailableException.IsTransient(e) && !cancellationToken.IsCancellationRequested)
                {
                    // Storage is away: keep trying, sooner, while the message is still hidden; if it reappears meanwhile, it
                    // is delivered again (handlers are idempotent) and the next renewal here finds its receipt stale.
                    _logger.RenewFailed(_queue.Name, message.MessageId, e);
                    wait = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(1).Ticks, _options.VisibilityTimeout.Ticks / 12));
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // The message is no longer ours (its receipt is stale: it reappeared and was received again). The handler goes on.
            _logger.RenewFailed(_queue.Name, message.MessageId, e);
        }
    }

    private async Task PoisonAsync(QueueMessage message, Receipt receipt, string reason, CancellationToken cancellationToken)
    {
        _logger.MessagePoisoned(_queue.Name, message.MessageId, message.DequeueCount, reason);
        await _poison.SendMessageAsync(message.Body, cancellationToken: cancellationToken).ConfigureAwait(false);
        await _queue.DeleteMessageAsync(message.MessageId, receipt.Value, cancellationToken).ConfigureAwait(false);
    }

    private sealed class Receipt(string value)
    {
        public string Value { get; set; } = value;
    }
}
