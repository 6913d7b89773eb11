using System.Text.Json;
using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.Messages;
using AgentFunctions.Core.RunEvents;
using AgentFunctions.Core.State;

namespace AgentFunctions.Core.Runtime;

/// <summary>
/// Turns what happens in a run into the events of the stream modes the run asked for, numbered in
/// order: <c>metadata</c> first, then <c>values</c>, <c>updates</c>, <c>messages</c> (the
/// messages-tuple mode: <c>[chunk, metadata]</c>), <c>messages/metadata</c>, <c>messages/partial</c>,
/// <c>messages/complete</c>, <c>checkpoints</c>, <c>tasks</c>, <c>debug</c> and <c>error</c>, in the
/// shapes LangGraph Platform sends.
/// </summary>
internal sealed class EventBuilder(RunRequest request)
{
    private readonly HashSet<string> _announced = new(StringComparer.Ordinal);
    private long _sequence = request.FirstEventSequence;

    public RunEvent Metadata() => Next(RunEvent.Metadata, WireJson.Build(w =>
    {
        w.WriteStartObject();
        w.WriteString("run_id", request.RunId);
        w.WriteNumber("attempt", request.Attempt);
        w.WriteEndObject();
    }));

    public IEnumerable<RunEvent> Values(AgentState state)
    {
        if (Wants(StreamMode.Values))
        {
            yield return Next(RunEvent.Values, WireJson.Build(state.WriteTo));
        }
    }

    public IEnumerable<RunEvent> Updates(string node, StateUpdate delta)
    {
        if (Wants(StreamMode.Updates))
        {
            yield return Next(RunEvent.Updates, WireJson.Build(w =>
            {
                w.WriteStartObject();
                w.WritePropertyName(node);
                delta.WriteTo(w);
                w.WriteEndObject();
            }));
        }
    }

    /// <summary>
    /// The run stopped for approval: <c>{"__interrupt__": [...]}</c> as an <c>updates</c> event and as a <c>values</c> event,
    /// as LangGraph streams it (the SDK's <c>useStream</c> reads its <c>interrupt</c> from the values).
    /// </summary>
    public IEnumerable<RunEvent> Interrupt(JsonElement interrupts)
    {
        var payload = WireJson.Build(w =>
        {
            w.WriteStartObject();
            w.WritePropertyName(ToolApprovals.InterruptKey);
            interrupts.WriteTo(w);
            w.WriteEndObject();
        });
        if (Wants(StreamMode.Updates))
        {
            yield return Next(RunEvent.Updates, payload);
        }

        if (Wants(StreamMode.Values))
        {
            yield return Next(RunEvent.Values, payload);
        }
    }

    public RunEvent Error(string error, string message) => Next(RunEvent.Error, WireJson.Build(w =>
    {
        w.WriteStartObject();
        w.WriteString("error", error);
        w.WriteString("message", message);
        w.WriteEndObject();
    }));

    public IEnumerable<RunEvent> Checkpoint(Checkpoint checkpoint)
    {
        if (Wants(StreamMode.Checkpoints) || Wants(StreamMode.Debug))
        {
            var payload = WireJson.Build(w => WireJson.WriteCheckpointEvent(w, checkpoint));
            if (Wants(StreamMode.Checkpoints))
            {
                yield return Next(RunEvent.Checkpoints, payload);
            }

            if (Wants(StreamMode.Debug))
            {
                yield return Debug(checkpoint.Step, "checkpoint", payload);
            }
        }
    }

    public IEnumerable<RunEvent> TaskStarted(TaskInfo task, AgentState input)
    {
        if (!Wants(StreamMode.Tasks) && !Wants(StreamMode.Debug))
        {
            yield break;
        }

        var payload = WireJson.Build(w =>
        {
            w.WriteStartObject();
            w.WriteString("id", task.Id);
            w.WriteString("name", task.Node);
            w.WritePropertyName("input");
            input.WriteTo(w);
            w.WriteStartArray("triggers");
            w.WriteStringValue("branch:to:" + task.Node);
            w.WriteEndArray();
            w.WriteEndObject();
        });
        foreach (var e in TaskEvents(task, "task", payload))
        {
            yield return e;
        }
    }

    public IEnumerable<RunEvent> TaskFinished(TaskInfo task, StateUpdate delta)
    {
        if (!Wants(StreamMode.Tasks) && !Wants(StreamMode.Debug))
        {
            yield break;
        }

        var payload = WireJson.Build(w =>
        {
            w.WriteStartObject();
            w.WriteString("id", task.Id);
            w.WriteString("name", task.Node);
            w.WriteNull("error");
            w.WriteStartArray("result");
            if (delta.Messages is { } messages)
            {
                w.WriteStartArray();
                w.WriteStringValue(AgentState.MessagesKey);
                MessageJson.WriteList(w, messages);
                w.WriteEndArray();
            }

            foreach (var (name, value) in delta.Channels)
            {
                w.WriteStartArray();
                w.WriteStringValue(name);
                value.WriteTo(w);
                w.WriteEndArray();
            }

            w.WriteEndArray();
            w.WriteStartArray("interrupts");
            w.WriteEndArray();
            w.WriteEndObject();
        });
        foreach (var e in TaskEvents(task, "task_result", payload))
        {
            yield return e;
        }
    }

