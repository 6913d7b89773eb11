using AgentFunctions.Core.Webhooks;
using AgentFunctions.Storage.Stores;
using Azure.Storage.Queues;

namespace AgentFunctions.Storage.Webhooks;

/// <summary>Webhook deliveries on the <c>webhooks</c> storage queue, in the queues' wire format (Base64 JSON).</summary>
public sealed class QueueWebhookScheduler : IWebhookScheduler
{
    private static readonly TimeSpan MaxDelay = TimeSpan.FromDays(7);

    private readonly QueueClient _queue;
    private readonly Lazy<Task> _created;

    /// <summary>The scheduler the hosts register: the queue <see cref="WebhookMessage.DefaultQueueName"/> with the deployment's prefix.</summary>
    public QueueWebhookScheduler(QueueServiceClient service, StorageNames names)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(names);
        _queue = service.GetQueueClient(names.Queue(WebhookMessage.DefaultQueueName));
        _created = new(() => _queue.CreateIfNotExistsAsync(), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public async Task ScheduleAsync(WebhookMessage message, TimeSpan delay, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        await _created.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        var hidden = delay > MaxDelay ? MaxDelay : delay;
        await _queue.SendMessageAsync(message.ToBinaryData(), hidden > TimeSpan.Zero ? hidden : null, cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
