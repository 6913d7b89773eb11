using System.Text.Json;
using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.Runtime;
using AgentFunctions.Core.Threads;

namespace AgentFunctions.Http.Threads;

/// <summary>
/// A thread as LangGraph returns it: <c>{thread_id, created_at, updated_at, metadata, status, config,
/// values?, interrupts}</c>. <c>values</c> is the latest checkpoint's state and is left out while the
/// thread has none; <c>interrupts</c> maps each pending task of that checkpoint to its interrupts.
/// </summary>
internal static class ThreadJson
{
    public const string Values = "values";

    /// <summary>Every field a thread has, in the order they are written (what <c>select</c> may name).</summary>
    public static IReadOnlyList<string> Fields { get; } = ["thread_id", "created_at", "updated_at", "metadata", "status", "config", Values, "interrupts"];

    /// <summary>A thread with its latest checkpoint (null when it has none).</summary>
    public static JsonElement Build(AgentThread thread, Checkpoint? latest)
        => WireJson.Build(w => Write(w, thread, latest, select: null));

    /// <summary>Writes the thread; with <paramref name="select"/>, only those fields.</summary>
    public static void Write(Utf8JsonWriter writer, AgentThread thread, Checkpoint? latest, IReadOnlySet<string>? select)
    {
        writer.WriteStartObject();
        if (Wants(select, "thread_id"))
        {
            writer.WriteString("thread_id", thread.ThreadId);
        }

        if (Wants(select, "created_at"))
        {
            writer.WriteString("created_at", thread.CreatedAt);
        }

        if (Wants(select, "updated_at"))
        {
            writer.WriteString("updated_at", thread.UpdatedAt);
        }

        if (Wants(select, "metadata"))
        {
            writer.WritePropertyName("metadata");
            thread.Metadata.WriteTo(writer);
        }

        if (Wants(select, "status"))
        {
            writer.WriteString("status", thread.Status.ToWireName());
        }

        if (Wants(select, "config"))
        {
            writer.WritePropertyName("config");
            thread.Config.WriteTo(writer);
        }

        if (Wants(select, Values) && latest is not null)
        {
            writer.WritePropertyName(Values);
            latest.Values.WriteTo(writer);
        }

        if (Wants(select, "interrupts"))
        {
            writer.WritePropertyName("interrupts");
            WriteInterrupts(writer, latest);
        }

        writer.WriteEndObject();
    }

    /// <summary>The state values of a checkpoint as JSON (for the <c>values</c> filter of a search).</summary>
    public static JsonElement ValuesOf(Checkpoint? checkpoint)
        => checkpoint is null ? Core.Stores.JsonObjects.Empty : WireJson.Build(checkpoint.Values.WriteTo);

    /// <summary>Whether <paramref name="select"/> (null: everything) asks for <paramref name="field"/>.</summary>
    public static bool Wants(IReadOnlySet<string>? select, string field) => select is null || select.Contains(field);

    private static void WriteInterrupts(Utf8JsonWriter writer, Checkpoint? latest)
    {
        writer.WriteStartObject();
        if (latest is { Tasks.ValueKind: JsonValueKind.Array })
        {
            foreach (var task in latest.Tasks.EnumerateArray())
            {
                if (task.ValueKind == JsonValueKind.Object
                    && task.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String
                    && task.TryGetProperty("interrupts", out var interrupts) && interrupts.ValueKind == JsonValueKind.Array
                    && interrupts.GetArrayLength() > 0)
                {
                    writer.WritePropertyName(id.GetString()!);
                    interrupts.WriteTo(writer);
                }
            }
        }

        writer.WriteEndObject();
    }
}
