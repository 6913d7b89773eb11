using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.Runs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFunctions.Core.Compaction;

/// <summary>
/// Requests compaction when a run ends on a thread that has gained more than
/// <see cref="CompactionOptions.Threshold"/> checkpoints since its last compaction. The check is one
/// query (the thread's compaction mark and latest checkpoint); a request is recorded on the mark before it
/// is queued, so that the runs ending while it waits queue no more (a request older than
/// <see cref="CompactionOptions.RequestTimeout"/> no longer counts: its message may have been lost).
/// </summary>
public sealed class CompactionTrigger : IRunCompletionObserver
{
    private readonly ICheckpointCompaction _compaction;
    private readonly ICompactionScheduler _scheduler;
    private readonly CompactionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public CompactionTrigger(
        ICheckpointCompaction compaction, ICompactionScheduler scheduler, CompactionOptions? options = null, TimeProvider? time = null, ILogger<CompactionTrigger>? logger = null)
    {
        _compaction = compaction ?? throw new ArgumentNullException(nameof(compaction));
        _scheduler = scheduler ?? throw new ArgumentNullException(nameof(scheduler));
        _options = options ?? new CompactionOptions();
        _options.Validate();
        _time = time ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public Task RunEndedAsync(AgentRun run, string? lastCheckpointId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);

        // A thread whose newest checkpoint is numbered within the threshold cannot have gained more than that since any
        // compaction: nothing to read. (A checkpoint written after the run's, by a state update, is seen at the next run's end.)
        var cannotBeDue = CheckpointIds.TryGetSequence(lastCheckpointId, out var sequence) && sequence <= _options.Threshold;
        return _options.Enabled && !cannotBeDue ? TryRequestAsync(run.OwnerId, run.ThreadId, cancellationToken) : Task.CompletedTask;
    }

    /// <summary>Queues a compaction of the thread when it is due and none is pending; true when it queued one.</summary>
    public async Task<bool> TryRequestAsync(string ownerId, string threadId, CancellationToken cancellationToken = default)
    {
        var mark = await _compaction.GetMarkAsync(ownerId, threadId, cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        if (mark.Gained <= _options.Threshold || mark.HasPendingRequest(now, _options.RequestTimeout))
        {
            return false;
        }

        if (!await _compaction.TryRecordRequestAsync(ownerId, threadId, mark, mark.LatestSequence, now, cancellationToken).ConfigureAwait(false))
        {
            return false; // another run's end recorded a request first
        }

        await _scheduler.ScheduleAsync(new CompactionMessage(ownerId, threadId), cancellationToken: cancellationToken).ConfigureAwait(false);
        CompactionTelemetry.Requested.Add(1);
        _logger.CompactionRequested(threadId, mark.Gained);
        return true;
    }
}
