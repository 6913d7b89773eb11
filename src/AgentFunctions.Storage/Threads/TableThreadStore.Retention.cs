using AgentFunctions.Core.Compaction;
using AgentFunctions.Core.Threads;
using AgentFunctions.Storage.Stores;
using AgentFunctions.Storage.Tables;
using Azure;

namespace AgentFunctions.Storage.Threads;

/// <summary>The retention sweep's view of the threads table: one scan across every owner's partition, filtered by the service.</summary>
public sealed partial class TableThreadStore : IThreadRetention
{
    public AsyncPageable<AgentThread> ListExpiredAsync(DateTimeOffset now, DateTimeOffset? idleBefore, CancellationToken cancellationToken = default)
    {
        var filter = TableFilter.Create($"ExpiresAt le {now}");
        if (idleBefore is { } before)
        {
            filter = $"({filter}) or ({TableFilter.Create($"UpdatedAt lt {before}")})";
        }

        return FilteredQuery.Create<ThreadEntity, AgentThread>(_table, [filter], entity => entity.ToThread(), _creation.EnsureCreatedAsync, cancellationToken);
    }
}
