using System.Text.Json;
using AgentFunctions.Core.State;

namespace AgentFunctions.Core.Checkpoints;

/// <summary>Why a checkpoint was written, as LangGraph reports it in <c>metadata.source</c>.</summary>
public enum CheckpointSource
{
    /// <summary>A run's input, before any node ran (step -1).</summary>
    Input,

    /// <summary>A node of the graph finished.</summary>
    Loop,

    /// <summary>A client updated the state (<c>POST /threads/{id}/state</c>).</summary>
    Update,

    /// <summary>A copy of another checkpoint, the start of a new branch.</summary>
    Fork,
}

/// <summary>A checkpoint to write: the step's delta and what describes it. The store assigns id, sequence and time.</summary>
public sealed record CheckpointWrite
{
    public required string OwnerId { get; init; }

    public required string ThreadId { get; init; }

    /// <summary>The checkpoint this one follows; null for a thread's first checkpoint.</summary>
    public string? ParentCheckpointId { get; init; }

    /// <summary>
    /// False (the default): the parent must be the thread's latest checkpoint, else the write is a
    /// conflict — a run never silently branches off. True: the parent may be any checkpoint (or none,
    /// for a new root), and the new checkpoint starts a branch that becomes the latest.
    /// </summary>
    public bool Fork { get; init; }

    public int Step { get; init; }

    public CheckpointSource Source { get; init; }

    /// <summary>The checkpoint's metadata object (source, step, parents, run metadata…), stored as given.</summary>
    public JsonElement Metadata { get; init; } = CheckpointJson.EmptyObject;

    /// <summary>What the step wrote, by node (<c>metadata.writes</c>); null when nothing.</summary>
    public JsonElement? Writes { get; init; }

    /// <summary>What changed in this step.</summary>
    public StateUpdate Delta { get; init; } = StateUpdate.Empty;

    /// <summary>The nodes that run next; empty when the run is done.</summary>
    public IReadOnlyList<string> Next { get; init; } = [];

    /// <summary>Pending tasks and their interrupts, in LangGraph's shape (a JSON array).</summary>
    public JsonElement Tasks { get; init; } = CheckpointJson.EmptyArray;
}

/// <summary>A checkpoint without its state values: what history listings and filters need.</summary>
public record CheckpointSummary
{
    public required string ThreadId { get; init; }

    public required string CheckpointId { get; init; }

    public string? ParentCheckpointId { get; init; }

    /// <summary>The checkpoint's position in its thread: 1, 2, 3… in the order they were written.</summary>
    public long Sequence { get; init; }

    public int Step { get; init; }

    public CheckpointSource Source { get; init; }

    public JsonElement Metadata { get; init; } = CheckpointJson.EmptyObject;

    /// <summary>
    /// <c>metadata.writes</c>. In a <see cref="Checkpoint"/> it is always filled in; in a summary it is
    /// null when it is exactly <c>{WritesNode: delta}</c>, which is stored once, as the delta.
    /// </summary>
    public JsonElement? Writes { get; init; }

    /// <summary>The node whose output is this checkpoint's delta, when <see cref="Writes"/> is <c>{node: delta}</c>.</summary>
    public string? WritesNode { get; init; }

    public IReadOnlyList<string> Next { get; init; } = [];

    public JsonElement Tasks { get; init; } = CheckpointJson.EmptyArray;

    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>A checkpoint with the thread's values at that point.</summary>
public sealed record Checkpoint : CheckpointSummary
{
    public required AgentState Values { get; init; }
}

/// <summary>The thread or the checkpoint named does not exist.</summary>
public sealed class CheckpointNotFoundException : Exception
{
    public CheckpointNotFoundException()
    {
    }

    public CheckpointNotFoundException(string message)
        : base(message)
    {
    }

    public CheckpointNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>One step wrote more than a checkpoint may hold (HTTP 413). Nothing was stored.</summary>
public sealed class CheckpointTooLargeException : Exception
{
    public CheckpointTooLargeException()
    {
    }

    public CheckpointTooLargeException(string message)
        : base(message)
    {
    }

    public CheckpointTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public CheckpointTooLargeException(long bytes, long limit)
        : base($"A step wrote {bytes:N0} bytes; a checkpoint holds at most {limit:N0} bytes.")
    {
        Bytes = bytes;
        Limit = limit;
    }

    public long Bytes { get; }

    public long Limit { get; }
}

internal static class CheckpointJson
{
    public static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();
    public static readonly JsonElement EmptyArray = JsonDocument.Parse("[]").RootElement.Clone();
}
