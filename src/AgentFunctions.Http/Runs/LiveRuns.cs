using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using AgentFunctions.Core.RunEvents;
using AgentFunctions.Core.Runs;

namespace AgentFunctions.Http.Runs;

/// <summary>
/// The runs this instance is streaming or waiting on right now, so that a client can join one whose
/// events are not persisted (as on LangGraph, it gets the events from the moment it joins) and a
/// <c>join</c> or <c>cancel?wait=true</c> learns the end without polling storage.
/// </summary>
public sealed class LiveRuns
{
    private readonly ConcurrentDictionary<string, LiveRun> _runs = new(StringComparer.Ordinal);

    /// <summary>Registers a run as it starts here; dispose the result when its request ends.</summary>
    public LiveRun Register(string runId, Task<AgentRun?> completion)
    {
        var live = new LiveRun(this, runId, completion);
        _runs[runId] = live;
        return live;
    }

    /// <summary>The run, when it is live here.</summary>
    public LiveRun? Find(string runId) => _runs.TryGetValue(runId, out var live) ? live : null;

    internal void Remove(LiveRun live) => _runs.TryRemove(new KeyValuePair<string, LiveRun>(live.RunId, live));
}

/// <summary>A run live here: its end, and its events relayed to whoever joins.</summary>
public sealed class LiveRun : IDisposable
{
    private readonly LiveRuns _owner;
    private readonly Lock _gate = new();
    private readonly List<Channel<RunEvent>> _joiners = [];
    private bool _ended;

    internal LiveRun(LiveRuns owner, string runId, Task<AgentRun?> completion)
    {
        _owner = owner;
        RunId = runId;
        Completion = completion;
    }

    public string RunId { get; }

    /// <summary>The ended run (null when it was not this instance's to run).</summary>
    public Task<AgentRun?> Completion { get; }

    /// <summary>
    /// Passes the run's own events through, handing each to the joiners too. When they end, waits for
    /// the run's end, so a failure of the executor surfaces here (the SSE writer turns it into an error event).
    /// </summary>
    public async IAsyncEnumerable<RunEvent> RelayAsync(IAsyncEnumerable<RunEvent> events, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        await foreach (var runEvent in events.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            lock (_gate)
            {
                foreach (var joiner in _joiners)
                {
                    joiner.Writer.TryWrite(runEvent);
                }
            }

            yield return runEvent;
        }

        await Completion.ConfigureAwait(false);
    }

    /// <summary>The events from now on, until the run's stream here ends; null when it already has.</summary>
    public ChannelReader<RunEvent>? Join()
    {
        lock (_gate)
        {
            if (_ended)
            {
                return null;
            }

            var channel = Channel.CreateUnbounded<RunEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
            _joiners.Add(channel);
            return channel.Reader;
        }
    }

    /// <summary>A joiner that went away: its events are no longer kept.</summary>
    public void Leave(ChannelReader<RunEvent> reader)
    {
        lock (_gate)
        {
            _joiners.RemoveAll(c => c.Reader == reader);
        }
    }

    /// <summary>Stops relaying: joiners' streams end, and the run is no longer found here.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _ended = true;
            foreach (var joiner in _joiners)
            {
                joiner.Writer.TryComplete();
            }

            _joiners.Clear();
        }

        _owner.Remove(this);
    }
}
