using AgentFunctions.Core.Compaction;
using AgentFunctions.Storage.Queues;
using Azure.Storage.Queues;

namespace AgentFunctions.Storage.Compaction;

/// <summary>
/// Compaction requests on the <c>compaction</c> storage queue, in <see cref="QueueWireFormat"/> (Base64 JSON, as the
/// Functions queue trigger reads it); <paramref name="service"/> is built with <see cref="QueueWireFormat.CreateClientOptions"/>.
/// </summary>
public sealed class QueueCompactionScheduler(QueueServiceClient service, string queueName = CompactionOptions.DefaultQueueName) : ICompactionScheduler
{
    private readonly QueueClient _queue = service.GetQueueClient(queueName);
    private readonly Lazy<Task> _created = new(() => service.GetQueueClient(queueName).CreateIfNotExistsAsync(), LazyThreadSafetyMode.ExecutionAndPublication);

    public async Task ScheduleAsync(CompactionMessage message, TimeSpan? delay = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        await _created.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        await _queue.SendMessageAsync(message.ToBinaryData(), delay is { } d && d > TimeSpan.Zero ? d : null, cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
