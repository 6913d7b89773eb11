using System.Diagnostics;
using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.Items;
using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Telemetry;
using AgentFunctions.Core.Threads;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFunctions.Core.Compaction;

/// <summary>What one run of the retention sweep did.</summary>
/// <param name="RunsFailed">Abandoned runs ended as failed (their threads released).</param>
/// <param name="ThreadsDeleted">Expired threads deleted with everything they owned.</param>
public sealed record RetentionSweepResult(int RunsFailed, int ThreadsDeleted)
{
    /// <summary>Expired store items deleted.</summary>
    public int ItemsDeleted { get; init; }
}

/// <summary>
/// The retention sweep, run on a timer by every host (the server's hosted service, the Functions app's
/// timer trigger), the same code in each. It ends runs whose lease expired more than
/// <see cref="CompactionOptions.LeaseExpiryGrace"/> ago (their executor died and nobody took them over)
/// as failed, which frees their thread's queue; and it deletes threads past their expiry time or idle for
/// longer than <see cref="CompactionOptions.ThreadTtl"/>, with everything they own. Before it deletes a
/// thread it queues a delayed <see cref="CompactionWork.DeleteThread"/> message: if the sweep dies half
/// way, that message finishes the deletion; if not, it finds nothing left to do. Several instances may
/// sweep at once: every step is conditional or idempotent. Last, it deletes the store's expired items.
/// </summary>
public sealed class RetentionSweep
{
    private const string AbandonedError = "The run's executor stopped before the run ended, and no other executor took it over.";

    private readonly IThreadRetention _threadRetention;
    private readonly IRunRetention _runRetention;
    private readonly IThreadStore _threads;
    private readonly IRunStore _runs;
    private readonly ICheckpointStore _checkpoints;
    private readonly ThreadDeletion _deletion;
    private readonly ICompactionScheduler _scheduler;
    private readonly CompactionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IItemRetention? _items;

    public RetentionSweep(
        IThreadRetention threadRetention, IRunRetention runRetention, IThreadStore threads, IRunStore runs, ICheckpointStore checkpoints, ThreadDeletion deletion,
        ICompactionScheduler scheduler, CompactionOptions? options = null, TimeProvider? time = null, ILogger<RetentionSweep>? logger = null, IItemRetention? items = null)
    {
        _items = items;
        _threadRetention = threadRetention ?? throw new ArgumentNullException(nameof(threadRetention));
        _runRetention = runRetention ?? throw new ArgumentNullException(nameof(runRetention));
        _threads = threads ?? throw new ArgumentNullException(nameof(threads));
        _runs = runs ?? throw new ArgumentNullException(nameof(runs));
        _checkpoints = checkpoints ?? throw new ArgumentNullException(nameof(checkpoints));
        _deletion = deletion ?? throw new ArgumentNullException(nameof(deletion));
        _scheduler = scheduler ?? throw new ArgumentNullException(nameof(scheduler));
        _options = options ?? new CompactionOptions();
        _options.Validate();
        _time = time ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>One sweep: abandoned runs, then expired threads. Cancelling stops it between steps; the next sweep carries on.</summary>
    public async Task<RetentionSweepResult> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        using var activity = AgentTelemetry.Source.StartActivity(CompactionTelemetry.SweepSpan);
        try
        {
            var failed = await FailAbandonedRunsAsync(cancellationToken).ConfigureAwait(false);
            var deleted = await DeleteExpiredThreadsAsync(cancellationToken).ConfigureAwait(false);
            var items = _items is null ? 0 : await _items.DeleteExpiredAsync(_time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            activity?.SetTag("agentfunctions.retention.items_deleted", items);
            activity?.SetTag("agentfunctions.retention.runs_failed", failed);
            activity?.SetTag("agentfunctions.retention.threads_deleted", deleted);
            _logger.RetentionSwept(failed, deleted);
            return new RetentionSweepResult(failed, deleted) { ItemsDeleted = items };
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
            _logger.RetentionSweepFailed(e);
            throw;
        }
    }

    private async Task<int> FailAbandonedRunsAsync(CancellationToken cancellationToken)
    {
        var expiredBefore = _time.GetUtcNow() - _options.LeaseExpiryGrace;
        var failed = 0;
        await foreach (var run in _runRetention.ListAbandonedAsync(expiredBefore, cancellationToken).ConfigureAwait(false))
        {
            if (await _runRetention.FailAbandonedAsync(run, expiredBefore, AbandonedError, cancellationToken).ConfigureAwait(false) is not { } ended)
            {
                continue; // its executor came back, or another sweep got there first
            }

            failed++;
            CompactionTelemetry.RunsFailed.Add(1);
            _logger.AbandonedRunFailed(ended.RunId, ended.ThreadId, run.LeaseExpiresAt);
            await ReleaseThreadAsync(ended, cancellationToken).ConfigureAwait(false);
        }

        return failed;
    }

    /// <summary>The thread of a run that failed this way is busy no more: busy when another run is queued, else error (its last run failed).</summary>
    private async Task ReleaseThreadAsync(AgentRun ended, CancellationToken cancellationToken)
    {
        var status = await _runs.GetActiveAsync(ended.OwnerId, ended.ThreadId, cancellationToken).ConfigureAwait(false) is null ? ThreadStatus.Error : ThreadStatus.Busy;
        await _threads.SetStatusAsync(ended.OwnerId, ended.ThreadId, status, cancellationToken).ConfigureAwait(false);
    }

    private async Task<int> DeleteExpiredThreadsAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        DateTimeOffset? idleBefore = _options.ThreadTtl > TimeSpan.Zero ? now - _options.ThreadTtl : null;
        var deleted = 0;
        await foreach (var thread in _threadRetention.ListExpiredAsync(now, idleBefore, cancellationToken).ConfigureAwait(false))
        {
            if (!await IsExpiredAsync(thread, now, idleBefore, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            var message = new CompactionMessage(thread.OwnerId, thread.ThreadId) { Work = CompactionWork.DeleteThread, ThreadETag = thread.ETag.ToString() };
            await _scheduler.ScheduleAsync(message, _options.DeletionResumeDelay, cancellationToken).ConfigureAwait(false);
            if (await _deletion.DeleteAsync(thread.OwnerId, thread.ThreadId, message.ThreadETag, cancellationToken).ConfigureAwait(false) == ThreadDeletionOutcome.Deleted)
            {
                deleted++;
                CompactionTelemetry.ThreadsDeleted.Add(1);
                _logger.ExpiredThreadDeleted(thread.ThreadId);
            }
        }

        return deleted;
    }

    /// <summary>Past its own expiry time; or idle: neither its row nor its history written since <paramref name="idleBefore"/>.</summary>
    private async Task<bool> IsExpiredAsync(AgentThread thread, DateTimeOffset now, DateTimeOffset? idleBefore, CancellationToken cancellationToken)
    {
        if (thread.ExpiresAt <= now)
        {
            return true;
        }

        if (idleBefore is not { } before || thread.UpdatedAt >= before)
        {
            return false;
        }

        // A state update writes a checkpoint without touching the thread's row.
        await foreach (var latest in _checkpoints.GetCheckpointSummariesAsync(thread.OwnerId, thread.ThreadId, pageSizeHint: 1, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            return latest.CreatedAt < before;
        }

        return true;
    }
}
