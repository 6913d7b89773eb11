using AgentFunctions.Core.Compaction;
using AgentFunctions.Core.Runs;
using AgentFunctions.Storage.Stores;
using AgentFunctions.Storage.Tables;
using Azure;
using Azure.Data.Tables;

namespace AgentFunctions.Storage.Runs;

/// <summary>The retention sweep's and thread deletion's view of the runs table.</summary>
public sealed partial class TableRunStore : IRunRetention
{
    /// <remarks>One scan across every thread's partition, filtered by the service (the queue rows have no status).</remarks>
    public AsyncPageable<AgentRun> ListAbandonedAsync(DateTimeOffset leaseExpiredBefore, CancellationToken cancellationToken = default)
    {
        var filter = TableClient.CreateQueryFilter($"Status eq {RunNames.Of(RunStatus.Running)} and LeaseExpiresAt lt {leaseExpiredBefore}");
        return FilteredQuery.Create<RunEntity, AgentRun>(_table, [filter], entity => entity.ToRun(), _creation.EnsureCreatedAsync, cancellationToken);
    }

    public async Task<AgentRun?> FailAbandonedAsync(AgentRun run, DateTimeOffset leaseExpiredBefore, string errorMessage, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        var partition = RunKeys.Partition(run.OwnerId, run.ThreadId);
        var rowKey = RunKeys.Row(run.RunId);
        await _creation.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            var (queue, entity) = await ReadQueueAndRunAsync(partition, rowKey, cancellationToken).ConfigureAwait(false);
            if (entity?.ToRun() is not { Status: RunStatus.Running, LeaseExpiresAt: { } expires } stored || expires >= leaseExpiredBefore)
            {
                return null; // ended, deleted, or held again (its executor renewed, or another took it over)
            }

            var failed = stored with { Status = RunStatus.Error, Error = errorMessage, UpdatedAt = Now(), LeaseOwner = null, LeaseExpiresAt = null };
            try
            {
                // Conditional on the row as read here, lease and all: a renewal in between makes this a lost race, and the next read sees it held.
                return await EndAsync(failed, entity.ETag, partition, rowKey, queue, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (IsLostRace(ex))
            {
                await BackoffAsync(attempt, run.RunId, ex, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async Task<int> DeleteThreadRunsAsync(string ownerId, string threadId, CancellationToken cancellationToken = default)
    {
        var partition = RunKeys.Partition(ownerId, threadId);
        await _creation.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        return await _table.DeleteEntitiesAsync(TableClient.CreateQueryFilter($"PartitionKey eq {partition}"), cancellationToken).ConfigureAwait(false);
    }
}
