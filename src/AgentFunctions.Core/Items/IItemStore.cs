using Azure;

namespace AgentFunctions.Core.Items;

/// <summary>
/// The long-term store, per owner: every operation names the owner, and another owner's items are never found.
/// Namespaces and keys are checked with <see cref="StoreNamespaces"/> before anything is sent to storage; an
/// expired item is absent to every read.
/// </summary>
public interface IItemStore
{
    /// <summary>
    /// Writes the item (a new one, or a new value for an existing one, which keeps its creation time). With
    /// <paramref name="ttlMinutes"/> it expires that many minutes from now; without, never.
    /// </summary>
    /// <exception cref="ArgumentException">The owner, namespace, key or time to live is not valid.</exception>
    /// <exception cref="Stores.ValueTooLargeException">The value is larger than an item holds.</exception>
    Task<StoreItem> PutAsync(string ownerId, IReadOnlyList<string> itemNamespace, string key, System.Text.Json.JsonElement value, double? ttlMinutes, CancellationToken cancellationToken = default);

    /// <summary>The item, or null when there is none or it has expired. With <paramref name="refreshTtl"/>, an item with a time to live gets it afresh.</summary>
    /// <exception cref="ArgumentException">The owner, namespace or key is not valid.</exception>
    Task<StoreItem?> GetAsync(string ownerId, IReadOnlyList<string> itemNamespace, string key, bool refreshTtl = false, CancellationToken cancellationToken = default);

    /// <summary>Deletes the item; whether there was one.</summary>
    /// <exception cref="ArgumentException">The owner, namespace or key is not valid.</exception>
    Task<bool> DeleteAsync(string ownerId, IReadOnlyList<string> itemNamespace, string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// The owner's unexpired items under the query's namespace prefix whose values match its filter, in namespace
    /// then key order. Lazy: nothing is read until enumerated, and pages are read as the consumer reaches them.
    /// </summary>
    /// <exception cref="ArgumentException">The owner, the prefix or the filter is not valid.</exception>
    AsyncPageable<StoreItem> SearchAsync(string ownerId, ItemSearchQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// The owner's namespaces that hold unexpired items and match the query, each once, in namespace order. Lazy: each
    /// namespace found costs one small read, and the items within a namespace are skipped, not read.
    /// </summary>
    /// <exception cref="ArgumentException">The owner or a label is not valid.</exception>
    IAsyncEnumerable<IReadOnlyList<string>> ListNamespacesAsync(string ownerId, NamespaceQuery query, CancellationToken cancellationToken = default);
}

/// <summary>The retention sweep's view of the store: expired items of every owner.</summary>
public interface IItemRetention
{
    /// <summary>Deletes every item that expired by <paramref name="now"/> (one that was refreshed meanwhile is kept); how many went.</summary>
    Task<int> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default);
}
