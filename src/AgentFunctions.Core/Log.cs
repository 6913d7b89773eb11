using AgentFunctions.Core.Compaction;
using AgentFunctions.Core.Runs;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Core;

/// <summary>
/// The assembly's source-generated logs, in one place and in event id order, so that an id is chosen in sight of
/// every other: ILogger extension methods, so that a call reads <c>logger.RunStarted(...)</c>.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Run {RunId} on thread {ThreadId} started (attempt {Attempt})")]
    public static partial void RunStarted(this ILogger logger, string runId, string threadId, int attempt);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Run {RunId} on thread {ThreadId} ended: {Status}")]
    public static partial void RunEnded(this ILogger logger, string runId, string threadId, RunStatus status);

    [LoggerMessage(EventId = 102, Level = LogLevel.Error, Message = "Run {RunId} on thread {ThreadId} failed")]
    public static partial void RunFailed(this ILogger logger, string runId, string threadId, Exception exception);

    [LoggerMessage(EventId = 103, Level = LogLevel.Information, Message = "Run {RunId} observed a cancellation request: {Action}")]
    public static partial void CancelObserved(this ILogger logger, string runId, CancelAction action);

    [LoggerMessage(EventId = 104, Level = LogLevel.Warning, Message = "Run {RunId} lost its lease and stops here")]
    public static partial void LeaseLost(this ILogger logger, string runId, Exception exception);

    [LoggerMessage(EventId = 105, Level = LogLevel.Information, Message = "Run {RunId} rolled back: {Removed} checkpoints removed")]
    public static partial void RolledBack(this ILogger logger, string runId, int removed);

    [LoggerMessage(EventId = 106, Level = LogLevel.Information, Message = "Run {RunId}: a consumer fell behind the events held in memory; the run's events are written to its event log from event {Sequence} on")]
    public static partial void PersistingForSlowConsumer(this ILogger logger, string runId, long sequence);

    [LoggerMessage(EventId = 107, Level = LogLevel.Warning, Message = "Run {RunId}: its events could not be written to its event log for a consumer that fell behind; the run goes on, that consumer's stream ends with an error")]
    public static partial void SlowConsumerLogFailed(this ILogger logger, string runId, Exception exception);

    [LoggerMessage(EventId = 108, Level = LogLevel.Information, Message = "Run {RunId}: a consumer fell behind the events held in memory after event {Sequence}; it reads on from the run's event log")]
    public static partial void FellBehind(this ILogger logger, string runId, long sequence);

    [LoggerMessage(EventId = 110, Level = LogLevel.Warning, Message = "After run {RunId} ended, its completion observer failed; the run's outcome stands")]
    public static partial void ObserverFailed(this ILogger logger, string runId, Exception exception);

    [LoggerMessage(EventId = 111, Level = LogLevel.Information, Message = "Run {RunId} taken over (attempt {Attempt}): its input already applied: {InputApplied}; its events go on from {Sequence}")]
    public static partial void RunResumed(this ILogger logger, string runId, int attempt, bool inputApplied, long sequence);

    [LoggerMessage(EventId = 112, Level = LogLevel.Warning, Message = "Run {RunId}: storage is unavailable to {What}; retrying")]
    public static partial void StorageAway(this ILogger logger, string runId, string what, Exception exception);

    [LoggerMessage(EventId = 113, Level = LogLevel.Information, Message = "Run {RunId}: storage is back ({What}, after {Tries} failed tries)")]
    public static partial void StorageBack(this ILogger logger, string runId, string what, int tries);

    [LoggerMessage(EventId = 114, Level = LogLevel.Warning, Message = "Run {RunId}: its cancel checks and lease renewals fail (storage is unavailable); the run goes on and they are retried")]
    public static partial void WatchFailing(this ILogger logger, string runId, Exception exception);

    [LoggerMessage(EventId = 115, Level = LogLevel.Information, Message = "Run {RunId}: its cancel checks and lease renewals succeed again")]
    public static partial void WatchRecovered(this ILogger logger, string runId);

    [LoggerMessage(EventId = 116, Level = LogLevel.Warning, Message = "After run {RunId} ended, its event log could not be marked complete; its events are stored and its outcome stands")]
    public static partial void EventLogNotCompleted(this ILogger logger, string runId, Exception exception);

    [LoggerMessage(EventId = 120, Level = LogLevel.Warning, Message = "Run {RunId} on thread {ThreadId} ran in a request whose process stopped (its lease expired at {LeaseExpiredAt}); it is ended as an error")]
    public static partial void StoppedRequestRunEnded(this ILogger logger, string runId, string threadId, DateTimeOffset? leaseExpiredAt);

    [LoggerMessage(EventId = 121, Level = LogLevel.Warning, Message = "The lease sweep could not reach storage ({Reason}); the next one carries on")]
    public static partial void LeaseSweepStorageAway(this ILogger logger, string reason);

    [LoggerMessage(EventId = 122, Level = LogLevel.Error, Message = "The lease sweep failed; the next one carries on")]
    public static partial void LeaseSweepFailed(this ILogger logger, Exception exception);

    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "Compaction of thread {ThreadId} requested: {Gained} checkpoints since the last one")]
    public static partial void CompactionRequested(this ILogger logger, string threadId, long gained);

    [LoggerMessage(EventId = 401, Level = LogLevel.Information, Message = "Compaction request for thread {ThreadId}: {Outcome}; {CheckpointsDeleted} checkpoints and {RowsDeleted} rows deleted in {Transactions} transactions, events of {RunEventLogs} runs deleted")]
    public static partial void CompactionHandled(this ILogger logger, string threadId, CompactionOutcome outcome, int checkpointsDeleted, int rowsDeleted, int transactions, int runEventLogs);

    [LoggerMessage(EventId = 402, Level = LogLevel.Warning, Message = "Compaction request ({Work}) for thread {ThreadId} failed; it will be delivered again")]
    public static partial void CompactionFailed(this ILogger logger, string threadId, CompactionWork work, Exception exception);

    [LoggerMessage(EventId = 403, Level = LogLevel.Warning, Message = "Assistant {AssistantId} has an invalid compaction override ({Reason}); the deployment's policy applies")]
    public static partial void CompactionOverrideInvalid(this ILogger logger, string assistantId, string reason);

    [LoggerMessage(EventId = 410, Level = LogLevel.Information, Message = "Retention sweep: {RunsFailed} abandoned runs failed, {ThreadsDeleted} expired threads deleted")]
    public static partial void RetentionSwept(this ILogger logger, int runsFailed, int threadsDeleted);

    [LoggerMessage(EventId = 411, Level = LogLevel.Warning, Message = "Run {RunId} on thread {ThreadId} was abandoned (its lease expired at {LeaseExpiredAt}); it is ended as failed")]
    public static partial void AbandonedRunFailed(this ILogger logger, string runId, string threadId, DateTimeOffset? leaseExpiredAt);

    [LoggerMessage(EventId = 412, Level = LogLevel.Information, Message = "Thread {ThreadId} expired and was deleted with everything it owned")]
    public static partial void ExpiredThreadDeleted(this ILogger logger, string threadId);

    [LoggerMessage(EventId = 413, Level = LogLevel.Error, Message = "The retention sweep failed; the next one carries on")]
    public static partial void RetentionSweepFailed(this ILogger logger, Exception exception);

    [LoggerMessage(EventId = 520, Level = LogLevel.Warning, Message = "Run {RunId}: its client went away, and the run could not be cancelled through its record")]
    public static partial void DisconnectCancelFailed(this ILogger logger, string runId, Exception exception);

    [LoggerMessage(EventId = 521, Level = LogLevel.Warning, Message = "The temporary thread {ThreadId} of a stateless run could not be deleted")]
    public static partial void TemporaryThreadNotDeleted(this ILogger logger, string threadId, Exception exception);

    [LoggerMessage(EventId = 522, Level = LogLevel.Warning, Message = "Run {RunId}: its record could not be read while its stream was joined")]
    public static partial void EndWatchFailed(this ILogger logger, string runId, Exception exception);

    [LoggerMessage(EventId = 523, Level = LogLevel.Warning, Message = "The temporary thread {ThreadId} of a stateless run was kept: a run is active on it again")]
    public static partial void TemporaryThreadKept(this ILogger logger, string threadId);

    [LoggerMessage(EventId = 700, Level = LogLevel.Information, Message = "The webhook of run {RunId} is queued for delivery")]
    public static partial void WebhookQueued(this ILogger logger, string runId);

    [LoggerMessage(EventId = 720, Level = LogLevel.Information, Message = "Cron {CronId} fired for {Firing}; next at {Next}")]
    public static partial void CronFired(this ILogger logger, string cronId, DateTimeOffset firing, DateTimeOffset? next);

    [LoggerMessage(EventId = 721, Level = LogLevel.Warning, Message = "Cron {CronId} could not fire; the next sweep tries again")]
    public static partial void CronFireFailed(this ILogger logger, string cronId, Exception exception);

    [LoggerMessage(EventId = 722, Level = LogLevel.Warning, Message = "Cron {CronId} deleted: its thread {ThreadId} is gone")]
    public static partial void CronThreadGone(this ILogger logger, string cronId, string threadId);

    [LoggerMessage(EventId = 723, Level = LogLevel.Warning, Message = "Cron {CronId} skipped a firing: its thread {ThreadId} has an active run (multitask_strategy reject)")]
    public static partial void CronThreadBusy(this ILogger logger, string cronId, string threadId);
}
