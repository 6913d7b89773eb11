using AgentFunctions.Core.Compaction;
using AgentFunctions.Hosting.Configuration;
using AgentFunctions.Storage.Queues;
using Azure.Storage.Queues;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Hosting;

/// <summary>
/// Handles the <c>compaction</c> queue in the server (the Functions app has a queue trigger calling the
/// same <see cref="CompactionHandler"/>): polls with a growing wait while the queue is empty, keeps a
/// message hidden while a long compaction works, and moves a message that failed five times to
/// <c>compaction-poison</c> with the reason logged.
/// </summary>
public sealed class CompactionQueueWorker(QueueServiceClient queues, StorageSettings storage, CompactionHandler handler, ILogger<CompactionQueueWorker> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var pump = new QueueMessagePump(
            queues,
            storage.QueueName(CompactionOptions.DefaultQueueName),
            (message, ct) => handler.HandleAsync(CompactionMessage.Parse(message.Body), ct),
            new QueueMessagePumpOptions { VisibilityTimeout = TimeSpan.FromMinutes(2), Concurrency = 2 },
            logger: logger);
        return pump.RunAsync(stoppingToken);
    }
}
