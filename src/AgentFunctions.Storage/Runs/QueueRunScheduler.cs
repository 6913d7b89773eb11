using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Telemetry;
using AgentFunctions.Storage.Queues;
using AgentFunctions.Storage.Stores;
using Azure.Storage.Queues;

namespace AgentFunctions.Storage.Runs;

/// <summary>
/// Background runs on the <c>runs</c> storage queue, in <see cref="QueueWireFormat"/> (Base64 JSON, as the Functions
/// queue trigger reads it); the queue service is built with <see cref="QueueWireFormat.CreateClientOptions"/>.
/// </summary>
public sealed class QueueRunScheduler : IRunScheduler
{
    public const string DefaultQueueName = "runs";

    private readonly QueueClient _queue;
    private readonly Lazy<Task> _created;

    /// <summary>The scheduler the hosts register: the queue <see cref="DefaultQueueName"/> with the deployment's prefix.</summary>
    public QueueRunScheduler(QueueServiceClient service, StorageNames names)
        : this(service, (names ?? throw new ArgumentNullException(nameof(names))).Queue(DefaultQueueName))
    {
    }

    internal QueueRunScheduler(QueueServiceClient service, string queueName = DefaultQueueName)
    {
        ArgumentNullException.ThrowIfNull(service);
        _queue = service.GetQueueClient(queueName);
        _created = new(() => _queue.CreateIfNotExistsAsync(), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public Task ScheduleAsync(RunMessage message, CancellationToken cancellationToken = default) => ScheduleAsync(message, TimeSpan.Zero, cancellationToken);

    /// <summary>Sends the message hidden for <paramref name="delay"/> (the queue's visibility delay, at most 7 days): no worker sees it sooner.</summary>
    public async Task ScheduleAsync(RunMessage message, TimeSpan delay, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(delay, TimeSpan.FromDays(7));
        await _created.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        // The span queuing the run goes with it, so that the run's span can link to it.
        var traced = message.TraceParent is null ? message with { TraceParent = AgentTelemetry.CurrentTraceParent() } : message;
        await _queue.SendMessageAsync(traced.ToBinaryData(), visibilityTimeout: delay > TimeSpan.Zero ? delay : null, cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
