using System.Text.Json;
using AgentFunctions.Core.Stores;
using Azure;

namespace AgentFunctions.Core.Assistants;

/// <summary>
/// A configured instance of a graph: which graph, its config (LangGraph's
/// <c>{"configurable": {...}, "recursion_limit": n, "tags": [...]}</c>, read through
/// <see cref="AssistantSettings"/>), its context and metadata. <see cref="Config"/>,
/// <see cref="Context"/> and <see cref="Metadata"/> are always JSON objects (<c>{}</c> by default);
/// setting anything else throws <see cref="ArgumentException"/>.
/// </summary>
public sealed record Assistant
{
    private readonly JsonElement _config = JsonObjects.Empty;
    private readonly JsonElement _context = JsonObjects.Empty;
    private readonly JsonElement _metadata = JsonObjects.Empty;

    /// <summary>The assistant's id (see <see cref="ResourceIds"/>), unique within its owner.</summary>
    public required string AssistantId { get; init; }

    /// <summary>The caller that owns the assistant; only that caller can address it.</summary>
    public required string OwnerId { get; init; }

    /// <summary>The graph the assistant runs (a <see cref="ResourceIds"/> id such as <c>agent</c>).</summary>
    public required string GraphId { get; init; }

    /// <summary>The assistant's name, for people.</summary>
    public required string Name { get; init; }

    public string? Description { get; init; }

    /// <summary>The assistant's config, a JSON object.</summary>
    public JsonElement Config
    {
        get => _config;
        init => _config = JsonObjects.RequireObject(value, nameof(Config));
    }

    /// <summary>The static context the graph runs with, a JSON object.</summary>
    public JsonElement Context
    {
        get => _context;
        init => _context = JsonObjects.RequireObject(value, nameof(Context));
    }

    /// <summary>The caller's metadata, a JSON object.</summary>
    public JsonElement Metadata
    {
        get => _metadata;
        init => _metadata = JsonObjects.RequireObject(value, nameof(Metadata));
    }

    /// <summary>1 when created, one more on every update (set by the store).</summary>
    public int Version { get; init; } = 1;

    /// <summary>When the assistant was created (set by the store).</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the assistant was last written (set by the store).</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The stored version's ETag: pass it to updates and deletes for optimistic concurrency.</summary>
    public ETag ETag { get; init; }
}
