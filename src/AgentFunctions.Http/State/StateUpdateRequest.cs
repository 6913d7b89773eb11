using System.Text.Json;
using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.Messages;
using AgentFunctions.Core.Runtime;
using AgentFunctions.Core.State;
using AgentFunctions.Http.Json;

namespace AgentFunctions.Http.State;

/// <summary>
/// <c>POST /threads/{id}/state</c>: <c>{values, as_node?, checkpoint_id?, checkpoint?}</c>. As on LangGraph
/// Platform, <c>checkpoint</c> (when it names a checkpoint) wins over <c>checkpoint_id</c>; neither means
/// the thread's latest checkpoint.
/// </summary>
internal sealed record StateUpdateRequest(StateUpdate Values, string? AsNode, string? CheckpointId)
{
    /// <summary>The nodes a client may update the state as: the graph's two nodes and its start.</summary>
    public static readonly IReadOnlyList<string> Nodes = [AgentGraph.AgentNode, AgentGraph.ToolsNode, AgentGraph.StartNode];

    /// <exception cref="Problems.ApiProblemException">A member has the wrong type or value (422 with its path).</exception>
    /// <exception cref="MessageValidationException">A message of <c>values</c> is invalid (422 with its path).</exception>
    public static StateUpdateRequest Parse(JsonElement body)
    {
        var values = body.Optional("values") is { } given
            ? given.ValueKind == JsonValueKind.Object
                ? StateUpdate.ParseInput(given, "$.values")
                : throw RequestJson.Invalid("$.values", "must be an object of channel values")
            : StateUpdate.Empty;

        var asNode = body.OptionalString("as_node", "$");
        if (asNode is not null && !Nodes.Contains(asNode))
        {
            throw RequestJson.Invalid("$.as_node", $"'{asNode}' is not a node of the graph ({string.Join(", ", Nodes)})");
        }

        var checkpointId = body.OptionalString("checkpoint_id", "$");
        if (body.OptionalCheckpointConfig("checkpoint", "$") is { } checkpoint && checkpoint.OptionalString("checkpoint_id", "$.checkpoint") is { } id)
        {
            checkpointId = id;
        }

        return new StateUpdateRequest(values, asNode, checkpointId);
    }
}

/// <summary>The edges of the agent graph: which nodes run after a node wrote the state.</summary>
internal static class GraphEdges
{
    /// <summary>The nodes that run after <paramref name="node"/> wrote <paramref name="state"/> (see <see cref="AgentGraph.NextAfter"/>).</summary>
    public static IReadOnlyList<string> NextAfter(string node, AgentState state) => AgentGraph.NextAfter(node, state);

    /// <summary>
    /// The node an update is attributed to when the client names none, as LangGraph picks the last node
    /// that wrote the state: the node the base checkpoint's <c>writes</c> name; else <c>__start__</c> when
    /// the base waits for <c>agent</c> (its input was just applied); else, and on a thread without
    /// checkpoints, <c>agent</c>.
    /// </summary>
    public static string LastWriter(Checkpoint? checkpoint)
    {
        if (checkpoint is null)
        {
            return AgentGraph.AgentNode;
        }

        if (checkpoint.Writes is { ValueKind: JsonValueKind.Object } writes)
        {
            using var members = writes.EnumerateObject();
            if (members.MoveNext() && members.Current.Name is var name && !members.MoveNext() && StateUpdateRequest.Nodes.Contains(name))
            {
                return name;
            }
        }

        return checkpoint.Next is [AgentGraph.AgentNode] ? AgentGraph.StartNode : AgentGraph.AgentNode;
    }
}