    /// <summary>A streamed piece of an ai message: the delta (messages-tuple mode) and the message so far (messages mode).</summary>
    public IEnumerable<RunEvent> MessageChunk(AIMessageChunk chunk, AIMessageChunkAccumulator accumulated, TaskInfo task, bool first)
    {
        if (Wants(StreamMode.MessagesTuple))
        {
            yield return Next(RunEvent.Messages, Tuple(chunk, task));
        }

        if (Wants(StreamMode.Messages))
        {
            if (first && accumulated.Id is { } id && _announced.Add(id))
            {
                yield return Next(RunEvent.MessagesMetadata, Announce(id, task));
            }

            yield return Next(RunEvent.MessagesPartial, WireJson.Build(w =>
            {
                w.WriteStartArray();
                MessageJson.Write(w, accumulated.ToMessage());
                w.WriteEndArray();
            }));
        }
    }

    /// <summary>A whole message: an ai message once its stream ended, or a tool message (also sent whole in messages-tuple mode).</summary>
    public IEnumerable<RunEvent> MessageComplete(Message message, TaskInfo task)
    {
        if (Wants(StreamMode.MessagesTuple) && message is ToolMessage)
        {
            yield return Next(RunEvent.Messages, Tuple(message, task));
        }

        if (Wants(StreamMode.Messages))
        {
            if (message.Id is { } id && _announced.Add(id))
            {
                yield return Next(RunEvent.MessagesMetadata, Announce(id, task));
            }

            yield return Next(RunEvent.MessagesComplete, WireJson.Build(w =>
            {
                w.WriteStartArray();
                MessageJson.Write(w, message);
                w.WriteEndArray();
            }));
        }
    }

    private IEnumerable<RunEvent> TaskEvents(TaskInfo task, string debugType, JsonElement payload)
    {
        if (Wants(StreamMode.Tasks))
        {
            yield return Next(RunEvent.Tasks, payload);
        }

        if (Wants(StreamMode.Debug))
        {
            yield return Debug(task.Step, debugType, payload);
        }
    }

    private RunEvent Debug(int step, string type, JsonElement payload) => Next(RunEvent.Debug, WireJson.Build(w =>
    {
        w.WriteStartObject();
        w.WriteNumber("step", step);
        w.WriteString("type", type);
        w.WriteString("timestamp", DateTimeOffset.UtcNow);
        w.WritePropertyName("payload");
        payload.WriteTo(w);
        w.WriteEndObject();
    }));

    private JsonElement Tuple(Message message, TaskInfo task) => WireJson.Build(w =>
    {
        w.WriteStartArray();
        MessageJson.Write(w, message);
        WriteMessageMetadata(w, task);
        w.WriteEndArray();
    });

    private JsonElement Announce(string messageId, TaskInfo task) => WireJson.Build(w =>
    {
        w.WriteStartObject();
        w.WriteStartObject(messageId);
        w.WritePropertyName("metadata");
        WriteMessageMetadata(w, task);
        w.WriteEndObject();
        w.WriteEndObject();
    });

    private void WriteMessageMetadata(Utf8JsonWriter w, TaskInfo task)
    {
        w.WriteStartObject();
        foreach (var property in request.Metadata.EnumerateObject())
        {
            property.WriteTo(w);
        }

        w.WriteString("run_id", request.RunId);
        w.WriteString("thread_id", request.ThreadId);
        w.WriteString("assistant_id", request.AssistantId);
        w.WriteString("graph_id", request.GraphId);
        w.WriteNumber("langgraph_step", task.Step);
        w.WriteString("langgraph_node", task.Node);
        w.WriteStartArray("langgraph_triggers");
        w.WriteStringValue("branch:to:" + task.Node);
        w.WriteEndArray();
        w.WriteStartArray("langgraph_path");
        w.WriteStringValue("__pregel_pull");
        w.WriteStringValue(task.Node);
        w.WriteEndArray();
        w.WriteString("langgraph_checkpoint_ns", $"{task.Node}:{task.Id}");
        w.WriteString("checkpoint_ns", $"{task.Node}:{task.Id}");
        w.WriteStartArray("tags");
        w.WriteEndArray();
        if (task.Node == AgentGraph.AgentNode && request.Settings.Model is { } model)
        {
            w.WriteString("ls_model_name", model);
        }

        w.WriteEndObject();
    }

    private bool Wants(StreamMode mode) => request.StreamModes.Contains(mode);

    private RunEvent Next(string name, JsonElement data) => new(_sequence++, name, data);
}
