using AgentFunctions.Core.Crons;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Hosting;

/// <summary>
/// Fires due crons in the server every <see cref="CronOptions.SweepInterval"/> (the Functions app has a timer trigger
/// calling the same <see cref="CronFiring"/>); off with <c>Crons:Enabled=false</c>.
/// </summary>
public sealed class CronWorker(CronFiring firing, CronOptions options, TimeProvider time, ILogger<CronWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled)
        {
            return;
        }

        try
        {
            while (true)
            {
                await Task.Delay(options.SweepInterval, time, stoppingToken).ConfigureAwait(false);
                try
                {
                    await firing.FireDueAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.CronSweepFailed(e); // what was due stays due: the next sweep fires it
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
