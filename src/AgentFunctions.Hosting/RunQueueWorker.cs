using AgentFunctions.Core.Runs;
using AgentFunctions.Hosting.Configuration;
using AgentFunctions.Storage.Queues;
using AgentFunctions.Storage.Runs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Hosting;

/// <summary>
/// Executes background runs from the <c>runs</c> queue, in the server (the Functions app has a queue trigger for it); a
/// message stays hidden for <see cref="RunExecutorOptions.QueueVisibilityTimeout"/>, renewed while its run runs.
/// </summary>
public sealed class RunQueueWorker(QueueServiceClient queues, StorageSettings storage, RunWorker worker, RunExecutorOptions options, ILogger<RunQueueWorker> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var pump = new QueueMessagePump(
            queues,
            storage.QueueName(QueueRunScheduler.DefaultQueueName),
            (message, ct) => worker.HandleAsync(RunMessage.Parse(message.Body), ct),
            new QueueMessagePumpOptions { VisibilityTimeout = options.QueueVisibilityTimeout },
            logger: logger);
        return pump.RunAsync(stoppingToken);
    }
}
