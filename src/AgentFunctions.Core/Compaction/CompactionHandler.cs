using System.Diagnostics;
using System.Text.Json;
using AgentFunctions.Core.Assistants;
using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.RunEvents;
using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFunctions.Core.Compaction;

/// <summary>How a compaction request ended.</summary>
public enum CompactionOutcome
{
    /// <summary>The history was compacted (or there was nothing old enough to delete) and old run events deleted.</summary>
    Compacted,

    /// <summary>The thread has not grown past the threshold since its last compaction: a duplicate request.</summary>
    AlreadyCompacted,

    /// <summary>Another request is compacting the thread now; that one does the work.</summary>
    Busy,

    /// <summary>The thread has no checkpoints (or no longer exists).</summary>
    NoHistory,

    /// <summary>The thread and everything it owned were deleted (or, for a resumed deletion, what was left of it).</summary>
    ThreadDeleted,

    /// <summary>A deletion found the thread in use again and left it.</summary>
    ThreadKept,
}

/// <summary>What handling one compaction request did.</summary>
public sealed record CompactionResult(CompactionOutcome Outcome)
{
    public int CheckpointsDeleted { get; init; }

    public int RowsDeleted { get; init; }

    public int SnapshotsWritten { get; init; }

    public int Transactions { get; init; }

    public int RunEventLogsDeleted { get; init; }
}

