using AgentFunctions.Core.Crons;
using AgentFunctions.Core.Stores;
using AgentFunctions.Storage.Owners;
using AgentFunctions.Storage.Stores;
using AgentFunctions.Storage.Tables;
using Azure;
using Azure.Data.Tables;

namespace AgentFunctions.Storage.Crons;

/// <summary>
/// Crons in a table: PartitionKey = the owner's key, RowKey = the cron id. The firing's query of due crons reads every
/// owner's partition with the service filtering on <c>NextRunAt</c>, as the retention sweep's query of expired threads does.
/// </summary>
public sealed class TableCronStore : ICronStore
{
    public const string DefaultTableName = "crons";
    private const string Kind = "cron";

    private readonly TableClient _table;
    private readonly TableCreation _creation;
    private readonly TimeProvider _time;

    public TableCronStore(TableServiceClient service, StorageNames names, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(names);
        _table = service.GetTableClient(names.Table(DefaultTableName));
        _creation = new TableCreation(_table);
        _time = timeProvider ?? TimeProvider.System;
    }

    public async Task<CronJob> CreateAsync(CronJob cron, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cron);
        var now = _time.GetUtcNow().ToUniversalTime();
        var stored = cron with { CreatedAt = now, UpdatedAt = now, ETag = default };
        var entity = CronEntity.From(stored).ToEntity();
        await _creation.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var response = await _table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
            return stored with { ETag = response.Headers.ETag ?? default };
        }
        catch (RequestFailedException ex) when (StoreFailures.IsConflict(ex))
        {
            throw StoreFailures.Conflict(Kind, cron.CronId, ex);
        }
    }

    public async Task<CronJob?> GetAsync(string ownerId, string cronId, CancellationToken cancellationToken = default)
    {
        var partition = OwnerKey.ToPartitionKey(ownerId);
        ResourceIds.Validate(cronId, Kind);
        await _creation.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        return (await _table.GetRowIfExistsAsync<CronEntity>(partition, cronId, cancellationToken: cancellationToken).ConfigureAwait(false))?.ToCron();
    }

    public async Task<CronJob?> UpdateAsync(CronJob cron, ETag ifMatch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cron);
        StoreArguments.RequireETag(ifMatch);
        var stored = cron with { UpdatedAt = _time.GetUtcNow().ToUniversalTime(), ETag = default };
        var entity = CronEntity.From(stored).ToEntity();
        await _creation.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var response = await _table.UpdateEntityAsync(entity, ifMatch, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            return stored with { ETag = response.Headers.ETag ?? default };
        }
        catch (RequestFailedException ex) when (StoreFailures.IsNotFound(ex))
        {
            return null;
        }
        catch (RequestFailedException ex) when (StoreFailures.IsConflict(ex))
        {
            throw StoreFailures.Conflict(Kind, cron.CronId, ex);
        }
    }

    public async Task<bool> DeleteAsync(string ownerId, string cronId, CancellationToken cancellationToken = default)
    {
        var partition = OwnerKey.ToPartitionKey(ownerId);
        ResourceIds.Validate(cronId, Kind);
        await _creation.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var response = await _table.DeleteEntityAsync(partition, cronId, ETag.All, cancellationToken).ConfigureAwait(false);
        return response.Status != 404;
    }

    public AsyncPageable<CronJob> SearchAsync(string ownerId, CronSearchQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {OwnerKey.ToPartitionKey(ownerId)}");
        if (query.AssistantId is { } assistantId)
        {
            filter += " and " + TableClient.CreateQueryFilter($"AssistantId eq {assistantId}");
        }

        if (query.ThreadId is { } threadId)
        {
            filter += " and " + TableClient.CreateQueryFilter($"ThreadId eq {threadId}");
        }

        if (query.Enabled is { } enabled)
        {
            filter += " and " + TableClient.CreateQueryFilter($"Enabled eq {enabled}");
        }

        var metadata = StoreArguments.MetadataFilter(query.Metadata);
        return FilteredQuery.Create<CronEntity, CronJob>(
            _table,
            [filter],
            entity =>
            {
                var cron = entity.ToCron();
                return metadata is not { } m || JsonObjects.Matches(cron.Metadata, m) ? cron : null;
            },
            _creation.EnsureCreatedAsync,
            cancellationToken);
    }

    public AsyncPageable<CronJob> ListDueAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var filter = TableClient.CreateQueryFilter($"NextRunAt le {now} and Enabled eq true");
        return FilteredQuery.Create<CronEntity, CronJob>(_table, [filter], entity => entity.ToCron(), _creation.EnsureCreatedAsync, cancellationToken);
    }

    public async Task<bool> TryAdvanceAsync(CronJob cron, DateTimeOffset? nextRunAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cron);
        // A merge cannot remove a property: "no more firings" is a time no query for due crons reaches.
        var entity = new TableEntity(OwnerKey.ToPartitionKey(cron.OwnerId), cron.CronId) { [CronEntity.NextRunAtProperty] = nextRunAt?.ToUniversalTime() ?? CronEntity.Never };
        try
        {
            // With the ETag read: exactly one instance moves a firing on.
            await _table.UpdateEntityAsync(entity, cron.ETag, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException ex) when (StoreFailures.IsConflict(ex) || StoreFailures.IsNotFound(ex))
        {
            return false;
        }
    }
}
