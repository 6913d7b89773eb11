using AgentFunctions.Core.Stores;
using AgentFunctions.Core.Threads;
using AgentFunctions.Storage.Owners;
using AgentFunctions.Storage.Stores;
using AgentFunctions.Storage.Tables;
using Azure;
using Azure.Data.Tables;

namespace AgentFunctions.Storage.Threads;

/// <summary>
/// Threads in a table: PartitionKey = the owner's key (<see cref="OwnerKey"/>), RowKey = the thread id,
/// so every read is a point read or a scan of the caller's own partition. The table is created on first
/// use (or by <see cref="InitializeAsync"/>).
/// </summary>
public sealed partial class TableThreadStore : IThreadStore
{
    public const string DefaultTableName = "threads";

    // The Table service allows at most 15 comparisons in one filter: PartitionKey, Status and 13 ids.
    private const int IdsPerFilter = 13;
    private const string Kind = "thread";

    private readonly TableClient _table;
    private readonly TableCreation _creation;
    private readonly TimeProvider _time;

    /// <summary>The store the hosts register: the table <see cref="DefaultTableName"/> with the deployment's prefix.</summary>
    /// <param name="service">The Table service; the store keeps one client for its table.</param>
    /// <param name="names">The deployment's table names.</param>
    /// <param name="timeProvider">The host's clock.</param>
    public TableThreadStore(TableServiceClient service, StorageNames names, TimeProvider timeProvider)
        : this(service, (names ?? throw new ArgumentNullException(nameof(names))).Table(DefaultTableName), timeProvider)
    {
    }

    /// <param name="service">The Table service; the store keeps one client for its table.</param>
    /// <param name="tableName">The table's name.</param>
    /// <param name="timeProvider">The clock for <see cref="AgentThread.CreatedAt"/> and <see cref="AgentThread.UpdatedAt"/>.</param>
    internal TableThreadStore(TableServiceClient service, string tableName = DefaultTableName, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        _table = service.GetTableClient(tableName);
        _creation = new TableCreation(_table);
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Creates the table unless it exists (otherwise done on first use).</summary>
    public Task InitializeAsync(CancellationToken cancellationToken = default) => _creation.EnsureCreatedAsync(cancellationToken);

    public async Task<AgentThread> CreateAsync(AgentThread thread, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(thread);
        var now = _time.GetUtcNow().ToUniversalTime();
        var stored = thread with { CreatedAt = now, UpdatedAt = now, ExpiresAt = thread.ExpiresAt?.ToUniversalTime(), ETag = default };
        var entity = ThreadEntity.From(stored);
        await _creation.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var response = await _table.AddEntityAsync(entity.ToEntity(), cancellationToken).ConfigureAwait(false);
            return stored with { ETag = response.Headers.ETag ?? default };
        }
        catch (RequestFailedException ex) when (StoreFailures.IsConflict(ex))
        {
            throw StoreFailures.Conflict(Kind, entity.RowKey, ex);
        }
    }

    public async Task<AgentThread?> GetAsync(string ownerId, string threadId, CancellationToken cancellationToken = default)
    {
        var partition = OwnerKey.ToPartitionKey(ownerId);
        ResourceIds.Validate(threadId, Kind);
        await _creation.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var entity = await _table.GetRowIfExistsAsync<ThreadEntity>(partition, threadId, cancellationToken: cancellationToken).ConfigureAwait(false);
        return entity?.ToThread();
    }

    public async Task<AgentThread?> UpdateAsync(AgentThread thread, ETag ifMatch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(thread);
        StoreArguments.RequireETag(ifMatch);
        var stored = thread with
        {
            UpdatedAt = _time.GetUtcNow().ToUniversalTime(),
            CreatedAt = thread.CreatedAt.ToUniversalTime(),
            ExpiresAt = thread.ExpiresAt?.ToUniversalTime(),
            ETag = default,
        };
        var entity = ThreadEntity.From(stored);
        await _creation.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Replace, not merge: a JSON value that shrank must not leave its old continuation properties behind.
            var response = await _table.UpdateEntityAsync(entity.ToEntity(), ifMatch, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            return stored with { ETag = response.Headers.ETag ?? default };
        }
        catch (RequestFailedException ex) when (StoreFailures.IsNotFound(ex))
        {
            return null;
        }
        catch (RequestFailedException ex) when (StoreFailures.IsConflict(ex))
        {
            throw StoreFailures.Conflict(Kind, entity.RowKey, ex);
        }
    }

    public async Task<bool> DeleteAsync(string ownerId, string threadId, ETag ifMatch = default, CancellationToken cancellationToken = default)
    {
        var partition = OwnerKey.ToPartitionKey(ownerId);
        ResourceIds.Validate(threadId, Kind);
        await _creation.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var response = await _table.DeleteEntityAsync(partition, threadId, ifMatch, cancellationToken).ConfigureAwait(false);
            return response.Status != 404;
        }
        catch (RequestFailedException ex) when (StoreFailures.IsConflict(ex))
        {
            throw StoreFailures.Conflict(Kind, threadId, ex);
        }
    }

    public AsyncPageable<AgentThread> SearchAsync(string ownerId, ThreadSearchQuery? query = null, CancellationToken cancellationToken = default)
    {
        query ??= new ThreadSearchQuery();
        var partition = OwnerKey.ToPartitionKey(ownerId);
        var metadata = StoreArguments.MetadataFilter(query.Metadata);
        var ids = ValidateIds(query.Ids);

        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition}");
        if (query.Status is { } status)
        {
            filter += " and " + TableClient.CreateQueryFilter($"Status eq {status.ToWireName()}");
        }

        IReadOnlyList<string> filters = ids.Count == 0
            ? [filter]
            : [.. ids.Chunk(IdsPerFilter).Select(chunk => $"{filter} and ({string.Join(" or ", chunk.Select(id => TableClient.CreateQueryFilter($"RowKey eq {id}")))})")];

        return FilteredQuery.Create<ThreadEntity, AgentThread>(
            _table,
            filters,
            entity =>
            {
                var thread = entity.ToThread();
                return metadata is not { } m || JsonObjects.Matches(thread.Metadata, m) ? thread : null;
            },
            _creation.EnsureCreatedAsync,
            cancellationToken);
    }

    private static List<string> ValidateIds(IReadOnlyList<string>? ids)
    {
        if (ids is null || ids.Count == 0)
        {
            return [];
        }

        if (ids.Count > ThreadSearchQuery.MaxIds)
        {
            throw new ArgumentException($"A search names at most {ThreadSearchQuery.MaxIds} thread ids, not {ids.Count}.", nameof(ids));
        }

        var valid = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            valid.Add(ResourceIds.Validate(id, Kind));
        }

        return [.. valid];
    }
}
