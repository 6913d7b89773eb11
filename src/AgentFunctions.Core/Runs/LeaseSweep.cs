using AgentFunctions.Core.Compaction;
using AgentFunctions.Core.Stores;
using AgentFunctions.Core.Threads;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFunctions.Core.Runs;

/// <summary>
/// Ends the runs that executed inside a request (<see cref="AgentRun.InRequest"/>: streamed and waited runs) whose
/// process died: nobody takes such a run over (it has no queue message, and its client's stream is gone with the
/// process), so once its lease has expired it is ended as an error and its thread freed for the runs queued behind it
/// (or set to error). Run every <see cref="RunExecutorOptions.LeaseSweepInterval"/> by the server's hosted service, so a
/// thread is busy at most about one lease plus one interval after its process died. Background runs are left to their
/// queue message, which brings them back to be taken over, and to the retention sweep. Several instances may sweep at
/// once: ending a run is conditional on its lease as read.
/// </summary>
public sealed class LeaseSweep(IRunRetention runRetention, IRunStore runs, IThreadStore threads, TimeProvider? time = null, ILogger<LeaseSweep>? logger = null)
{
    /// <summary>The error recorded on such a run.</summary>
    public const string DiedError = "The process running the run stopped before the run ended (its lease expired).";

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    /// <summary>One sweep; returns how many runs it ended.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        var ended = 0;
        await foreach (var run in runRetention.ListAbandonedAsync(now, cancellationToken).ConfigureAwait(false))
        {
            if (!run.InRequest || await runRetention.FailAbandonedAsync(run, now, DiedError, cancellationToken).ConfigureAwait(false) is not { } failed)
            {
                continue;
            }

            ended++;
            _logger.StoppedRequestRunEnded(failed.RunId, failed.ThreadId, run.LeaseExpiresAt);
            var status = await runs.GetActiveAsync(failed.OwnerId, failed.ThreadId, cancellationToken).ConfigureAwait(false) is null ? ThreadStatus.Error : ThreadStatus.Busy;
            await threads.SetStatusAsync(failed.OwnerId, failed.ThreadId, status, cancellationToken).ConfigureAwait(false);
        }

        return ended;
    }

    /// <summary>Sweeps every <paramref name="interval"/> until cancelled; a sweep that fails (storage away) is logged, and the next one carries on.</summary>
    public async Task RunAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        try
        {
            while (true)
            {
                await Task.Delay(interval, _time, cancellationToken).ConfigureAwait(false);
                try
                {
                    await RunOnceAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    if (StorageUnavailableException.IsTransient(e))
                    {
                        _logger.LeaseSweepStorageAway(e.Message);
                    }
                    else
                    {
                        _logger.LeaseSweepFailed(e);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}
