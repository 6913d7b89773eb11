using System.Text.Json;
using AgentFunctions.Core.Runtime;
using AgentFunctions.Core.Stores;

namespace AgentFunctions.Http.Assistants;

/// <summary>
/// What LangGraph Studio reads about the <c>agent</c> graph: its drawable form (<c>GET
/// /assistants/{id}/graph</c>: the model node and the tools node in a loop) and its schemas (<c>GET
/// /assistants/{id}/schemas</c>: a messages state, and the configurable model, system prompt and tools).
/// </summary>
internal static class AgentGraphDescription
{
    private const string End = "__end__";

    private static readonly JsonElement StateSchema = JsonObjects.Parse("""
        {
          "title": "AgentState",
          "type": "object",
          "properties": {
            "messages": {
              "title": "Messages",
              "type": "array",
              "items": {
                "type": "object",
                "properties": {
                  "type": { "type": "string", "enum": ["human", "ai", "tool", "system"] },
                  "content": { "anyOf": [{ "type": "string" }, { "type": "array", "items": { "type": "object" } }] },
                  "id": { "type": "string" },
                  "name": { "type": "string" },
                  "tool_calls": { "type": "array", "items": { "type": "object" } },
                  "tool_call_id": { "type": "string" }
                },
                "required": ["type", "content"]
              }
            }
          },
          "required": ["messages"]
        }
        """);

    /// <summary><c>{nodes, edges}</c>, as LangChain's <c>Graph.to_json()</c> draws a graph.</summary>
    public static JsonElement Graph() => WireJson.Build(w =>
    {
        w.WriteStartObject();
        w.WriteStartArray("nodes");
        WriteSchemaNode(w, AgentGraph.StartNode);
        WriteRunnableNode(w, AgentGraph.AgentNode);
        WriteRunnableNode(w, AgentGraph.ToolsNode);
        WriteSchemaNode(w, End);
        w.WriteEndArray();
        w.WriteStartArray("edges");
        WriteEdge(w, AgentGraph.StartNode, AgentGraph.AgentNode, conditional: false);
        WriteEdge(w, AgentGraph.AgentNode, AgentGraph.ToolsNode, conditional: true);
        WriteEdge(w, AgentGraph.AgentNode, End, conditional: true);
        WriteEdge(w, AgentGraph.ToolsNode, AgentGraph.AgentNode, conditional: false);
        w.WriteEndArray();
        w.WriteEndObject();
    });

    /// <summary><c>{graph_id, input_schema, output_schema, state_schema, config_schema, context_schema}</c> (JSON Schemas).</summary>
    public static JsonElement Schemas(string graphId, IReadOnlyList<string> toolNames, IReadOnlyList<string> modelNames) => WireJson.Build(w =>
    {
        w.WriteStartObject();
        w.WriteString("graph_id", graphId);
        w.WritePropertyName("input_schema");
        StateSchema.WriteTo(w);
        w.WritePropertyName("output_schema");
        StateSchema.WriteTo(w);
        w.WritePropertyName("state_schema");
        StateSchema.WriteTo(w);
        w.WritePropertyName("config_schema");
        WriteConfigSchema(w, toolNames, modelNames);
        w.WriteNull("context_schema");
        w.WriteEndObject();
    });

    private static void WriteConfigSchema(Utf8JsonWriter w, IReadOnlyList<string> toolNames, IReadOnlyList<string> modelNames)
    {
        w.WriteStartObject();
        w.WriteString("title", "Configurable");
        w.WriteString("type", "object");
        w.WriteStartObject("properties");
        w.WriteStartObject("model");
        w.WriteString("title", "Model");
        w.WriteString("type", "string");
        w.WriteString("description", "The model to call, by name; the graph's model when left out.");
        w.WriteStartArray("enum");
        foreach (var name in modelNames)
        {
            w.WriteStringValue(name);
        }

        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteStartObject("system_prompt");
        w.WriteString("title", "System Prompt");
        w.WriteString("type", "string");
        w.WriteEndObject();
        w.WriteStartObject("tools");
        w.WriteString("title", "Tools");
        w.WriteString("description", "The tools to enable, by name, among the graph's; all of them when left out.");
        w.WriteString("type", "array");
        w.WriteStartObject("items");
        w.WriteString("type", "string");
        w.WriteStartArray("enum");
        foreach (var name in toolNames)
        {
            w.WriteStringValue(name);
        }

        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteSchemaNode(Utf8JsonWriter w, string id)
    {
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("type", "schema");
        w.WriteString("data", id);
        w.WriteEndObject();
    }

    private static void WriteRunnableNode(Utf8JsonWriter w, string id)
    {
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("type", "runnable");
        w.WriteStartObject("data");
        w.WriteStartArray("id");
        w.WriteStringValue("agentfunctions");
        w.WriteStringValue("AgentGraph");
        w.WriteEndArray();
        w.WriteString("name", id);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteEdge(Utf8JsonWriter w, string source, string target, bool conditional)
    {
        w.WriteStartObject();
        w.WriteString("source", source);
        w.WriteString("target", target);
        if (conditional)
        {
            w.WriteBoolean("conditional", true);
        }

        w.WriteEndObject();
    }
}
