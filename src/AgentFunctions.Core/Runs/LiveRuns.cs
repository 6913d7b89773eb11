using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using AgentFunctions.Core.RunEvents;

namespace AgentFunctions.Core.Runs;

/// <summary>
/// The runs this instance is streaming or waiting on right now, so that a client can join one whose
/// events are not persisted (as on LangGraph, it gets the events from the moment it joins) and a
/// <c>join</c> or <c>cancel?wait=true</c> learns the end without polling storage.
/// </summary>
public sealed class LiveRuns
{
    private readonly ConcurrentDictionary<string, LiveRun> _runs = new(StringComparer.Ordinal);

    /// <summary>Registers a run as it starts here; dispose the result when its request ends.</summary>
    public LiveRun Register(RunHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        var live = new LiveRun(this, handle);
        _runs[handle.RunId] = live;
        return live;
    }

    /// <summary>The run, when it is live here.</summary>
    public LiveRun? Find(string runId) => _runs.TryGetValue(runId, out var live) ? live : null;

    internal void Remove(LiveRun live) => _runs.TryRemove(new KeyValuePair<string, LiveRun>(live.RunId, live));
}

/// <summary>
/// A run live here: its end, and its events for whoever joins. Every reader (the run's own request and each joiner)
/// has its own place in the run's events, which the run holds within a bounded buffer; a reader that falls behind
/// reads on from the run's event log (see <see cref="RunHandle"/>), so none of them grows this instance's memory.
/// </summary>
public sealed class LiveRun : IDisposable
{
    private readonly LiveRuns _owner;
    private readonly RunHandle _handle;

    internal LiveRun(LiveRuns owner, RunHandle handle)
    {
        _owner = owner;
        _handle = handle;
    }

    public string RunId => _handle.RunId;

    /// <summary>The ended run (null when it was not this instance's to run).</summary>
    public Task<AgentRun?> Completion => _handle.Completion;

    /// <summary>
    /// Passes the run's own events through. When they end, waits for the run's end, so a failure of the executor
    /// surfaces here (the SSE writer turns it into an error event).
    /// </summary>
    public async IAsyncEnumerable<RunEvent> RelayAsync(IAsyncEnumerable<RunEvent> events, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        await foreach (var runEvent in events.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            yield return runEvent;
        }

        await Completion.ConfigureAwait(false);
    }

    /// <summary>The events after <paramref name="afterSequence"/> from now on, until the run ends (nothing when it has).</summary>
    public IAsyncEnumerable<RunEvent> Join(long afterSequence, CancellationToken cancellationToken) => _handle.JoinEventsAsync(afterSequence, cancellationToken);

    /// <summary>The run's request has ended: the run is no longer found here (joiners already in follow it to its end).</summary>
    public void Dispose() => _owner.Remove(this);
}