/// <summary>
/// Handles the messages of the <c>compaction</c> queue, the same code in every host (the server's queue
/// worker, the Functions app's queue trigger). For a thread: takes it (one compaction at a time), decides
/// what to keep (the latest N under the policy of the assistant of its newest run, everything from an
/// active run's starting checkpoint on, an interrupted newest run's resumable checkpoint, and what the
/// policy pins), compacts the checkpoints, deletes the events of runs that ended before the event
/// retention, and records how far it got. Idempotent and resumable: a duplicate finds the thread
/// compacted; a handler killed half way leaves a consistent history, and the redelivered message (same
/// request id) takes its hold back and finishes.
/// </summary>
public sealed class CompactionHandler
{
    private readonly ICheckpointStore _checkpoints;
    private readonly ICheckpointCompaction _compaction;
    private readonly IRunStore _runs;
    private readonly IAssistantStore _assistants;
    private readonly IRunEventLog _events;
    private readonly ThreadDeletion _deletion;
    private readonly CompactionOptions _options;
    private readonly CompactionPolicy _policy;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public CompactionHandler(
        ICheckpointStore checkpoints, ICheckpointCompaction compaction, IRunStore runs, IAssistantStore assistants, IRunEventLog events, ThreadDeletion deletion,
        CompactionOptions? options = null, TimeProvider? time = null, ILogger<CompactionHandler>? logger = null)
    {
        _checkpoints = checkpoints ?? throw new ArgumentNullException(nameof(checkpoints));
        _compaction = compaction ?? throw new ArgumentNullException(nameof(compaction));
        _runs = runs ?? throw new ArgumentNullException(nameof(runs));
        _assistants = assistants ?? throw new ArgumentNullException(nameof(assistants));
        _events = events ?? throw new ArgumentNullException(nameof(events));
        _deletion = deletion ?? throw new ArgumentNullException(nameof(deletion));
        _options = options ?? new CompactionOptions();
        _policy = _options.Validate();
        _time = time ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Handles one message of the <c>compaction</c> queue. Throws to have it delivered again.</summary>
    public async Task<CompactionResult> HandleAsync(CompactionMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var started = _time.GetTimestamp();
        using var activity = AgentTelemetry.Source.StartActivity(message.Work == CompactionWork.DeleteThread ? CompactionTelemetry.DeleteThreadSpan : CompactionTelemetry.CompactSpan);
        activity?.SetTag(CompactionTelemetry.ThreadIdTag, message.ThreadId);
        try
        {
            var result = message.Work == CompactionWork.DeleteThread
                ? await DeleteThreadAsync(message, cancellationToken).ConfigureAwait(false)
                : await CompactAsync(message, cancellationToken).ConfigureAwait(false);

            var outcome = Name(result.Outcome);
            activity?.SetTag(CompactionTelemetry.OutcomeTag, outcome);
            CompactionTelemetry.Handled.Add(1, new KeyValuePair<string, object?>(CompactionTelemetry.OutcomeTag, outcome));
            CompactionTelemetry.Duration.Record(_time.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>(CompactionTelemetry.OutcomeTag, outcome));
            _logger.CompactionHandled(message.ThreadId, result.Outcome, result.CheckpointsDeleted, result.RowsDeleted, result.Transactions, result.RunEventLogsDeleted);
            return result;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
            _logger.CompactionFailed(message.ThreadId, message.Work, e);
            throw;
        }
    }

    private async Task<CompactionResult> DeleteThreadAsync(CompactionMessage message, CancellationToken cancellationToken)
    {
        var outcome = await _deletion.DeleteAsync(message.OwnerId, message.ThreadId, message.ThreadETag, cancellationToken).ConfigureAwait(false);
        if (outcome == ThreadDeletionOutcome.Deleted)
        {
            CompactionTelemetry.ThreadsDeleted.Add(1);
        }

        return new CompactionResult(outcome == ThreadDeletionOutcome.Kept ? CompactionOutcome.ThreadKept : CompactionOutcome.ThreadDeleted);
    }

    private async Task<CompactionResult> CompactAsync(CompactionMessage message, CancellationToken cancellationToken)
    {
        var (owner, thread) = (message.OwnerId, message.ThreadId);
        var now = _time.GetUtcNow();
        var mark = await _compaction.GetMarkAsync(owner, thread, cancellationToken).ConfigureAwait(false);
        if (mark.LatestSequence == 0)
        {
            return new CompactionResult(CompactionOutcome.NoHistory);
        }

        if (mark.Gained <= _options.Threshold && mark.Holder != message.RequestId)
        {
            return new CompactionResult(CompactionOutcome.AlreadyCompacted);
        }

        var held = await _compaction.TryHoldAsync(owner, thread, message.RequestId, now, now + _options.HoldDuration, cancellationToken).ConfigureAwait(false);
        if (held is null)
        {
            return new CompactionResult(CompactionOutcome.Busy);
        }

        async Task RenewIfDueAsync(CancellationToken ct)
        {
            var at = _time.GetUtcNow();
            if (held.HeldUntil - at < _options.HoldDuration / 2)
            {
                held = await _compaction.RenewAsync(owner, thread, held, at + _options.HoldDuration, ct).ConfigureAwait(false);
            }
        }

        var eventsBefore = now - _options.EventRetention;
        var runs = await ReadRunsAsync(owner, thread, mark.EventsPurgedBefore, eventsBefore, cancellationToken).ConfigureAwait(false);
        var policy = await PolicyAsync(owner, runs.Newest, cancellationToken).ConfigureAwait(false);
        var compacted = CheckpointCompactionResult.None;
        if (policy.Kind == CompactionPolicyKind.KeepLatest && await PlanAsync(owner, thread, policy, runs, cancellationToken).ConfigureAwait(false) is { } retention)
        {
            compacted = await _compaction.CompactAsync(owner, thread, retention, RenewIfDueAsync, cancellationToken).ConfigureAwait(false);
        }

        foreach (var runId in runs.ExpiredEventLogs)
        {
            await RenewIfDueAsync(cancellationToken).ConfigureAwait(false);
            await _events.DeleteAsync(runId, cancellationToken).ConfigureAwait(false);
        }

        await _compaction.FinishAsync(owner, thread, held, mark.LatestSequence, eventsBefore, cancellationToken).ConfigureAwait(false);
        CompactionTelemetry.CheckpointsDeleted.Add(compacted.CheckpointsDeleted);
        CompactionTelemetry.RowsDeleted.Add(compacted.RowsDeleted);
        CompactionTelemetry.RunEventLogsDeleted.Add(runs.ExpiredEventLogs.Count);
        return new CompactionResult(CompactionOutcome.Compacted)
        {
            CheckpointsDeleted = compacted.CheckpointsDeleted,
            RowsDeleted = compacted.RowsDeleted,
            SnapshotsWritten = compacted.SnapshotsWritten,
            Transactions = compacted.Transactions,
            RunEventLogsDeleted = runs.ExpiredEventLogs.Count,
        };
    }

    /// <summary>The runs compaction cares about: the newest, the active ones, and the ended ones whose events have expired and are still there.</summary>
    private async Task<ThreadRuns> ReadRunsAsync(string owner, string thread, DateTimeOffset? purgedBefore, DateTimeOffset eventsBefore, CancellationToken cancellationToken)
    {
        AgentRun? newest = null;
        var active = new List<AgentRun>();
        var expired = new List<string>();
        await foreach (var run in _runs.ListAsync(owner, thread, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            newest ??= run;
            if (run.IsActive)
            {
                active.Add(run);
            }
            else if (run.UpdatedAt < eventsBefore && (purgedBefore is not { } before || run.UpdatedAt >= before))
            {
                expired.Add(run.RunId);
            }
        }

        return new ThreadRuns(newest, active, expired);
    }

    /// <summary>The deployment's policy, with the override of the newest run's assistant (a broken override is logged and ignored).</summary>
    private async Task<CompactionPolicy> PolicyAsync(string owner, AgentRun? newest, CancellationToken cancellationToken)
    {
        if (newest is null || await _assistants.GetAsync(owner, newest.AssistantId, cancellationToken).ConfigureAwait(false) is not { } assistant)
        {
            return _policy;
        }

        try
        {
            return _policy.WithOverride(assistant.Config);
        }
        catch (AssistantConfigException e)
        {
            _logger.CompactionOverrideInvalid(assistant.AssistantId, e.Message);
            return _policy;
        }
    }

    /// <summary>
    /// What to keep, from one pass over the history's summaries (newest first): the latest N; from the
    /// oldest starting checkpoint of an active run on (a running run's is the parent of its oldest
    /// checkpoint, a run's explicit <c>checkpoint_id</c> otherwise), since a rollback returns to it and a
    /// compaction snapshot must never sit where a rollback may write again; the newest checkpoint of an
    /// interrupted newest run when it can be resumed; and what the policy pins. Null when nothing would go.
    /// </summary>
    private async Task<CheckpointRetention?> PlanAsync(string owner, string thread, CompactionPolicy policy, ThreadRuns runs, CancellationToken cancellationToken)
    {
        var running = runs.Active.Where(r => r.Status == RunStatus.Running).Select(r => r.RunId).ToHashSet(StringComparer.Ordinal);
        var explicitStarts = runs.Active.Select(ExplicitCheckpoint).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var interrupted = runs.Newest is { Status: RunStatus.Interrupted } last ? last.RunId : null;
        var oldestOfRun = new Dictionary<string, CheckpointSummary>(StringComparer.Ordinal);
        var parentOfOldest = new Dictionary<string, CheckpointSummary>(StringComparer.Ordinal);
        var starts = new List<CheckpointSummary>();
        var pinned = new List<string>();
        CheckpointSummary? boundary = null;
        var resumeChecked = false;
        var count = 0;
        await foreach (var summary in _checkpoints.GetCheckpointSummariesAsync(owner, thread, pageSizeHint: 1000, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            count++;
            if (count == policy.KeepLatest)
            {
                boundary = summary;
            }
            else if (count > policy.KeepLatest && policy.Pins(summary.Metadata))
            {
                pinned.Add(summary.CheckpointId);
            }

            if (explicitStarts.Contains(summary.CheckpointId))
            {
                starts.Add(summary);
            }

            foreach (var (run, oldest) in oldestOfRun)
            {
                if (oldest.ParentCheckpointId == summary.CheckpointId)
                {
                    parentOfOldest[run] = summary;
                }
            }

            if (RunIdOf(summary.Metadata) is { } runId)
            {
                if (running.Contains(runId))
                {
                    oldestOfRun[runId] = summary;
                    parentOfOldest.Remove(runId);
                }

                if (runId == interrupted && !resumeChecked)
                {
                    resumeChecked = true;
                    if (summary.Next.Count > 0)
                    {
                        pinned.Add(summary.CheckpointId);
                    }
                }
            }
        }

        if (boundary is null || count == policy.KeepLatest)
        {
            return null;
        }

        foreach (var (run, oldest) in oldestOfRun)
        {
            starts.Add(parentOfOldest.TryGetValue(run, out var parent) ? parent : oldest);
        }

        var keepFrom = starts.Append(boundary).MinBy(s => s.Sequence)!;
        return new CheckpointRetention { KeepFrom = keepFrom.CheckpointId, Pinned = pinned };
    }

    private static string? ExplicitCheckpoint(AgentRun run)
        => run.Kwargs.ValueKind == JsonValueKind.Object && run.Kwargs.TryGetProperty("checkpoint_id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;

    private static string? RunIdOf(JsonElement metadata)
        => metadata.ValueKind == JsonValueKind.Object && metadata.TryGetProperty("run_id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;

    private static string Name(CompactionOutcome outcome) => outcome switch
    {
        CompactionOutcome.Compacted => "compacted",
        CompactionOutcome.AlreadyCompacted => "already_compacted",
        CompactionOutcome.Busy => "busy",
        CompactionOutcome.NoHistory => "no_history",
        CompactionOutcome.ThreadDeleted => "thread_deleted",
        _ => "thread_kept",
    };

    private sealed record ThreadRuns(AgentRun? Newest, List<AgentRun> Active, List<string> ExpiredEventLogs);
}
