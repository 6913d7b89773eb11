using AgentFunctions.Core.Compaction;
using AgentFunctions.Storage.Queues;
using AgentFunctions.Storage.Stores;
using Azure.Storage.Queues;

namespace AgentFunctions.Storage.Compaction;

/// <summary>
/// Compaction requests on the <c>compaction</c> storage queue, in <see cref="QueueWireFormat"/> (Base64 JSON, as the
/// Functions queue trigger reads it); the queue service is built with <see cref="QueueWireFormat.CreateClientOptions"/>.
/// </summary>
public sealed class QueueCompactionScheduler : ICompactionScheduler
{
    /// <summary>The longest a queue message can stay hidden (the Queue service's limit).</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromDays(7);

    private readonly QueueClient _queue;
    private readonly Lazy<Task> _created;

    /// <summary>The scheduler the hosts register: the queue <see cref="CompactionOptions.DefaultQueueName"/> with the deployment's prefix.</summary>
    public QueueCompactionScheduler(QueueServiceClient service, StorageNames names)
        : this(service, (names ?? throw new ArgumentNullException(nameof(names))).Queue(CompactionOptions.DefaultQueueName))
    {
    }

    internal QueueCompactionScheduler(QueueServiceClient service, string queueName = CompactionOptions.DefaultQueueName)
    {
        ArgumentNullException.ThrowIfNull(service);
        _queue = service.GetQueueClient(queueName);
        _created = new(() => _queue.CreateIfNotExistsAsync(), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delay"/> is longer than <see cref="MaxDelay"/>; nothing was sent.</exception>
    public async Task ScheduleAsync(CompactionMessage message, TimeSpan? delay = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (delay > MaxDelay)
        {
            throw new ArgumentOutOfRangeException(nameof(delay), delay, "A queue message stays hidden for at most 7 days.");
        }

        await _created.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        await _queue.SendMessageAsync(message.ToBinaryData(), delay is { } d && d > TimeSpan.Zero ? d : null, cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
