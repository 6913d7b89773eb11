using AgentFunctions.Core.Runs;
using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions.FunctionApp.Timers;

/// <summary>
/// The lease sweep every 10 seconds: ends, as errors, the streamed and waited runs whose process died (their lease
/// expired), so that their threads take new runs again; the same <see cref="LeaseSweep"/> the server's
/// <c>LeaseSweepWorker</c> runs every <c>Runs:LeaseSweepInterval</c>. One instance runs it at a time (the timer trigger's blob lease).
/// </summary>
public sealed class LeaseSweepFunction(LeaseSweep sweep)
{
    [Function("LeaseSweep")]
    public async Task RunAsync([TimerTrigger("*/10 * * * * *")] TimerInfo timer, CancellationToken cancellationToken)
        => await sweep.RunOnceAsync(cancellationToken);
}
