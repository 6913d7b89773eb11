using AgentFunctions.Core.Stores;

namespace AgentFunctions.Core.Threads;

/// <summary>Setting a thread's status without losing a concurrent change to the thread.</summary>
public static class ThreadStatusUpdates
{
    /// <summary>
    /// Sets the thread's status, conditionally on the version read: a thread changed meanwhile (its metadata, another
    /// status) is read again, up to five times. A thread that is gone, or already has the status, is left alone.
    /// </summary>
    public static async Task SetStatusAsync(this IThreadStore threads, string ownerId, string threadId, ThreadStatus status, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(threads);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var thread = await threads.GetAsync(ownerId, threadId, cancellationToken).ConfigureAwait(false);
            if (thread is null || thread.Status == status)
            {
                return;
            }

            try
            {
                await threads.UpdateAsync(thread with { Status = status }, thread.ETag, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (StoreConflictException)
            {
                // Changed meanwhile: read again.
            }
        }
    }
}
