using System.Text.Json;

namespace AgentFunctions.Core.Items;

/// <summary>
/// One item of an owner's long-term store (LangGraph's <c>Item</c>): a JSON object under a key in a namespace,
/// a path of labels such as <c>["users", "ann", "memories"]</c>. Items outlive threads and are shared by every
/// thread and run of their owner.
/// </summary>
public sealed record StoreItem
{
    public required IReadOnlyList<string> Namespace { get; init; }

    public required string Key { get; init; }

    /// <summary>The stored value, a JSON object.</summary>
    public required JsonElement Value { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>When the item expires (it is then neither read nor found, and the retention sweep deletes it); null: never.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>The time to live it was written with, in minutes; a read that refreshes it moves <see cref="ExpiresAt"/> this far ahead.</summary>
    public double? TtlMinutes { get; init; }
}

/// <summary>A search of an owner's items: those under a namespace prefix whose value matches a filter.</summary>
public sealed record ItemSearchQuery
{
    /// <summary>The namespace prefix, label by label (empty: every namespace).</summary>
    public IReadOnlyList<string> NamespacePrefix { get; init; } = [];

    /// <summary>A JSON object each item's value must contain (as thread metadata filters do); null: any value.</summary>
    public JsonElement? Filter { get; init; }
}

/// <summary>A listing of an owner's namespaces (LangGraph's <c>list_namespaces</c>).</summary>
public sealed record NamespaceQuery
{
    /// <summary>The labels a namespace starts with (empty: any).</summary>
    public IReadOnlyList<string> Prefix { get; init; } = [];

    /// <summary>The labels a namespace ends with (empty: any).</summary>
    public IReadOnlyList<string> Suffix { get; init; } = [];

    /// <summary>Namespaces deeper than this are listed cut to this many labels (once); null: as they are.</summary>
    public int? MaxDepth { get; init; }
}
