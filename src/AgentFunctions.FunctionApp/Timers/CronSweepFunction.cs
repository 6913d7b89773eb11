using AgentFunctions.Core.Crons;
using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions.FunctionApp.Timers;

/// <summary>
/// Fires due crons every minute (the finest a five-field schedule asks for), with the same <see cref="CronFiring"/>
/// the server's <c>CronWorker</c> runs; each firing happens once even if several instances fire at once.
/// </summary>
public sealed class CronSweepFunction(CronFiring firing)
{
    [Function("CronSweep")]
    public async Task RunAsync([TimerTrigger("0 * * * * *")] TimerInfo timer, CancellationToken cancellationToken)
        => await firing.FireDueAsync(cancellationToken);
}
