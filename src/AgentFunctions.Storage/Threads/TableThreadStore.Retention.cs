using AgentFunctions.Core.Compaction;
using AgentFunctions.Core.Threads;
using AgentFunctions.Storage.Stores;
using Azure;
using Azure.Data.Tables;

namespace AgentFunctions.Storage.Threads;

/// <summary>The retention sweep's view of the threads table: one scan across every owner's partition, filtered by the service.</summary>
public sealed partial class TableThreadStore : IThreadRetention
{
    public AsyncPageable<AgentThread> ListExpiredAsync(DateTimeOffset now, DateTimeOffset? idleBefore, CancellationToken cancellationToken = default)
    {
        var filter = TableClient.CreateQueryFilter($"ExpiresAt le {now}");
        if (idleBefore is { } before)
        {
            filter = $"({filter}) or ({TableClient.CreateQueryFilter($"UpdatedAt lt {before}")})";
        }

        return FilteredQuery.Create<ThreadEntity, AgentThread>(_table, [filter], entity => entity.ToThread(), _creation.EnsureCreatedAsync, cancellationToken);
    }
}
