using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.Messages;

namespace AgentFunctions.Core.Runtime;

/// <summary>
/// The JSON shapes LangGraph clients read, built once here for the runtime's events and the HTTP API:
/// checkpoint configs, state snapshots (<c>{values, next, tasks, metadata, created_at, checkpoint,
/// parent_checkpoint}</c>) and checkpoint metadata with its <c>writes</c>.
/// </summary>
public static class WireJson
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Builds a JSON value with a writer.</summary>
    public static JsonElement Build(Action<Utf8JsonWriter> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            write(writer);
        }

        return JsonElement.Parse(buffer.WrittenSpan);
    }

    /// <summary><c>{thread_id, checkpoint_ns, checkpoint_id, checkpoint_map}</c>, as a state snapshot's <c>checkpoint</c>.</summary>
    public static void WriteCheckpointReference(Utf8JsonWriter writer, string threadId, string checkpointId)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteString("thread_id", threadId);
        writer.WriteString("checkpoint_ns", string.Empty);
        writer.WriteString("checkpoint_id", checkpointId);
        writer.WriteStartObject("checkpoint_map");
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary><c>{configurable: {thread_id, checkpoint_ns, checkpoint_id}}</c>, as a checkpoint's <c>config</c>.</summary>
    public static void WriteConfig(Utf8JsonWriter writer, string threadId, string? checkpointId)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (checkpointId is null)
        {
            writer.WriteNullValue();
            return;
        }

        writer.WriteStartObject();
        writer.WriteStartObject("configurable");
        writer.WriteString("thread_id", threadId);
        writer.WriteString("checkpoint_ns", string.Empty);
        writer.WriteString("checkpoint_id", checkpointId);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>The checkpoint's metadata object with <c>writes</c> set (null when nothing was written).</summary>
    public static void WriteMetadata(Utf8JsonWriter writer, CheckpointSummary checkpoint)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(checkpoint);
        writer.WriteStartObject();
        foreach (var property in checkpoint.Metadata.EnumerateObject())
        {
            if (!property.NameEquals("writes"))
            {
                property.WriteTo(writer);
            }
        }

        writer.WritePropertyName("writes");
        if (checkpoint.Writes is { } writes)
        {
            writes.WriteTo(writer);
        }
        else
        {
            writer.WriteNullValue();
        }

        writer.WriteEndObject();
    }

    /// <summary>A thread state or history item, as LangGraph's <c>GET /threads/{id}/state</c> returns it.</summary>
    public static void WriteStateSnapshot(Utf8JsonWriter writer, Checkpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(checkpoint);
        writer.WriteStartObject();
        writer.WritePropertyName("values");
        checkpoint.Values.WriteTo(writer);
        WriteNext(writer, checkpoint.Next);
        writer.WritePropertyName("tasks");
        checkpoint.Tasks.WriteTo(writer);
        writer.WritePropertyName("metadata");
        WriteMetadata(writer, checkpoint);
        writer.WriteString("created_at", checkpoint.CreatedAt);
        writer.WritePropertyName("checkpoint");
        WriteCheckpointReference(writer, checkpoint.ThreadId, checkpoint.CheckpointId);
        writer.WritePropertyName("parent_checkpoint");
        if (checkpoint.ParentCheckpointId is { } parent)
        {
            WriteCheckpointReference(writer, checkpoint.ThreadId, parent);
        }
        else
        {
            writer.WriteNullValue();
        }

        writer.WritePropertyName("interrupts");
        ToolApprovals.WriteAllInterrupts(writer, checkpoint.Tasks);
        writer.WriteEndObject();
    }

    /// <summary>A checkpoint as the <c>checkpoints</c> stream mode and <c>debug</c> checkpoint events carry it.</summary>
    public static void WriteCheckpointEvent(Utf8JsonWriter writer, Checkpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(checkpoint);
        writer.WriteStartObject();
        writer.WritePropertyName("config");
        WriteConfig(writer, checkpoint.ThreadId, checkpoint.CheckpointId);
        writer.WritePropertyName("parent_config");
        WriteConfig(writer, checkpoint.ThreadId, checkpoint.ParentCheckpointId);
        writer.WritePropertyName("values");
        checkpoint.Values.WriteTo(writer);
        writer.WritePropertyName("metadata");
        WriteMetadata(writer, checkpoint);
        WriteNext(writer, checkpoint.Next);
        writer.WritePropertyName("tasks");
        checkpoint.Tasks.WriteTo(writer);
        writer.WriteEndObject();
    }

    /// <summary>A checkpoint's pending tasks: one for each node that runs next, as LangGraph lists them in <c>tasks</c>.</summary>
    /// <remarks>The <c>tools</c> task carries <paramref name="interrupts"/> when calls wait for approval.</remarks>
    public static JsonElement PendingTasks(IReadOnlyList<string> next, JsonElement? interrupts = null) => Build(w =>
    {
        ArgumentNullException.ThrowIfNull(next);
        w.WriteStartArray();
        foreach (var node in next)
        {
            w.WriteStartObject();
            w.WriteString("id", Guid.NewGuid().ToString("D"));
            w.WriteString("name", node);
            w.WriteStartArray("path");
            w.WriteStringValue("__pregel_pull");
            w.WriteStringValue(node);
            w.WriteEndArray();
            w.WriteNull("error");
            if (interrupts is { } pending && node == AgentGraph.ToolsNode)
            {
                w.WritePropertyName("interrupts");
                pending.WriteTo(w);
            }
            else
            {
                w.WriteStartArray("interrupts");
                w.WriteEndArray();
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
    });

    /// <summary>A message as LangChain serializes it.</summary>
    public static JsonElement Message(Message message) => Build(w => MessageJson.Write(w, message));

    private static void WriteNext(Utf8JsonWriter writer, IReadOnlyList<string> next)
    {
        writer.WriteStartArray("next");
        foreach (var node in next)
        {
            writer.WriteStringValue(node);
        }

        writer.WriteEndArray();
    }
}
