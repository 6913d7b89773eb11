using System.Text.Json;
using AgentFunctions.Core.Assistants;
using AgentFunctions.Core.Graphs;
using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Runtime;
using AgentFunctions.Core.Stores;

namespace AgentFunctions.Http.Assistants;

/// <summary>
/// Finds the assistant a request names. Every graph the deployment serves has a default assistant, as on LangGraph
/// Platform: its id is a name-based UUID of the graph id, and the graph id itself (<c>agent</c>) is accepted wherever
/// an assistant id is. Other ids are the caller's own assistants.
/// </summary>
public sealed class AssistantLookup(IAssistantStore store, GraphRegistry graphs)
{
    /// <summary>The id of the built-in <c>agent</c> graph's default assistant.</summary>
    public static string DefaultAssistantId { get; } = GraphRegistry.DefaultAssistantId(AgentGraph.GraphId);

    /// <summary>The metadata LangGraph gives the assistants it creates itself: <c>{"created_by": "system"}</c>.</summary>
    public static JsonElement SystemMetadata { get; } = JsonObjects.Parse("""{"created_by":"system"}""");

    public GraphRegistry Graphs => graphs;

    /// <summary>Whether <paramref name="assistantId"/> names a graph's default assistant (by its id or the graph id).</summary>
    public bool IsDefault(string assistantId) => graphs.FindByDefaultAssistant(assistantId) is not null;

    /// <summary>The default assistant of <paramref name="graph"/>, as a caller sees it: its config is the graph's defaults.</summary>
    public static Assistant Default(string ownerId, IAgentGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return new Assistant
        {
            AssistantId = GraphRegistry.DefaultAssistantId(graph.Id),
            OwnerId = ownerId,
            GraphId = graph.Id,
            Name = graph.Id,
            Description = graph.Description,
            Config = DefaultConfig(graph.Defaults),
            Metadata = SystemMetadata,
            Version = 1,
            CreatedAt = DateTimeOffset.UnixEpoch,
            UpdatedAt = DateTimeOffset.UnixEpoch,
        };
    }

    /// <summary>Every served graph's default assistant, in the order the graphs were declared (<c>agent</c> first).</summary>
    public IEnumerable<Assistant> Defaults(string ownerId) => graphs.Graphs.Select(g => Default(ownerId, g));

    /// <summary>The assistant, or null when the caller has none with that id (another owner's is not found either).</summary>
    public async Task<Assistant?> FindAsync(string ownerId, string assistantId, CancellationToken cancellationToken)
    {
        if (graphs.FindByDefaultAssistant(assistantId) is { } graph)
        {
            return Default(ownerId, graph);
        }

        return ResourceIds.IsValid(assistantId) ? await store.GetAsync(ownerId, assistantId, cancellationToken).ConfigureAwait(false) : null;
    }

    /// <summary>The settings a run of the assistant uses: its graph's defaults, the assistant's config over them, the run's config over that.</summary>
    public AssistantSettings SettingsFor(Assistant assistant, RunOptions options)
    {
        ArgumentNullException.ThrowIfNull(assistant);
        ArgumentNullException.ThrowIfNull(options);
        var defaults = graphs.TryGet(assistant.GraphId, out var graph) ? graph.Defaults : AssistantSettings.Default;
        return defaults.Merge(assistant.Config).Merge(options.Config);
    }

    /// <summary>A default assistant's config: the model, system prompt and recursion limit its graph sets.</summary>
    private static JsonElement DefaultConfig(AssistantSettings defaults) => WireJson.Build(w =>
    {
        w.WriteStartObject();
        w.WriteStartObject("configurable");
        if (defaults.Model is { } model)
        {
            w.WriteString("model", model);
        }

        if (defaults.SystemPrompt is { } prompt)
        {
            w.WriteString("system_prompt", prompt);
        }

        if (defaults.Tools is { } tools)
        {
            w.WriteStartArray("tools");
            foreach (var tool in tools)
            {
                w.WriteStringValue(tool);
            }

            w.WriteEndArray();
        }

        w.WriteEndObject();
        if (defaults.RecursionLimit != AssistantSettings.DefaultRecursionLimit)
        {
            w.WriteNumber("recursion_limit", defaults.RecursionLimit);
        }

        w.WriteEndObject();
    });
}
