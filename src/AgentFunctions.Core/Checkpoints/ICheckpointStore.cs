using System.Text.Json;
using Azure;

namespace AgentFunctions.Core.Checkpoints;

/// <summary>
/// A thread's checkpoints: its history. Every read is scoped by owner and thread. Collections are
/// lazy <see cref="AsyncPageable{T}"/>s, newest first: nothing is read until they are enumerated, and
/// reading stops when the consumer stops.
/// </summary>
public interface ICheckpointStore
{
    /// <summary>Writes a checkpoint atomically: it is stored whole, or not at all.</summary>
    /// <exception cref="Stores.StoreConflictException">Another write got there first, or the parent is not the latest checkpoint of a non-fork write.</exception>
    /// <exception cref="CheckpointNotFoundException">The parent does not exist.</exception>
    /// <exception cref="CheckpointTooLargeException">The step is larger than a checkpoint may be.</exception>
    Task<CheckpointSummary> PutAsync(CheckpointWrite write, CancellationToken cancellationToken = default);

    /// <summary>The thread's latest checkpoint with its values, or null when the thread has none.</summary>
    Task<Checkpoint?> GetLatestAsync(string ownerId, string threadId, CancellationToken cancellationToken = default);

    /// <summary>One checkpoint with its values, or null when the thread has no such checkpoint.</summary>
    Task<Checkpoint?> GetAsync(string ownerId, string threadId, string checkpointId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The thread's checkpoints with their values, newest first, starting before <paramref name="before"/>
    /// (a checkpoint id) when given, keeping only those whose metadata has every top-level key of
    /// <paramref name="metadataFilter"/> with a value that contains the filter's (as LangGraph filters metadata).
    /// </summary>
    AsyncPageable<Checkpoint> GetCheckpointsAsync(
        string ownerId, string threadId, string? before = null, JsonElement? metadataFilter = null, int? pageSizeHint = null, CancellationToken cancellationToken = default);

    /// <summary>The same as <see cref="GetCheckpointsAsync"/> without the values: one small row per checkpoint.</summary>
    AsyncPageable<CheckpointSummary> GetCheckpointSummariesAsync(
        string ownerId, string threadId, string? before = null, JsonElement? metadataFilter = null, int? pageSizeHint = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes every checkpoint written after <paramref name="checkpointId"/> (or every checkpoint,
    /// for null), so that it is the thread's latest again: what a rolled-back run wrote disappears.
    /// Returns how many checkpoints were deleted. Call it only while no run writes to the thread.
    /// </summary>
    Task<int> DeleteAfterAsync(string ownerId, string threadId, string? checkpointId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Copies every checkpoint of a thread to another thread of the same owner, which has none: the same checkpoint
    /// ids, parents, metadata (its <c>thread_id</c>, where it names the thread, names the copy), writes and values, so
    /// the copy's state and history read as the thread's. Read and written a page at a time, never the whole history
    /// at once. Nothing of a copy that fails stays behind. Returns how many checkpoints were copied.
    /// </summary>
    /// <exception cref="Stores.StoreConflictException">The thread changed while it was copied (a run, a rollback or compaction wrote), or the target has checkpoints; nothing was kept.</exception>
    Task<long> CopyThreadAsync(string ownerId, string threadId, string targetThreadId, CancellationToken cancellationToken = default);

    /// <summary>Deletes every checkpoint of a thread.</summary>
    Task DeleteThreadAsync(string ownerId, string threadId, CancellationToken cancellationToken = default);
}
