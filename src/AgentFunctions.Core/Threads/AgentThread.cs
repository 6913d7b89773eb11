using System.Text.Json;
using AgentFunctions.Core.Stores;
using Azure;

namespace AgentFunctions.Core.Threads;

/// <summary>
/// A conversation's thread: who owns it, its metadata and config, and what it is doing. Its state
/// (values, interrupts) lives in its checkpoints. <see cref="Metadata"/> and <see cref="Config"/> are
/// always JSON objects (<c>{}</c> by default); setting anything else throws <see cref="ArgumentException"/>.
/// </summary>
public sealed record AgentThread
{
    private readonly JsonElement _metadata = JsonObjects.Empty;
    private readonly JsonElement _config = JsonObjects.Empty;

    /// <summary>The thread's id (see <see cref="ResourceIds"/>), unique within its owner.</summary>
    public required string ThreadId { get; init; }

    /// <summary>The caller that owns the thread; only that caller can address it.</summary>
    public required string OwnerId { get; init; }

    /// <summary>When the thread was created (set by the store).</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the thread was last written (set by the store).</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The caller's metadata, a JSON object.</summary>
    public JsonElement Metadata
    {
        get => _metadata;
        init => _metadata = JsonObjects.RequireObject(value, nameof(Metadata));
    }

    public ThreadStatus Status { get; init; } = ThreadStatus.Idle;

    /// <summary>When the thread may be swept away (its TTL), if ever.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>The thread's config, a JSON object (LangGraph's <c>{"configurable": {...}}</c> shape).</summary>
    public JsonElement Config
    {
        get => _config;
        init => _config = JsonObjects.RequireObject(value, nameof(Config));
    }

    /// <summary>The stored version's ETag: pass it to updates and deletes for optimistic concurrency.</summary>
    public ETag ETag { get; init; }
}
