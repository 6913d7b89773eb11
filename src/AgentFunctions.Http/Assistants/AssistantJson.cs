using System.Text.Json;
using AgentFunctions.Core.Assistants;
using AgentFunctions.Core.Runtime;

namespace AgentFunctions.Http.Assistants;

/// <summary>
/// An assistant as LangGraph returns it: <c>{assistant_id, graph_id, config, context, metadata, name,
/// description, version, created_at, updated_at}</c>.
/// </summary>
internal static class AssistantJson
{
    /// <summary>Every field an assistant has, in the order they are written (what <c>select</c> may name).</summary>
    public static IReadOnlyList<string> Fields { get; } =
        ["assistant_id", "graph_id", "config", "context", "metadata", "name", "description", "version", "created_at", "updated_at"];

    public static JsonElement Build(Assistant assistant) => WireJson.Build(w => Write(w, assistant, select: null));

    /// <summary>Writes the assistant; with <paramref name="select"/>, only those fields.</summary>
    public static void Write(Utf8JsonWriter writer, Assistant assistant, IReadOnlySet<string>? select)
    {
        writer.WriteStartObject();
        if (Wants(select, "assistant_id"))
        {
            writer.WriteString("assistant_id", assistant.AssistantId);
        }

        if (Wants(select, "graph_id"))
        {
            writer.WriteString("graph_id", assistant.GraphId);
        }

        if (Wants(select, "config"))
        {
            writer.WritePropertyName("config");
            assistant.Config.WriteTo(writer);
        }

        if (Wants(select, "context"))
        {
            writer.WritePropertyName("context");
            assistant.Context.WriteTo(writer);
        }

        if (Wants(select, "metadata"))
        {
            writer.WritePropertyName("metadata");
            assistant.Metadata.WriteTo(writer);
        }

        if (Wants(select, "name"))
        {
            writer.WriteString("name", assistant.Name);
        }

        if (Wants(select, "description"))
        {
            writer.WriteString("description", assistant.Description);
        }

        if (Wants(select, "version"))
        {
            writer.WriteNumber("version", assistant.Version);
        }

        if (Wants(select, "created_at"))
        {
            writer.WriteString("created_at", assistant.CreatedAt);
        }

        if (Wants(select, "updated_at"))
        {
            writer.WriteString("updated_at", assistant.UpdatedAt);
        }

        writer.WriteEndObject();
    }

    private static bool Wants(IReadOnlySet<string>? select, string field) => select is null || select.Contains(field);
}
