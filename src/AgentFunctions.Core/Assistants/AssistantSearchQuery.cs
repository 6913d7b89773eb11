using System.Text.Json;

namespace AgentFunctions.Core.Assistants;

/// <summary>
/// Which of an owner's assistants a search returns: every condition given must hold. An empty query
/// returns all of them.
/// </summary>
public sealed record AssistantSearchQuery
{
    /// <summary>Only assistants of this graph.</summary>
    public string? GraphId { get; init; }

    /// <summary>Only assistants whose name contains this text, ignoring case (as LangGraph matches names).</summary>
    public string? Name { get; init; }

    /// <summary>
    /// Only assistants whose metadata has every top-level key of this JSON object with a deep-equal
    /// value. Null or <c>{}</c> for no condition.
    /// </summary>
    public JsonElement? Metadata { get; init; }
}
