using System.Text.Json;
using AgentFunctions.Core.Assistants;
using AgentFunctions.Core.State;
using AgentFunctions.Core.Stores;

namespace AgentFunctions.Core.Runtime;

/// <summary>The stream modes of LangGraph Platform: which events a run's stream carries.</summary>
public enum StreamMode
{
    Values,
    Updates,
    MessagesTuple,
    Messages,
    Checkpoints,
    Tasks,
    Debug,
    Custom,
}

/// <summary>Wire names of <see cref="StreamMode"/>.</summary>
public static class StreamModes
{
    public static string ToWireName(this StreamMode mode) => mode switch
    {
        StreamMode.Values => "values",
        StreamMode.Updates => "updates",
        StreamMode.MessagesTuple => "messages-tuple",
        StreamMode.Messages => "messages",
        StreamMode.Checkpoints => "checkpoints",
        StreamMode.Tasks => "tasks",
        StreamMode.Debug => "debug",
        StreamMode.Custom => "custom",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown stream mode."),
    };

    public static bool TryParse(string? name, out StreamMode mode)
    {
        mode = name switch
        {
            "values" => StreamMode.Values,
            "updates" => StreamMode.Updates,
            "messages-tuple" => StreamMode.MessagesTuple,
            "messages" => StreamMode.Messages,
            "checkpoints" => StreamMode.Checkpoints,
            "tasks" => StreamMode.Tasks,
            "debug" => StreamMode.Debug,
            "custom" => StreamMode.Custom,
            _ => (StreamMode)(-1),
        };
        return (int)mode >= 0;
    }
}

/// <summary>Everything one execution of a run needs: where, what, with which settings, and what to stream.</summary>
public sealed record RunRequest
{
    public required string OwnerId { get; init; }

    public required string ThreadId { get; init; }

    public required string RunId { get; init; }

    public required string AssistantId { get; init; }

    public string GraphId { get; init; } = AgentGraph.GraphId;

    /// <summary>The input to apply before the graph runs; null to continue from the thread's state (a resume).</summary>
    public StateUpdate? Input { get; init; }

    /// <summary><c>command.resume</c>: the decisions for the tool calls waiting for approval; null when the run resumes none.</summary>
    public JsonElement? Resume { get; init; }

    /// <summary><c>command.goto</c>: continue at this node instead of the pending one (no input); null to continue where the thread stopped.</summary>
    public string? Goto { get; init; }

    /// <summary>The sequence number of the run's first event: 0, or where its event log ends for a run taken over.</summary>
    public long FirstEventSequence { get; init; }

    /// <summary>Start from this checkpoint instead of the latest (time travel: the run forks from it).</summary>
    public string? CheckpointId { get; init; }

    /// <summary>
    /// The thread's latest checkpoint as the executor reads it (a rollback returns to it), while the run's first event
    /// goes out: the graph starts from it instead of reading it again. Null: the graph reads it (or
    /// <see cref="CheckpointId"/>'s) itself.
    /// </summary>
    public Task<Checkpoints.Checkpoint?>? LatestCheckpoint { get; init; }

    public AssistantSettings Settings { get; init; } = AssistantSettings.Default;

    public IReadOnlySet<StreamMode> StreamModes { get; init; } = new HashSet<StreamMode> { StreamMode.Values };

    /// <summary>Pause before these nodes run (<c>"*"</c> for every node).</summary>
    public IReadOnlyList<string> InterruptBefore { get; init; } = [];

    /// <summary>Pause after these nodes ran (<c>"*"</c> for every node).</summary>
    public IReadOnlyList<string> InterruptAfter { get; init; } = [];

    /// <summary>The run's metadata: copied into every checkpoint's metadata and every message event's metadata.</summary>
    public JsonElement Metadata { get; init; } = JsonObjects.Empty;

    public int Attempt { get; init; } = 1;
}

/// <summary>How a run ended: its status, a message for clients when it failed, its last checkpoint, and (for logs only) the exception.</summary>
public sealed record RunOutcome(Runs.RunStatus Status, string? Error = null, string? LastCheckpointId = null)
{
    /// <summary>What went wrong, for the log; never sent to a client.</summary>
    public Exception? Exception { get; init; }
}
