using AgentFunctions.Core.Assistants;
using AgentFunctions.Core.Stores;
using AgentFunctions.Storage.Owners;
using AgentFunctions.Storage.Stores;
using AgentFunctions.Storage.Tables;
using Azure;
using Azure.Data.Tables;

namespace AgentFunctions.Storage.Assistants;

/// <summary>
/// Assistants in a table: PartitionKey = the owner's key (<see cref="OwnerKey"/>), RowKey = the
/// assistant id for the current version, and <c>~v|{assistant id}|{int.MaxValue - version:D10}</c> for each version
/// kept (written in the same transaction as the current one; <c>~</c> sorts after every id, so a search reads no
/// versions, and a version list reads newest first). The table is created on first use (or by <see cref="InitializeAsync"/>).
/// </summary>
public sealed class TableAssistantStore : IAssistantStore
{
    public const string DefaultTableName = "assistants";

    // An update with ETag.All re-reads and retries this often when it keeps losing races.
    private const int UnconditionalUpdateAttempts = 3;
    private const string Kind = "assistant";

    /// <summary>The first row key of the versions: after every assistant id ('~' sorts after every character an id may have).</summary>
    private const string VersionPrefix = "~v|";

    private readonly TableClient _table;
    private readonly TableCreation _creation;
    private readonly TimeProvider _time;

    /// <summary>The store the hosts register: the table <see cref="DefaultTableName"/> with the deployment's prefix.</summary>
    /// <param name="service">The Table service; the store keeps one client for its table.</param>
    /// <param name="names">The deployment's table names.</param>
    /// <param name="timeProvider">The host's clock.</param>
    public TableAssistantStore(TableServiceClient service, StorageNames names, TimeProvider timeProvider)
        : this(service, (names ?? throw new ArgumentNullException(nameof(names))).Table(DefaultTableName), timeProvider)
    {
    }

    /// <param name="service">The Table service; the store keeps one client for its table.</param>
    /// <param name="tableName">The table's name.</param>
    /// <param name="timeProvider">The clock for <see cref="Assistant.CreatedAt"/> and <see cref="Assistant.UpdatedAt"/>.</param>
    internal TableAssistantStore(TableServiceClient service, string tableName = DefaultTableName, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        _table = service.GetTableClient(tableName);
        _creation = new TableCreation(_table);
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Creates the table unless it exists (otherwise done on first use).</summary>
    public Task InitializeAsync(CancellationToken cancellationToken = default) => _creation.EnsureCreatedAsync(cancellationToken);

    public async Task<Assistant> CreateAsync(Assistant assistant, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(assistant);
        var now = _time.GetUtcNow().ToUniversalTime();
        var stored = assistant with { Version = 1, CreatedAt = now, UpdatedAt = now, ETag = default };
        var entity = AssistantEntity.From(stored);
        await _creation.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var response = await _table.SubmitNamedTransactionAsync(
                [TableRows.Action(TableTransactionActionType.Add, entity), TableRows.Action(TableTransactionActionType.UpsertReplace, VersionRow(stored))],
                cancellationToken).ConfigureAwait(false);
            return stored with { ETag = response.Value[0].Headers.ETag ?? default };
        }
        catch (RequestFailedException ex) when (StoreFailures.IsConflict(ex))
        {
            throw StoreFailures.Conflict(Kind, entity.RowKey, ex);
        }
    }

    public async Task<Assistant?> GetAsync(string ownerId, string assistantId, CancellationToken cancellationToken = default)
    {
        var entity = await ReadAsync(OwnerKey.ToPartitionKey(ownerId), ResourceIds.Validate(assistantId, Kind), cancellationToken).ConfigureAwait(false);
        return entity?.ToAssistant();
    }

    /// <remarks>
    /// Reads the stored assistant first, so that the new version number and the creation time come from
    /// storage rather than from <paramref name="assistant"/>; the write is conditional on the ETag it was
    /// checked against, so nothing is lost to a concurrent writer.
    /// </remarks>
    public async Task<Assistant?> UpdateAsync(Assistant assistant, ETag ifMatch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(assistant);
        StoreArguments.RequireETag(ifMatch);
        var partition = AssistantEntity.From(assistant).PartitionKey;
        for (var attempt = 1; ; attempt++)
        {
            var current = await ReadAsync(partition, assistant.AssistantId, cancellationToken).ConfigureAwait(false);
            if (current is null)
            {
                return null;
            }

            var stored = assistant with
            {
                Version = current.Version + 1,
                CreatedAt = current.CreatedAt,
                UpdatedAt = _time.GetUtcNow().ToUniversalTime(),
                ETag = default,
            };

            // A caller's ETag goes to the service as given: the service, not this process, decides whether it is current.
            var condition = ifMatch == ETag.All ? current.ETag : ifMatch;
            try
            {
                var response = await _table.SubmitNamedTransactionAsync(
                    [TableRows.Action(TableTransactionActionType.UpdateReplace, AssistantEntity.From(stored), condition), TableRows.Action(TableTransactionActionType.UpsertReplace, VersionRow(stored))],
                    cancellationToken).ConfigureAwait(false);
                return stored with { ETag = response.Value[0].Headers.ETag ?? default };
            }
            catch (RequestFailedException ex) when (StoreFailures.IsNotFound(ex))
            {
                return null;
            }
            catch (RequestFailedException ex) when (StoreFailures.IsConflict(ex) && (ifMatch != ETag.All || attempt == UnconditionalUpdateAttempts))
            {
                throw StoreFailures.Conflict(Kind, assistant.AssistantId, ex);
            }
            catch (RequestFailedException ex) when (StoreFailures.IsConflict(ex))
            {
                // Lost a race under ETag.All: read the newer version and try again.
            }
        }
    }

