using AgentFunctions.Core.Webhooks;
using AgentFunctions.Hosting.Configuration;
using AgentFunctions.Http.Webhooks;
using AgentFunctions.Storage.Queues;
using Azure.Storage.Queues;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Hosting;

/// <summary>Delivers runs' webhooks from the <c>webhooks</c> queue in the server (the Functions app has a queue trigger calling the same <see cref="WebhookDelivery"/>).</summary>
public sealed class WebhookQueueWorker(QueueServiceClient queues, StorageSettings storage, WebhookDelivery delivery, ILogger<WebhookQueueWorker> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var pump = new QueueMessagePump(
            queues,
            storage.QueueName(WebhookMessage.DefaultQueueName),
            (message, ct) => delivery.HandleAsync(WebhookMessage.Parse(message.Body), ct),
            new QueueMessagePumpOptions { VisibilityTimeout = TimeSpan.FromMinutes(2), Concurrency = 4 },
            logger: logger);
        return pump.RunAsync(stoppingToken);
    }
}
