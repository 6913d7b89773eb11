using System.Text.Json;
using AgentFunctions.Core.Runtime;

namespace AgentFunctions.Http.Threads;

/// <summary>
/// How LangGraph's PATCH routes change metadata (PostgreSQL's <c>jsonb ||</c>): a shallow merge in which
/// every top-level key of the patch replaces or adds that key, a null value included, and every other
/// key is kept.
/// </summary>
internal static class MetadataPatch
{
    public static JsonElement Merge(JsonElement current, JsonElement patch)
        => WireJson.Build(w =>
        {
            w.WriteStartObject();
            foreach (var property in current.EnumerateObject())
            {
                if (patch.TryGetProperty(property.Name, out var replaced))
                {
                    w.WritePropertyName(property.Name);
                    replaced.WriteTo(w);
                }
                else
                {
                    property.WriteTo(w);
                }
            }

            foreach (var property in patch.EnumerateObject())
            {
                if (!current.TryGetProperty(property.Name, out _))
                {
                    property.WriteTo(w);
                }
            }

            w.WriteEndObject();
        });
}
