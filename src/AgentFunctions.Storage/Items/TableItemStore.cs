using System.Runtime.CompilerServices;
using System.Text.Json;
using AgentFunctions.Core.Items;
using AgentFunctions.Core.Stores;
using AgentFunctions.Storage.Owners;
using AgentFunctions.Storage.Stores;
using AgentFunctions.Storage.Tables;
using Azure;
using Azure.Data.Tables;

namespace AgentFunctions.Storage.Items;

/// <summary>
/// The long-term store in a table: PartitionKey = the owner's key (<see cref="OwnerKey"/>), RowKey = the item's
/// namespace and key (<see cref="ItemKeys"/>), so a read is a point read and a search a key range of the caller's
/// own partition. Values are JSON objects of up to an entity's size (413 above it, as for threads).
/// </summary>
public sealed class TableItemStore : IItemStore, IItemRetention
{
    public const string DefaultTableName = "storeitems";

    private static readonly string[] NamespaceColumns = ["PartitionKey", "RowKey", ItemEntity.ExpiresAtProperty];
    private static readonly string[] CreatedColumns = ["CreatedAt"];

    private readonly TableClient _table;
    private readonly TableCreation _creation;
    private readonly TimeProvider _time;

    /// <summary>The store the hosts register: the table <see cref="DefaultTableName"/> with the deployment's prefix.</summary>
    public TableItemStore(TableServiceClient service, StorageNames names, TimeProvider timeProvider)
        : this(service, (names ?? throw new ArgumentNullException(nameof(names))).Table(DefaultTableName), timeProvider)
    {
    }

