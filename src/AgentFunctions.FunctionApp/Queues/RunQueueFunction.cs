using AgentFunctions.Core.Runs;
using AgentFunctions.Storage.Runs;
using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions.FunctionApp.Queues;

/// <summary>
/// Executes the background runs on the <c>runs</c> queue, as the server's <c>RunQueueWorker</c> does. The
/// platform hides a message while its invocation runs, deletes it when the invocation returns, and moves
/// it to <c>runs-poison</c> after <c>maxDequeueCount</c> failures (host.json).
/// </summary>
public sealed class RunQueueFunction(RunWorker worker)
{
    [Function("RunQueue")]
    public async Task RunAsync([QueueTrigger(QueueRunScheduler.DefaultQueueName)] string message, CancellationToken cancellationToken)
        => await worker.HandleAsync(RunMessage.Parse(BinaryData.FromString(message)), cancellationToken);
}
