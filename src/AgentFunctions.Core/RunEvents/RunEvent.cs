using System.Text.Json;
using Azure;

namespace AgentFunctions.Core.RunEvents;

/// <summary>
/// One event of a run, in the shape it goes on the wire: the server-sent event's name
/// (<c>metadata</c>, <c>values</c>, <c>updates</c>, <c>messages</c>, <c>messages/partial</c>,
/// <c>checkpoints</c>, <c>tasks</c>, <c>debug</c>, <c>custom</c>, <c>error</c>…), its JSON data, and its
/// sequence number in the run (0, 1, 2…), which is the SSE <c>id</c> a client resumes from.
/// </summary>
public sealed record RunEvent(long Sequence, string Event, JsonElement Data)
{
    public const string Metadata = "metadata";
    public const string Values = "values";
    public const string Updates = "updates";
    public const string Messages = "messages";
    public const string MessagesMetadata = "messages/metadata";
    public const string MessagesPartial = "messages/partial";
    public const string MessagesComplete = "messages/complete";
    public const string Checkpoints = "checkpoints";
    public const string Tasks = "tasks";
    public const string Debug = "debug";
    public const string Custom = "custom";
    public const string Error = "error";
}

/// <summary>
/// The persisted events of runs that are background or resumable: written in segments (many events
/// to a row), readable from any sequence number, and followed while the run goes on. An event of any
/// size up to the log's limit (megabytes: a <c>values</c> event carries the thread's whole state) is
/// stored, read and followed whole: no reader ever sees part of one.
/// </summary>
public interface IRunEventLog
{
    /// <summary>A writer for one run's events. Events are buffered and written in segments; dispose or complete it to flush.</summary>
    IRunEventWriter OpenWriter(string runId);

    /// <summary>The persisted events of a run with a sequence number above <paramref name="afterSequence"/>, in order; lazy.</summary>
    AsyncPageable<RunEvent> ReadAsync(string runId, long afterSequence = -1, CancellationToken cancellationToken = default);

    /// <summary>
    /// The events after <paramref name="afterSequence"/>: those persisted, then new ones as they are
    /// written, until the writer completes the run's log (or the caller cancels: the pending
    /// <c>MoveNextAsync</c> then throws <see cref="OperationCanceledException"/>). A log that is never
    /// completed is followed until the caller cancels.
    /// </summary>
    IAsyncEnumerable<RunEvent> FollowAsync(string runId, long afterSequence = -1, CancellationToken cancellationToken = default);

    /// <summary>Deletes a run's events.</summary>
    Task DeleteAsync(string runId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Where a run's log ends: the sequence number its next event takes (0 when it has none) and whether it was
    /// completed. A run taken over by another executor (a redelivered background run) appends its events there.
    /// </summary>
    Task<RunEventLogEnd> GetEndAsync(string runId, CancellationToken cancellationToken = default);
}

/// <summary>Where a run's event log ends.</summary>
/// <param name="NextSequence">The sequence number of the next event: one after the last event written, 0 for an empty log.</param>
/// <param name="IsCompleted">Whether the log was completed: nothing more can be appended.</param>
public sealed record RunEventLogEnd(long NextSequence, bool IsCompleted);

/// <summary>
/// Appends one run's events to the log. Disposing it writes what is buffered but does not complete
/// the log. A buffered write that fails in the background is thrown by the next call to
/// <see cref="AppendAsync"/>, <see cref="FlushAsync"/> or <see cref="CompleteAsync"/> (an append that throws
/// it has not buffered its event); what those reported as written is never lost, and what failed is
/// kept and written by the next flush.
/// </summary>
public interface IRunEventWriter : IAsyncDisposable
{
    /// <summary>
    /// Buffers an event; it is written with its segment, by size or after a short time. The first
    /// event sets where the writer starts (0 for a new run, or the next sequence number to continue a
    /// log); every later one must be the previous one's sequence + 1, or it is refused
    /// (<see cref="ArgumentOutOfRangeException"/>) and not buffered. An event larger than the log's limit is
    /// refused (<see cref="ArgumentException"/>) and not buffered.
    /// </summary>
    ValueTask AppendAsync(RunEvent runEvent, CancellationToken cancellationToken = default);

    /// <summary>Writes what is buffered now; returns when it is stored.</summary>
    Task FlushAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes what is buffered and marks the log complete (the mark goes in one transaction with the last events):
    /// followers stop after the last event. Nothing can be appended afterwards; completing again does nothing.
    /// </summary>
    Task CompleteAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// The events after <paramref name="afterSequence"/> of the next row this writer has stored, read by its key (no
    /// query): what an in-process consumer that fell behind reads while the writer writes. Empty when the writer has
    /// stored nothing after <paramref name="afterSequence"/> yet; null when it does not know the row that holds the
    /// next event (written before it, by another writer, or no longer indexed), and the caller reads the log instead.
    /// It may be called after the writer is disposed; the default knows no rows.
    /// </summary>
    ValueTask<IReadOnlyList<RunEvent>?> ReadWrittenAsync(long afterSequence, CancellationToken cancellationToken = default)
        => ValueTask.FromResult<IReadOnlyList<RunEvent>?>(null);
}
