using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.RunEvents;
using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Stores;
using AgentFunctions.Core.Threads;

namespace AgentFunctions.Core.Compaction;

/// <summary>What a thread deletion did.</summary>
public enum ThreadDeletionOutcome
{
    /// <summary>The thread's row was deleted now, then everything it owned.</summary>
    Deleted,

    /// <summary>The row was already gone (an earlier deletion did not finish, or did): whatever it owned is gone now.</summary>
    Finished,

    /// <summary>The thread was left alone: it changed since it was found expired, or a run is active on it.</summary>
    Kept,
}

/// <summary>
/// Deletes a thread with everything it owns: its row first (conditionally, so a thread that was used
/// since it was found expired stays, and from then on no client can reach it), then its runs' events, its
/// runs and queue, and its checkpoints, each in transactions of up to 100. Every step after the first is
/// idempotent, so the deletion can be run again, from the start, until it has finished.
/// </summary>
public sealed class ThreadDeletion(IThreadStore threads, IRunStore runs, IRunRetention runRetention, IRunEventLog events, ICheckpointStore checkpoints)
{
    /// <param name="ownerId">The thread's owner.</param>
    /// <param name="threadId">The thread.</param>
    /// <param name="expectedETag">The thread's version when it was found expired; null to delete whatever version is there.</param>
    /// <param name="cancellationToken">Cancels the deletion (which can be run again).</param>
    public async Task<ThreadDeletionOutcome> DeleteAsync(string ownerId, string threadId, string? expectedETag, CancellationToken cancellationToken = default)
    {
        var outcome = ThreadDeletionOutcome.Finished;
        var thread = await threads.GetAsync(ownerId, threadId, cancellationToken).ConfigureAwait(false);
        if (thread is not null)
        {
            if ((expectedETag is not null && thread.ETag.ToString() != expectedETag)
                || thread.Status == ThreadStatus.Busy
                || await runs.GetActiveAsync(ownerId, threadId, cancellationToken).ConfigureAwait(false) is not null)
            {
                return ThreadDeletionOutcome.Kept;
            }

            try
            {
                outcome = await threads.DeleteAsync(ownerId, threadId, thread.ETag, cancellationToken).ConfigureAwait(false)
                    ? ThreadDeletionOutcome.Deleted
                    : ThreadDeletionOutcome.Finished;
            }
            catch (StoreConflictException)
            {
                return ThreadDeletionOutcome.Kept; // updated between the read and the delete: in use again
            }
        }

        // The row is gone (now, or by an earlier attempt that did not finish): what it owned goes too.
        await DeleteOwnedAsync(ownerId, threadId, cancellationToken).ConfigureAwait(false);
        return outcome;
    }

    /// <summary>
    /// Deletes what a thread owns (its runs' events, its runs and their queue, its checkpoints) but not its row; idempotent.
    /// The API's delete calls this before it deletes the row, so a delete that fails half way can be repeated by the caller.
    /// </summary>
    public async Task DeleteOwnedAsync(string ownerId, string threadId, CancellationToken cancellationToken = default)
    {
        await foreach (var run in runs.ListAsync(ownerId, threadId, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            await events.DeleteAsync(run.RunId, cancellationToken).ConfigureAwait(false);
        }

        await runRetention.DeleteThreadRunsAsync(ownerId, threadId, cancellationToken).ConfigureAwait(false);
        await checkpoints.DeleteThreadAsync(ownerId, threadId, cancellationToken).ConfigureAwait(false);
    }
}
