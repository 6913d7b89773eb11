using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Threads;
using Azure;

namespace AgentFunctions.Core.Compaction;

/// <summary>The threads the retention sweep looks at: a scan across every owner (not a hot path: it runs on a timer).</summary>
public interface IThreadRetention
{
    /// <summary>
    /// Threads whose own expiry time has passed by <paramref name="now"/>, and, when <paramref name="idleBefore"/>
    /// is given, threads last updated before it; every owner's; lazy.
    /// </summary>
    AsyncPageable<AgentThread> ListExpiredAsync(DateTimeOffset now, DateTimeOffset? idleBefore, CancellationToken cancellationToken = default);
}

/// <summary>Runs as the retention sweep and thread deletion see them.</summary>
public interface IRunRetention
{
    /// <summary>Running runs whose lease expired before <paramref name="leaseExpiredBefore"/>, every owner's and thread's; lazy.</summary>
    AsyncPageable<AgentRun> ListAbandonedAsync(DateTimeOffset leaseExpiredBefore, CancellationToken cancellationToken = default);

    /// <summary>
    /// Ends <paramref name="run"/> as an error and takes it off its thread's queue, when it is still running
    /// under a lease that expired before <paramref name="leaseExpiredBefore"/> (checked on the row it
    /// writes, so a run whose executor came back is left alone). The ended run, or null.
    /// </summary>
    Task<AgentRun?> FailAbandonedAsync(AgentRun run, DateTimeOffset leaseExpiredBefore, string errorMessage, CancellationToken cancellationToken = default);

    /// <summary>Deletes every run of a thread and its queue, in transactions of up to 100; returns how many rows went.</summary>
    Task<int> DeleteThreadRunsAsync(string ownerId, string threadId, CancellationToken cancellationToken = default);
}
