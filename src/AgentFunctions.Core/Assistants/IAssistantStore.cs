using AgentFunctions.Core.Stores;
using Azure;

namespace AgentFunctions.Core.Assistants;

/// <summary>
/// Assistants, kept per owner: every operation names the owner, and an assistant of another owner is
/// simply not found. Ids are checked (<see cref="ResourceIds"/>) before anything is sent to storage.
/// </summary>
public interface IAssistantStore
{
    /// <summary>
    /// Stores a new assistant at version 1 (and keeps that version, see <see cref="ListVersionsAsync"/>). The store sets <see cref="Assistant.Version"/>,
    /// <see cref="Assistant.CreatedAt"/> and <see cref="Assistant.UpdatedAt"/> and returns the assistant
    /// as stored, with its ETag.
    /// </summary>
    /// <exception cref="StoreConflictException">The owner already has an assistant with that id.</exception>
    /// <exception cref="ArgumentException">The owner, assistant id or graph id is not valid.</exception>
    Task<Assistant> CreateAsync(Assistant assistant, CancellationToken cancellationToken = default);

    /// <summary>The owner's assistant, or null when it has none with that id.</summary>
    /// <exception cref="ArgumentException">The owner or assistant id is not valid.</exception>
    Task<Assistant?> GetAsync(string ownerId, string assistantId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces the stored assistant's graph, name, description, config, context and metadata with
    /// <paramref name="assistant"/>'s when the stored ETag still is <paramref name="ifMatch"/>
    /// (<see cref="ETag.All"/> for any version). The store increments the stored
    /// <see cref="Assistant.Version"/>, keeps <see cref="Assistant.CreatedAt"/> and sets
    /// <see cref="Assistant.UpdatedAt"/>. Returns the assistant as stored with its new ETag, or null
    /// when the owner has no such assistant.
    /// </summary>
    /// <exception cref="StoreConflictException">The stored assistant has changed since <paramref name="ifMatch"/>.</exception>
    /// <exception cref="ArgumentException">An id is not valid, or <paramref name="ifMatch"/> is the default (no) ETag.</exception>
    Task<Assistant?> UpdateAsync(Assistant assistant, ETag ifMatch, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the owner's assistant, only when its ETag still is <paramref name="ifMatch"/> (default: any).
    /// Returns whether an assistant was deleted.
    /// </summary>
    /// <exception cref="StoreConflictException">The stored assistant has changed since <paramref name="ifMatch"/>.</exception>
    Task<bool> DeleteAsync(string ownerId, string assistantId, ETag ifMatch = default, CancellationToken cancellationToken = default);

    /// <summary>
    /// The owner's assistants that match <paramref name="query"/>, in id order. Nothing is read until the
    /// result is enumerated; pages are read as the consumer reaches them, and
    /// <c>AsPages(continuationToken, pageSizeHint)</c> resumes from an earlier page's opaque token (valid
    /// for the same owner and query only). The query is checked when this method is called.
    /// </summary>
    /// <exception cref="ArgumentException">The owner, graph id or metadata filter is not valid.</exception>
    AsyncPageable<Assistant> SearchAsync(string ownerId, AssistantSearchQuery? query = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Every version of the owner's assistant that the store has kept (each create and update keeps one), newest first;
    /// empty when it has none (no such assistant, or one stored before versions were kept).
    /// </summary>
    /// <exception cref="ArgumentException">The owner or assistant id is not valid.</exception>
    AsyncPageable<Assistant> ListVersionsAsync(string ownerId, string assistantId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Makes the kept <paramref name="version"/> the assistant's current one (its graph, name, description, config,
    /// context, metadata and version number); returns the assistant as stored, or null when the owner has no such
    /// assistant or it has no such version.
    /// </summary>
    /// <exception cref="ArgumentException">The owner or assistant id is not valid.</exception>
    Task<Assistant?> SetLatestAsync(string ownerId, string assistantId, int version, CancellationToken cancellationToken = default);
}
