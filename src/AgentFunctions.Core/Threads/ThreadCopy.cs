using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.Stores;

namespace AgentFunctions.Core.Threads;

/// <summary>
/// Copies a thread, as LangGraph's <c>POST /threads/{thread_id}/copy</c> does: a new thread with a new id and the
/// same metadata, and the whole history of checkpoints (same ids, same values), so the copy can be read, forked
/// from any checkpoint and run on its own. The checkpoints are copied first, a page at a time; the thread's row is
/// written last, so no client sees a copy before it is whole, and a copy that fails leaves nothing behind.
/// </summary>
public sealed class ThreadCopy(IThreadStore threads, ICheckpointStore checkpoints)
{
    /// <summary>How many times a copy is tried when the thread changed while it was copied (or was being compacted).</summary>
    public const int Attempts = 4;

    // The wait before the next try grows by this much each time: a compaction holds a thread for a moment.
    private static readonly TimeSpan RetryStep = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// The copy, or null when the owner has no such thread. Its status is idle (interrupted when the thread's last
    /// run stopped at an interrupt, which the copy's checkpoints still hold); its config is empty, as on LangGraph.
    /// </summary>
    /// <exception cref="StoreConflictException">The thread kept changing while it was copied (a run writes to it); nothing was kept.</exception>
    public async Task<AgentThread?> CopyAsync(string ownerId, string threadId, CancellationToken cancellationToken = default)
    {
        var source = await threads.GetAsync(ownerId, threadId, cancellationToken).ConfigureAwait(false);
        if (source is null)
        {
            return null;
        }

        for (var attempt = 1; ; attempt++)
        {
            var copyId = ResourceIds.New();
            try
            {
                await checkpoints.CopyThreadAsync(ownerId, threadId, copyId, cancellationToken).ConfigureAwait(false);
            }
            catch (StoreConflictException) when (attempt < Attempts)
            {
                // Written to meanwhile: the store has removed what it copied; copy the newer version.
                await Task.Delay(RetryStep * attempt, cancellationToken).ConfigureAwait(false);
                continue;
            }

            try
            {
                return await threads.CreateAsync(
                    new AgentThread
                    {
                        ThreadId = copyId,
                        OwnerId = ownerId,
                        Metadata = source.Metadata,
                        Status = source.Status == ThreadStatus.Interrupted ? ThreadStatus.Interrupted : ThreadStatus.Idle,
                    },
                    cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                // No row names the copied checkpoints: remove them, so nothing half-made is left. Should storage refuse
                // that too, they stay unreachable, and the first failure is the one reported.
                try
                {
                    await checkpoints.DeleteThreadAsync(ownerId, copyId, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Azure.RequestFailedException)
                {
                }

                throw;
            }
        }
    }
}
