using AgentFunctions.Core.Compaction;
using Microsoft.Extensions.Hosting;

namespace AgentFunctions.Hosting;

/// <summary>
/// Runs the <see cref="RetentionSweep"/> in the server every <see cref="CompactionOptions.SweepInterval"/>
/// (the first within a minute of starting); the Functions app has a timer trigger calling the same
/// <see cref="RetentionSweep.RunOnceAsync"/>. A sweep that fails is logged by the sweep and the next one carries on.
/// </summary>
public sealed class RetentionSweepWorker(RetentionSweep sweep, CompactionOptions options, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var wait = options.SweepInterval < TimeSpan.FromMinutes(1) ? options.SweepInterval : TimeSpan.FromMinutes(1);
        try
        {
            while (true)
            {
                await Task.Delay(wait, time, stoppingToken).ConfigureAwait(false);
                wait = options.SweepInterval;
                try
                {
                    await sweep.RunOnceAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Logged by the sweep; whatever it did not finish, the next sweep finds again.
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
