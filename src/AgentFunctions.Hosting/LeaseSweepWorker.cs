using AgentFunctions.Core.Runs;
using Microsoft.Extensions.Hosting;

namespace AgentFunctions.Hosting;

/// <summary>Runs the <see cref="LeaseSweep"/> in the server every <see cref="RunExecutorOptions.LeaseSweepInterval"/>.</summary>
public sealed class LeaseSweepWorker(LeaseSweep sweep, RunExecutorOptions options) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => sweep.RunAsync(options.LeaseSweepInterval, stoppingToken);
}
