using AgentFunctions.Core.Webhooks;
using AgentFunctions.Http.Webhooks;
using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions.FunctionApp.Queues;

/// <summary>
/// Delivers runs' webhooks from the <c>webhooks</c> queue, as the server's <c>WebhookQueueWorker</c> does. A failed
/// delivery queues its own retry with backoff; the invocation throws only when that cannot be queued.
/// </summary>
public sealed class WebhookQueueFunction(WebhookDelivery delivery)
{
    [Function("WebhookQueue")]
    public async Task RunAsync([QueueTrigger(WebhookMessage.DefaultQueueName)] string message, CancellationToken cancellationToken)
        => await delivery.HandleAsync(WebhookMessage.Parse(message), cancellationToken);
}
