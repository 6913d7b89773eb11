using System.Text.Json;
using AgentFunctions.Core.Assistants;
using AgentFunctions.Core.Graphs;
using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Runtime;
using AgentFunctions.Core.Stores;

namespace AgentFunctions.Http.Assistants;

/// <summary>
/// Finds the assistant a request names. Every graph has a default assistant, as on LangGraph Platform:
/// its id is a name-based UUID of the graph id, and the graph id itself (<c>agent</c>) is accepted
/// wherever an assistant id is. Other ids are the caller's own assistants.
/// </summary>
public sealed class AssistantLookup(IAssistantStore store)
{
    /// <summary>The id of the <c>agent</c> graph's default assistant.</summary>
    public static string DefaultAssistantId { get; } = GraphRegistry.DefaultAssistantId(AgentGraph.GraphId);

    /// <summary>The metadata LangGraph gives the assistants it creates itself: <c>{"created_by": "system"}</c>.</summary>
    public static JsonElement SystemMetadata { get; } = JsonObjects.Parse("""{"created_by":"system"}""");

    public static bool IsDefault(string assistantId) => assistantId == AgentGraph.GraphId || assistantId == DefaultAssistantId;

    /// <summary>The default assistant of the agent graph, as a caller sees it.</summary>
    public static Assistant Default(string ownerId) => new()
    {
        AssistantId = DefaultAssistantId,
        OwnerId = ownerId,
        GraphId = AgentGraph.GraphId,
        Name = AgentGraph.GraphId,
        Description = "The default assistant of the agent graph: the offline or configured model, with the calculator tool.",
        Config = JsonObjects.Parse("""{"configurable":{"tools":["calculator"]}}"""),
        Metadata = SystemMetadata,
        Version = 1,
        CreatedAt = DateTimeOffset.UnixEpoch,
        UpdatedAt = DateTimeOffset.UnixEpoch,
    };

    /// <summary>The assistant, or null when the caller has none with that id (another owner's is not found either).</summary>
    public async Task<Assistant?> FindAsync(string ownerId, string assistantId, CancellationToken cancellationToken)
    {
        if (IsDefault(assistantId))
        {
            return Default(ownerId);
        }

        return ResourceIds.IsValid(assistantId) ? await store.GetAsync(ownerId, assistantId, cancellationToken).ConfigureAwait(false) : null;
    }

    /// <summary>The settings a run of the assistant uses: the assistant's config with the run's config over it.</summary>
    public static AssistantSettings SettingsFor(Assistant assistant, RunOptions options)
    {
        ArgumentNullException.ThrowIfNull(assistant);
        ArgumentNullException.ThrowIfNull(options);
        return AssistantSettings.From(assistant.Config).Merge(options.Config);
    }
}
