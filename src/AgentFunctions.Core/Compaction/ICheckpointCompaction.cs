using Azure;

namespace AgentFunctions.Core.Compaction;

/// <summary>
/// Where a thread's history stands for compaction, read in one request at the end of every run: its
/// latest checkpoint's sequence, and the bookkeeping of past and pending compactions.
/// </summary>
public sealed record CompactionMark
{
    /// <summary>The thread's latest checkpoint sequence (0 when it has none).</summary>
    public long LatestSequence { get; init; }

    /// <summary>The latest sequence when the last compaction finished (0: never compacted).</summary>
    public long CompactedSequence { get; init; }

    /// <summary>The latest sequence when a compaction was last requested.</summary>
    public long RequestedSequence { get; init; }

    public DateTimeOffset? RequestedAt { get; init; }

    /// <summary>Run events of runs that ended before this time were deleted by an earlier compaction.</summary>
    public DateTimeOffset? EventsPurgedBefore { get; init; }

    /// <summary>The compaction that holds the thread (a request id), and until when.</summary>
    public string? Holder { get; init; }

    public DateTimeOffset? HeldUntil { get; init; }

    /// <summary>The mark's version; the default when the thread has never been compacted or asked to be.</summary>
    public ETag ETag { get; init; }

    /// <summary>Checkpoints written since the last compaction finished.</summary>
    public long Gained => LatestSequence - CompactedSequence;

    /// <summary>A request made after the last compaction, not older than <paramref name="timeout"/>, is still pending.</summary>
    public bool HasPendingRequest(DateTimeOffset now, TimeSpan timeout)
        => RequestedSequence > CompactedSequence && RequestedAt is { } at && now - at < timeout;
}

/// <summary>What a compaction of a thread's checkpoints keeps; everything else is deleted.</summary>
public sealed record CheckpointRetention
{
    /// <summary>A checkpoint id: it and every checkpoint written after it are kept.</summary>
    public required string KeepFrom { get; init; }

    /// <summary>Older checkpoints that are kept too (ids the thread does not have are ignored).</summary>
    public IReadOnlyCollection<string> Pinned { get; init; } = [];
}

/// <summary>What one compaction of a thread's checkpoints did.</summary>
/// <param name="CheckpointsDeleted">Checkpoints removed from the history.</param>
/// <param name="RowsDeleted">Every row deleted: checkpoint rows and the state rows (deltas, snapshots) only they needed.</param>
/// <param name="SnapshotsWritten">Snapshots written at the oldest checkpoint of each range of kept checkpoints.</param>
/// <param name="Transactions">Entity-group transactions that deleted the rows.</param>
public sealed record CheckpointCompactionResult(int CheckpointsDeleted, int RowsDeleted, int SnapshotsWritten, int Transactions)
{
    public static CheckpointCompactionResult None { get; } = new(0, 0, 0, 0);
}

/// <summary>
/// The storage side of compaction for a thread's checkpoints: the mark (the cheap "since the last
/// compaction" counter and a per-thread lease, so that one compaction at a time works on a thread) and
/// the compaction itself, which writes fresh snapshots before it deletes anything, so that every kept
/// checkpoint reads back the same and a compaction killed at any point can simply run again.
/// </summary>
public interface ICheckpointCompaction
{
    /// <summary>The thread's mark and latest sequence, in one request.</summary>
    Task<CompactionMark> GetMarkAsync(string ownerId, string threadId, CancellationToken cancellationToken = default);

    /// <summary>Records that a compaction of the thread was requested at <paramref name="sequence"/>, when the mark is still <paramref name="seen"/>; false when it changed first.</summary>
    Task<bool> TryRecordRequestAsync(string ownerId, string threadId, CompactionMark seen, long sequence, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes the thread for compaction <paramref name="holder"/> until <paramref name="until"/>, unless
    /// another holder's lease is still running then (a redelivered request takes over its own lease).
    /// Returns the mark as held, or null.
    /// </summary>
    Task<CompactionMark?> TryHoldAsync(string ownerId, string threadId, string holder, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken = default);

    /// <summary>Extends a held lease; <see cref="Stores.StoreConflictException"/> when another holder took the thread.</summary>
    Task<CompactionMark> RenewAsync(string ownerId, string threadId, CompactionMark held, DateTimeOffset until, CancellationToken cancellationToken = default);

    /// <summary>Records a finished compaction (the sequence it compacted up to, where the event purge got) and releases the lease.</summary>
    Task FinishAsync(string ownerId, string threadId, CompactionMark held, long compactedSequence, DateTimeOffset? eventsPurgedBefore, CancellationToken cancellationToken = default);

    /// <summary>
    /// Compacts the thread's checkpoints to <paramref name="retention"/>: a snapshot of the state at the
    /// oldest checkpoint of each range of kept checkpoints (unless one is there), then the deletion of
    /// every other checkpoint and of the state rows that only they needed, in entity-group transactions
    /// of up to 100. Runs may write to the thread meanwhile. <paramref name="renew"/> is called between
    /// transactions to keep the caller's lease.
    /// </summary>
    /// <exception cref="Stores.StoreConflictException">The history changed under the compaction (its oldest kept checkpoint is gone); run it again.</exception>
    Task<CheckpointCompactionResult> CompactAsync(
        string ownerId, string threadId, CheckpointRetention retention, Func<CancellationToken, Task>? renew = null, CancellationToken cancellationToken = default);
}
