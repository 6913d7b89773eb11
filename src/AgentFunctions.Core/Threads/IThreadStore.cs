using AgentFunctions.Core.Stores;
using Azure;

namespace AgentFunctions.Core.Threads;

/// <summary>
/// Threads, kept per owner: every operation names the owner, and a thread of another owner is simply
/// not found. Ids are checked (<see cref="ResourceIds"/>) before anything is sent to storage.
/// </summary>
public interface IThreadStore
{
    /// <summary>
    /// Stores a new thread. The store sets <see cref="AgentThread.CreatedAt"/> and
    /// <see cref="AgentThread.UpdatedAt"/> and returns the thread as stored, with its ETag.
    /// </summary>
    /// <exception cref="StoreConflictException">The owner already has a thread with that id.</exception>
    /// <exception cref="ArgumentException">The owner or thread id is not valid.</exception>
    Task<AgentThread> CreateAsync(AgentThread thread, CancellationToken cancellationToken = default);

    /// <summary>The owner's thread, or null when it has none with that id.</summary>
    /// <exception cref="ArgumentException">The owner or thread id is not valid.</exception>
    Task<AgentThread?> GetAsync(string ownerId, string threadId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces the stored thread with <paramref name="thread"/> when the stored ETag still is
    /// <paramref name="ifMatch"/> (<see cref="ETag.All"/> to overwrite any version). The store sets
    /// <see cref="AgentThread.UpdatedAt"/>; every other field is written as given. Returns the thread as
    /// stored with its new ETag, or null when the owner has no such thread.
    /// </summary>
    /// <exception cref="StoreConflictException">The stored thread has changed since <paramref name="ifMatch"/>.</exception>
    /// <exception cref="ArgumentException">An id is not valid, or <paramref name="ifMatch"/> is the default (no) ETag.</exception>
    Task<AgentThread?> UpdateAsync(AgentThread thread, ETag ifMatch, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the owner's thread, only when its ETag still is <paramref name="ifMatch"/> (default: any).
    /// Returns whether a thread was deleted.
    /// </summary>
    /// <exception cref="StoreConflictException">The stored thread has changed since <paramref name="ifMatch"/>.</exception>
    Task<bool> DeleteAsync(string ownerId, string threadId, ETag ifMatch = default, CancellationToken cancellationToken = default);

    /// <summary>
    /// The owner's threads that match <paramref name="query"/>, in id order. Nothing is read until the
    /// result is enumerated; pages are read as the consumer reaches them, and
    /// <c>AsPages(continuationToken, pageSizeHint)</c> resumes from an earlier page's opaque token (valid
    /// for the same owner and query only). The query is checked when this method is called.
    /// </summary>
    /// <exception cref="ArgumentException">The owner, an id or the metadata filter is not valid, or there are too many ids.</exception>
    AsyncPageable<AgentThread> SearchAsync(string ownerId, ThreadSearchQuery? query = null, CancellationToken cancellationToken = default);
}
