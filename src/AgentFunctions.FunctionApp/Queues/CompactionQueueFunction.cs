using AgentFunctions.Core.Compaction;
using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions.FunctionApp.Queues;

/// <summary>
/// Handles the <c>compaction</c> queue (history compactions and resumable thread deletions) with the same
/// <see cref="CompactionHandler"/> as the server's <c>CompactionQueueWorker</c>. A handler that throws leaves the
/// message to be delivered again; after <c>maxDequeueCount</c> failures (host.json) it goes to <c>compaction-poison</c>.
/// </summary>
public sealed class CompactionQueueFunction(CompactionHandler handler)
{
    [Function("CompactionQueue")]
    public async Task RunAsync([QueueTrigger(CompactionOptions.DefaultQueueName)] string message, CancellationToken cancellationToken)
        => await handler.HandleAsync(CompactionMessage.Parse(message), cancellationToken);
}