    internal TableItemStore(TableServiceClient service, string tableName = DefaultTableName, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        _table = service.GetTableClient(tableName);
        _creation = new TableCreation(_table);
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Creates the table unless it exists (otherwise done on first use).</summary>
    public Task InitializeAsync(CancellationToken cancellationToken = default) => _creation.EnsureCreatedAsync(cancellationToken);

    public async Task<StoreItem> PutAsync(string ownerId, IReadOnlyList<string> itemNamespace, string key, JsonElement value, double? ttlMinutes, CancellationToken cancellationToken = default)
    {
        StoreNamespaces.Validate(itemNamespace, key, ttlMinutes);
        var partition = OwnerKey.ToPartitionKey(ownerId);
        var rowKey = ItemKeys.RowKey(itemNamespace, key);
        var stored = JsonObjects.RequireObject(value, "value");
        var now = _time.GetUtcNow().ToUniversalTime();
        var item = new StoreItem
        {
            Namespace = [.. itemNamespace],
            Key = key,
            Value = stored,
            CreatedAt = now,
            UpdatedAt = now,
            ExpiresAt = ttlMinutes is { } ttl ? now.AddMinutes(ttl) : null,
            TtlMinutes = ttlMinutes,
        };

        var entity = ItemEntity.From(ownerId, item).ToEntity(); // checks the size before anything is sent
        await _creation.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        if (await _table.GetRowIfExistsAsync<ItemEntity>(partition, rowKey, CreatedColumns, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            item = item with { CreatedAt = existing.CreatedAt };
            entity["CreatedAt"] = existing.CreatedAt.ToUniversalTime();
        }

        // Replace, not merge: a value that shrank must not leave its old continuation properties behind.
        await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        return item;
    }

    public async Task<StoreItem?> GetAsync(string ownerId, IReadOnlyList<string> itemNamespace, string key, bool refreshTtl = false, CancellationToken cancellationToken = default)
    {
        StoreNamespaces.Validate(itemNamespace, key);
        var partition = OwnerKey.ToPartitionKey(ownerId);
        var rowKey = ItemKeys.RowKey(itemNamespace, key);
        await _creation.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var entity = await _table.GetRowIfExistsAsync<ItemEntity>(partition, rowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        if (entity is null || entity.IsExpired(now))
        {
            return null;
        }

        if (refreshTtl && entity.TtlMinutes is { } ttl)
        {
            var expires = now.ToUniversalTime().AddMinutes(ttl);
            var patch = new TableEntity(partition, rowKey) { [ItemEntity.ExpiresAtProperty] = expires };
            try
            {
                await _table.UpdateEntityAsync(patch, entity.ETag, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
                entity.ExpiresAt = expires;
            }
            catch (RequestFailedException e) when (StoreFailures.IsConflict(e) || StoreFailures.IsNotFound(e))
            {
                // Written or deleted meanwhile: the item as read is still the answer; the newer write set its own expiry.
            }
        }

        return entity.ToItem();
    }

    public async Task<bool> DeleteAsync(string ownerId, IReadOnlyList<string> itemNamespace, string key, CancellationToken cancellationToken = default)
    {
        StoreNamespaces.Validate(itemNamespace, key);
        var partition = OwnerKey.ToPartitionKey(ownerId);
        var rowKey = ItemKeys.RowKey(itemNamespace, key);
        await _creation.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var response = await _table.DeleteEntityAsync(partition, rowKey, ETag.All, cancellationToken).ConfigureAwait(false);
        return response.Status != 404;
    }

    public AsyncPageable<StoreItem> SearchAsync(string ownerId, ItemSearchQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (StoreNamespaces.Problem(query.NamespacePrefix, allowEmpty: true) is { } problem)
        {
            throw new ArgumentException($"The namespace prefix {problem}.", nameof(query));
        }

        var filter = StoreArguments.MetadataFilter(query.Filter);
        var range = Range(OwnerKey.ToPartitionKey(ownerId), ItemKeys.Prefix(query.NamespacePrefix));
        return FilteredQuery.Create<ItemEntity, StoreItem>(
            _table,
            [range],
            entity =>
            {
                if (entity.IsExpired(_time.GetUtcNow()))
                {
                    return null;
                }

                var item = entity.ToItem();
                return filter is not { } f || JsonObjects.Matches(item.Value, f) ? item : null;
            },
            _creation.EnsureCreatedAsync,
            cancellationToken);
    }

    public async IAsyncEnumerable<IReadOnlyList<string>> ListNamespacesAsync(string ownerId, NamespaceQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (StoreNamespaces.Problem(query.Prefix, allowEmpty: true) is { } prefixProblem)
        {
            throw new ArgumentException($"The prefix {prefixProblem}.", nameof(query));
        }

        if (StoreNamespaces.Problem(query.Suffix, allowEmpty: true) is { } suffixProblem)
        {
            throw new ArgumentException($"The suffix {suffixProblem}.", nameof(query));
        }

        var partition = OwnerKey.ToPartitionKey(ownerId);
        var prefix = ItemKeys.Prefix(query.Prefix);
        string? end = prefix.Length == 0 ? null : ItemKeys.After(prefix);
        var cursor = prefix;
        var inclusive = true;
        await _creation.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);

        // A skip scan: the first row at or after the cursor names a namespace; the cursor then jumps past that
        // namespace's own items (or, when it is listed cut to max_depth, past everything under the cut).
        while (true)
        {
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition}")
                + " and " + (inclusive ? TableClient.CreateQueryFilter($"RowKey ge {cursor}") : TableClient.CreateQueryFilter($"RowKey gt {cursor}"))
                + (end is null ? string.Empty : " and " + TableClient.CreateQueryFilter($"RowKey lt {end}"));
            ItemEntity? first = null;
            await foreach (var row in _table.QueryRowsAsync<ItemEntity>(filter, 1, NamespaceColumns, cancellationToken).ConfigureAwait(false))
            {
                first = row;
                break;
            }

            if (first is null)
            {
                yield break;
            }

            var (itemNamespace, _) = ItemKeys.Parse(first.RowKey);
            if (first.IsExpired(_time.GetUtcNow()))
            {
                (cursor, inclusive) = (first.RowKey, false);
                continue;
            }

            var cut = query.MaxDepth is { } depth && itemNamespace.Count >= depth ? itemNamespace.Take(depth).ToList() : null;
            if (EndsWith(itemNamespace, query.Suffix))
            {
                yield return cut ?? itemNamespace;
                if (cut is not null)
                {
                    (cursor, inclusive) = (ItemKeys.After(ItemKeys.Prefix(cut)), true);
                    continue;
                }
            }

            // Past this namespace's own items (…!$key): its deeper namespaces follow.
            (cursor, inclusive) = (ItemKeys.Prefix(itemNamespace) + (char)(ItemKeys.KeyStart + 1), true);
        }
    }

    public async Task<int> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await _creation.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter($"ExpiresAt le {now}");
        var deleted = 0;
        await foreach (var row in _table.QueryRowsAsync<ItemEntity>(filter, TableLimits.MaxPageSize, NamespaceColumns, cancellationToken).ConfigureAwait(false))
        {
            try
            {
                // Only the version found expired: an item written or refreshed since is kept.
                await _table.DeleteEntityAsync(row.PartitionKey, row.RowKey, row.ETag, cancellationToken).ConfigureAwait(false);
                deleted++;
            }
            catch (RequestFailedException e) when (StoreFailures.IsConflict(e))
            {
            }
        }

        return deleted;
    }

    private static string Range(string partition, string prefix)
        => prefix.Length == 0
            ? TableClient.CreateQueryFilter($"PartitionKey eq {partition}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {prefix} and RowKey lt {ItemKeys.After(prefix)}");

    private static bool EndsWith(IReadOnlyList<string> itemNamespace, IReadOnlyList<string> suffix)
    {
        if (suffix.Count > itemNamespace.Count)
        {
            return false;
        }

        for (var i = 1; i <= suffix.Count; i++)
        {
            if (!string.Equals(itemNamespace[^i], suffix[^i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
