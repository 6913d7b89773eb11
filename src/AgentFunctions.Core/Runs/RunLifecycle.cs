using System.Runtime.CompilerServices;
using System.Text.Json;
using AgentFunctions.Core.Compaction;
using AgentFunctions.Core.RunEvents;
using AgentFunctions.Core.Stores;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFunctions.Core.Runs;

/// <summary>
/// A run's life after it was created, the same for both hosts: waiting for its end, joining its events, cancelling it
/// when its client went away, and deleting a stateless run's temporary thread once it has ended. The HTTP handlers
/// parse, call these and write; they hold no lifecycle of their own.
/// </summary>
public sealed class RunLifecycle(IRunStore runs, IRunEventLog events, LiveRuns live, ThreadDeletion deletion, ILogger<RunLifecycle>? logger = null)
{
    private static readonly TimeSpan MaxEndPollInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long an ended run that is being rolled back is waited for to be deleted: as long as a run's lease lasts by
    /// default, the time after which its executor is taken to have died. An executor that lives deletes it well before,
    /// however busy its machine; this wait ends only the wait for one that died between the two writes.
    /// </summary>
    private static readonly TimeSpan RollbackDeleteGrace = TimeSpan.FromSeconds(30);

    private readonly ILogger _logger = logger ?? NullLogger<RunLifecycle>.Instance;

    /// <summary>The runs live on this instance.</summary>
    public LiveRuns Live => live;

    /// <summary>Whether the run's events are persisted (background and <c>stream_resumable</c> runs), so any instance can replay them.</summary>
    public static bool IsPersisted(AgentRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return run.Kwargs.ValueKind == JsonValueKind.Object && run.Kwargs.TryGetProperty("stream_resumable", out var resumable) && resumable.ValueKind == JsonValueKind.True;
    }

    /// <summary>
    /// Waits until the run has ended: at once from this instance when it runs here, else by reading its record. Null
    /// when it was deleted (rolled back). A running run asked to roll back is first ended (interrupted) by its executor,
    /// which then removes its writes and deletes it: that run has ended once it is gone (or after
    /// <see cref="RollbackDeleteGrace"/>, should the deletion not come), so <c>cancel?wait=1&amp;action=rollback</c>
    /// answers when the run is no longer there, as on LangGraph.
    /// </summary>
    public async Task<AgentRun?> WaitForEndAsync(AgentRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (live.Find(run.RunId) is { } liveRun)
        {
            await Task.WhenAny(liveRun.Completion).WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        var delay = TimeSpan.FromMilliseconds(100);
        long? rolledBackAt = null;
        while (true)
        {
            var current = await runs.GetAsync(run.OwnerId, run.ThreadId, run.RunId, cancellationToken).ConfigureAwait(false);
            if (current is null)
            {
                return null;
            }

            if (!current.IsActive)
            {
                if (current.CancelRequested != CancelAction.Rollback)
                {
                    return current;
                }

                rolledBackAt ??= Environment.TickCount64;
                if (TimeSpan.FromMilliseconds(Environment.TickCount64 - rolledBackAt.Value) >= RollbackDeleteGrace)
                {
                    return current;
                }

                delay = TimeSpan.FromMilliseconds(50);
            }

            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxEndPollInterval.Ticks));
        }
    }

    /// <summary>
    /// A run's events for a joiner, after <paramref name="after"/>: a run whose events are persisted is replayed, then
    /// followed to its end. Otherwise, as on LangGraph, the joiner gets the events from the moment it joins when the run
    /// is live on this instance; else nothing, and the events end when the run does (at once for an ended run).
    /// </summary>
    public IAsyncEnumerable<RunEvent> JoinEventsAsync(AgentRun run, long after, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (IsPersisted(run))
        {
            return FollowPersistedAsync(run, after, cancellationToken);
        }

        if (live.Find(run.RunId) is { } liveRun)
        {
            return liveRun.Join(after, cancellationToken);
        }

        return run.IsActive ? NothingUntilEndAsync(run, cancellationToken) : AsyncEnumerable.Empty<RunEvent>();
    }

    /// <summary>Asks the run to stop (interrupt) because its client went away; a failure is logged, not thrown.</summary>
    public async Task CancelAfterDisconnectAsync(AgentRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        try
        {
            await runs.RequestCancelAsync(run.OwnerId, run.ThreadId, run.RunId, CancelAction.Interrupt, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is StoreConflictException or Azure.RequestFailedException)
        {
            _logger.DisconnectCancelFailed(run.RunId, e);
        }
    }

    /// <summary>
    /// Deletes a stateless run's temporary thread, with its runs, their events and its checkpoints (through
    /// <see cref="ThreadDeletion"/>), once the run has ended. A failure is logged, not thrown: the thread was never the
    /// client's to see.
    /// </summary>
    public async Task DeleteTemporaryThreadAsync(AgentRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        try
        {
            if (await deletion.DeleteAsync(run.OwnerId, run.ThreadId, expectedETag: null, CancellationToken.None).ConfigureAwait(false) == ThreadDeletionOutcome.Kept)
            {
                _logger.TemporaryThreadKept(run.ThreadId);
            }
        }
        catch (Exception e) when (e is StoreConflictException or Azure.RequestFailedException)
        {
            _logger.TemporaryThreadNotDeleted(run.ThreadId, e);
        }
    }

    /// <summary>
    /// The persisted events after <paramref name="after"/>: followed while the run is active, then the rest of
    /// the log read to its end. A run that ends without having run (cancelled while it waited for its turn)
    /// has no log to complete; its record says it ended, which stops the following.
    /// </summary>
    private async IAsyncEnumerable<RunEvent> FollowPersistedAsync(AgentRun run, long after, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var last = after;
        if (run.IsActive)
        {
            using var ended = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var watch = CancelWhenEndedAsync(run, ended);
            var follow = events.FollowAsync(run.RunId, after, ended.Token).GetAsyncEnumerator(ended.Token);
            try
            {
                while (true)
                {
                    bool more;
                    try
                    {
                        more = await follow.MoveNextAsync().ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (ended.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                    {
                        break;
                    }

                    if (!more)
                    {
                        break;
                    }

                    last = follow.Current.Sequence;
                    yield return follow.Current;
                }
            }
            finally
            {
                await ended.CancelAsync().ConfigureAwait(false);
                await follow.DisposeAsync().ConfigureAwait(false);
                await watch.ConfigureAwait(false);
            }
        }

        await foreach (var runEvent in events.ReadAsync(run.RunId, last, cancellationToken).ConfigureAwait(false))
        {
            yield return runEvent;
        }
    }

    private async Task CancelWhenEndedAsync(AgentRun run, CancellationTokenSource ended)
    {
        try
        {
            await WaitForEndAsync(run, ended.Token).ConfigureAwait(false);
            await ended.CancelAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ended.IsCancellationRequested)
        {
        }
        catch (Azure.RequestFailedException e)
        {
            // Storage did not answer: keep following the log, which ends with the run anyway.
            _logger.EndWatchFailed(run.RunId, e);
        }
    }

    private async IAsyncEnumerable<RunEvent> NothingUntilEndAsync(AgentRun run, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await WaitForEndAsync(run, cancellationToken).ConfigureAwait(false);
        yield break;
    }
}