    public async Task<bool> DeleteAsync(string ownerId, string assistantId, ETag ifMatch = default, CancellationToken cancellationToken = default)
    {
        var partition = OwnerKey.ToPartitionKey(ownerId);
        ResourceIds.Validate(assistantId, Kind);
        await _creation.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var response = await _table.DeleteEntityAsync(partition, assistantId, ifMatch, cancellationToken).ConfigureAwait(false);
            await _table.DeleteEntitiesAsync(VersionsFilter(partition, assistantId), cancellationToken).ConfigureAwait(false);
            return response.Status != 404;
        }
        catch (RequestFailedException ex) when (StoreFailures.IsConflict(ex))
        {
            throw StoreFailures.Conflict(Kind, assistantId, ex);
        }
    }

    public AsyncPageable<Assistant> SearchAsync(string ownerId, AssistantSearchQuery? query = null, CancellationToken cancellationToken = default)
    {
        query ??= new AssistantSearchQuery();
        var partition = OwnerKey.ToPartitionKey(ownerId);
        var metadata = StoreArguments.MetadataFilter(query.Metadata);
        var name = string.IsNullOrEmpty(query.Name) ? null : query.Name;

        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey lt {VersionPrefix}");
        if (query.GraphId is { } graphId)
        {
            filter += " and " + TableClient.CreateQueryFilter($"GraphId eq {ResourceIds.Validate(graphId, "graph")}");
        }

        return FilteredQuery.Create<AssistantEntity, Assistant>(
            _table,
            [filter],
            entity =>
            {
                if (name is not null && !entity.Name.Contains(name, StringComparison.OrdinalIgnoreCase))
                {
                    return null;
                }

                var assistant = entity.ToAssistant();
                return metadata is not { } m || JsonObjects.Matches(assistant.Metadata, m) ? assistant : null;
            },
            _creation.EnsureCreatedAsync,
            cancellationToken);
    }

    public AsyncPageable<Assistant> ListVersionsAsync(string ownerId, string assistantId, CancellationToken cancellationToken = default)
    {
        var partition = OwnerKey.ToPartitionKey(ownerId);
        ResourceIds.Validate(assistantId, Kind);
        return FilteredQuery.Create<AssistantEntity, Assistant>(
            _table, [VersionsFilter(partition, assistantId)], entity => entity.ToAssistant() with { AssistantId = assistantId, ETag = default }, _creation.EnsureCreatedAsync, cancellationToken);
    }

    public async Task<Assistant?> SetLatestAsync(string ownerId, string assistantId, int version, CancellationToken cancellationToken = default)
    {
        var partition = OwnerKey.ToPartitionKey(ownerId);
        ResourceIds.Validate(assistantId, Kind);
        if (version < 1)
        {
            return null;
        }

        var current = await ReadAsync(partition, assistantId, cancellationToken).ConfigureAwait(false);
        var kept = await _table.GetRowIfExistsAsync<AssistantEntity>(partition, VersionKey(assistantId, version), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (current is null || kept is null)
        {
            return null;
        }

        var latest = kept.ToAssistant() with { AssistantId = assistantId, CreatedAt = current.CreatedAt, UpdatedAt = _time.GetUtcNow().ToUniversalTime(), ETag = default };
        try
        {
            var response = await _table.UpdateEntityAsync(AssistantEntity.From(latest).ToEntity(), current.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            return latest with { ETag = response.Headers.ETag ?? default };
        }
        catch (RequestFailedException ex) when (StoreFailures.IsNotFound(ex))
        {
            return null;
        }
        catch (RequestFailedException ex) when (StoreFailures.IsConflict(ex))
        {
            throw StoreFailures.Conflict(Kind, assistantId, ex);
        }
    }

    private static string VersionKey(string assistantId, int version)
        => $"{VersionPrefix}{assistantId}|{(int.MaxValue - version).ToString("D10", System.Globalization.CultureInfo.InvariantCulture)}";

    private static string VersionsFilter(string partition, string assistantId)
        => TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey gt {VersionPrefix + assistantId + "|"} and RowKey lt {VersionPrefix + assistantId + "|~"}");

    private static AssistantEntity VersionRow(Assistant assistant)
    {
        var row = AssistantEntity.From(assistant);
        row.RowKey = VersionKey(assistant.AssistantId, assistant.Version);
        return row;
    }

    private async Task<AssistantEntity?> ReadAsync(string partition, string assistantId, CancellationToken cancellationToken)
    {
        await _creation.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        return await _table.GetRowIfExistsAsync<AssistantEntity>(partition, assistantId, cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
