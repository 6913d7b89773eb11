using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Telemetry;
using AgentFunctions.Storage.Queues;
using Azure.Storage.Queues;

namespace AgentFunctions.Storage.Runs;

/// <summary>
/// Background runs on the <c>runs</c> storage queue, in <see cref="QueueWireFormat"/> (Base64 JSON, as the Functions
/// queue trigger reads it); <paramref name="service"/> is built with <see cref="QueueWireFormat.CreateClientOptions"/>.
/// </summary>
public sealed class QueueRunScheduler(QueueServiceClient service, string queueName = QueueRunScheduler.DefaultQueueName) : IRunScheduler
{
    public const string DefaultQueueName = "runs";

    private readonly QueueClient _queue = service.GetQueueClient(queueName);
    private readonly Lazy<Task> _created = new(() => service.GetQueueClient(queueName).CreateIfNotExistsAsync(), LazyThreadSafetyMode.ExecutionAndPublication);

    public async Task ScheduleAsync(RunMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        await _created.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        // The span queuing the run goes with it, so that the run's span can link to it.
        var traced = message.TraceParent is null ? message with { TraceParent = AgentTelemetry.CurrentTraceParent() } : message;
        await _queue.SendMessageAsync(traced.ToBinaryData(), cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
