using AgentFunctions.Core.Runs;
using AgentFunctions.Hosting.Configuration;
using AgentFunctions.Storage.Queues;
using AgentFunctions.Storage.Runs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Hosting;

/// <summary>Executes background runs from the <c>runs</c> queue, in the server (the Functions app has a queue trigger for it).</summary>
public sealed class RunQueueWorker(QueueServiceClient queues, StorageSettings storage, RunWorker worker, ILogger<RunQueueWorker> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var pump = new QueueMessagePump(
            queues,
            storage.QueueName(QueueRunScheduler.DefaultQueueName),
            (message, ct) => worker.HandleAsync(RunMessage.Parse(message.Body), ct),
            new QueueMessagePumpOptions { VisibilityTimeout = TimeSpan.FromMinutes(2) },
            logger: logger);
        return pump.RunAsync(stoppingToken);
    }
}
