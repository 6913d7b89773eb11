using AgentFunctions.Core.Compaction;
using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions.FunctionApp.Timers;

/// <summary>
/// The retention sweep on the schedule in the <c>RETENTION_SWEEP_SCHEDULE</c> app setting (six-field CRON;
/// <c>0 0 * * * *</c> is hourly), the same <see cref="RetentionSweep"/> the server's <c>RetentionSweepWorker</c>
/// runs every <c>Compaction:SweepInterval</c>. One instance runs it at a time (the timer trigger's blob lease).
/// </summary>
public sealed class RetentionSweepFunction(RetentionSweep sweep)
{
    [Function("RetentionSweep")]
    public async Task RunAsync([TimerTrigger("%RETENTION_SWEEP_SCHEDULE%")] TimerInfo timer, CancellationToken cancellationToken)
        => await sweep.RunOnceAsync(cancellationToken);
}
