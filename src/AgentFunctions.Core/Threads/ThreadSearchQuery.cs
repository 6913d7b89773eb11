using System.Text.Json;

namespace AgentFunctions.Core.Threads;

/// <summary>
/// Which of an owner's threads a search returns: every condition given must hold. An empty query
/// returns all of them.
/// </summary>
public sealed record ThreadSearchQuery
{
    /// <summary>The most ids one search may name.</summary>
    public const int MaxIds = 100;

    /// <summary>Only threads with this status.</summary>
    public ThreadStatus? Status { get; init; }

    /// <summary>
    /// Only threads whose metadata has every top-level key of this JSON object with a deep-equal value
    /// (what LangGraph calls containment). Null or <c>{}</c> for no condition.
    /// </summary>
    public JsonElement? Metadata { get; init; }

    /// <summary>
    /// Only threads with one of these ids (at most <see cref="MaxIds"/>). Null or empty for no condition,
    /// as LangGraph treats an empty list.
    /// </summary>
    public IReadOnlyList<string>? Ids { get; init; }
}
