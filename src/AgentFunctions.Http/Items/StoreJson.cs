using System.Text.Json;
using AgentFunctions.Core.Items;
using AgentFunctions.Core.Runtime;

namespace AgentFunctions.Http.Items;

/// <summary>Store items as LangGraph returns them: <c>{namespace, key, value, created_at, updated_at}</c>, in a search also <c>score</c> (null: no semantic search).</summary>
internal static class StoreJson
{
    public static JsonElement Item(StoreItem item, bool withScore) => WireJson.Build(w => Write(w, item, withScore));

    public static JsonElement Items(IEnumerable<StoreItem> items) => WireJson.Build(w =>
    {
        w.WriteStartObject();
        w.WriteStartArray("items");
        foreach (var item in items)
        {
            Write(w, item, withScore: true);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    });

    public static JsonElement Namespaces(IEnumerable<IReadOnlyList<string>> namespaces) => WireJson.Build(w =>
    {
        w.WriteStartObject();
        w.WriteStartArray("namespaces");
        foreach (var ns in namespaces)
        {
            WriteLabels(w, ns);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    });

    private static void Write(Utf8JsonWriter writer, StoreItem item, bool withScore)
    {
        writer.WriteStartObject();
        writer.WritePropertyName("namespace");
        WriteLabels(writer, item.Namespace);
        writer.WriteString("key", item.Key);
        writer.WritePropertyName("value");
        item.Value.WriteTo(writer);
        writer.WriteString("created_at", item.CreatedAt);
        writer.WriteString("updated_at", item.UpdatedAt);
        if (withScore)
        {
            writer.WriteNull("score");
        }

        writer.WriteEndObject();
    }

    private static void WriteLabels(Utf8JsonWriter writer, IReadOnlyList<string> labels)
    {
        writer.WriteStartArray();
        foreach (var label in labels)
        {
            writer.WriteStringValue(label);
        }

        writer.WriteEndArray();
    }
}
