using System.Text.Json;
using AgentFunctions.Core.Runtime;
using AgentFunctions.Core.Stores;

namespace AgentFunctions.Core.Threads;

/// <summary>Changing a thread without losing a concurrent change to it.</summary>
public static class ThreadUpdates
{
    /// <summary>Sets the thread's status. A thread that is gone, or already has the status, is left alone.</summary>
    public static Task SetStatusAsync(this IThreadStore threads, string ownerId, string threadId, ThreadStatus status, CancellationToken cancellationToken = default)
        => threads.ChangeAsync(ownerId, threadId, thread => thread.Status == status ? null : thread with { Status = status }, cancellationToken);

    /// <summary>
    /// Puts <c>graph_id</c> and <c>assistant_id</c> into the thread's metadata, as LangGraph does when a run starts
    /// on a thread: clients (agent-chat-ui) find a graph's threads by searching that metadata. Other keys are kept.
    /// </summary>
    public static Task LabelAsync(this IThreadStore threads, string ownerId, string threadId, string graphId, string assistantId, CancellationToken cancellationToken = default)
        => threads.ChangeAsync(ownerId, threadId, thread => Labelled(thread.Metadata, graphId, assistantId) is { } metadata ? thread with { Metadata = metadata } : null, cancellationToken);

    /// <summary>
    /// Marks the thread busy for a run that starts on it and labels it with the run's graph and assistant (see
    /// <see cref="LabelAsync"/>), in one write. <paramref name="known"/> is the thread as last read (with its ETag): the
    /// write is conditional on it, without reading the thread again; a thread changed since is read again.
    /// </summary>
    /// <returns>The thread as written (null when it is gone, or kept changing), for the run's end to write without reading it again.</returns>
    public static Task<AgentThread?> StartRunAsync(
        this IThreadStore threads, string ownerId, string threadId, string graphId, string assistantId, AgentThread? known, CancellationToken cancellationToken = default)
        => threads.ChangeAsync(
            ownerId,
            threadId,
            thread => (Labelled(thread.Metadata, graphId, assistantId), thread.Status) switch
            {
                (null, ThreadStatus.Busy) => null,
                (null, _) => thread with { Status = ThreadStatus.Busy },
                ({ } metadata, _) => thread with { Status = ThreadStatus.Busy, Metadata = metadata },
            },
            known,
            cancellationToken);

    /// <summary>Whether the thread's metadata already names the graph and assistant (<see cref="LabelAsync"/> would change nothing).</summary>
    public static bool IsLabelled(AgentThread thread, string graphId, string assistantId)
    {
        ArgumentNullException.ThrowIfNull(thread);
        return Labelled(thread.Metadata, graphId, assistantId) is null;
    }

    /// <summary>
    /// Applies <paramref name="change"/> (null: nothing to change) conditionally on the version read: a thread changed
    /// meanwhile is read again, up to five times. A thread that is gone is left alone.
    /// </summary>
    public static Task ChangeAsync(this IThreadStore threads, string ownerId, string threadId, Func<AgentThread, AgentThread?> change, CancellationToken cancellationToken = default)
        => threads.ChangeAsync(ownerId, threadId, change, known: null, cancellationToken);

    /// <summary>
    /// Applies <paramref name="change"/> as <see cref="ChangeAsync(IThreadStore, string, string, Func{AgentThread, AgentThread?}, CancellationToken)"/>
    /// does, to <paramref name="known"/> first when given (the thread as last read, with its ETag): when it is still the
    /// stored version, the thread is written without being read again.
    /// </summary>
    /// <returns>The thread as written, or as read when there was nothing to change; null when it is gone, or kept changing.</returns>
    public static async Task<AgentThread?> ChangeAsync(
        this IThreadStore threads, string ownerId, string threadId, Func<AgentThread, AgentThread?> change, AgentThread? known, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(threads);
        ArgumentNullException.ThrowIfNull(change);
        if (known is not null && (known.OwnerId != ownerId || known.ThreadId != threadId || known.ETag == default))
        {
            known = null;
        }

        for (var attempt = 0; attempt < 5; attempt++)
        {
            var fromKnown = attempt == 0 && known is not null;
            var thread = fromKnown ? known : await threads.GetAsync(ownerId, threadId, cancellationToken).ConfigureAwait(false);
            if (thread is null || change(thread) is not { } changed)
            {
                if (fromKnown)
                {
                    continue; // nothing to change on the version last read: whether that holds for the stored one is read
                }

                return thread;
            }

            try
            {
                return await threads.UpdateAsync(changed, thread.ETag, cancellationToken).ConfigureAwait(false);
            }
            catch (StoreConflictException)
            {
                // Changed meanwhile: read again.
            }
        }

        return null;
    }

    private static JsonElement? Labelled(JsonElement metadata, string graphId, string assistantId)
    {
        var isObject = metadata.ValueKind == JsonValueKind.Object;
        if (isObject && Has(metadata, "graph_id", graphId) && Has(metadata, "assistant_id", assistantId))
        {
            return null;
        }

        return WireJson.Build(w =>
        {
            w.WriteStartObject();
            if (isObject)
            {
                foreach (var property in metadata.EnumerateObject())
                {
                    if (property.Name is not ("graph_id" or "assistant_id"))
                    {
                        property.WriteTo(w);
                    }
                }
            }

            w.WriteString("graph_id", graphId);
            w.WriteString("assistant_id", assistantId);
            w.WriteEndObject();
        });
    }

    private static bool Has(JsonElement metadata, string name, string value)
        => metadata.TryGetProperty(name, out var given) && given.ValueKind == JsonValueKind.String && given.ValueEquals(value);
}
