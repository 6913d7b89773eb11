using System.Diagnostics;
using System.Runtime.CompilerServices;
using AgentFunctions.Core.Assistants;
using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.Graphs;
using AgentFunctions.Core.RunEvents;
using AgentFunctions.Core.Runtime;
using AgentFunctions.Core.Stores;
using AgentFunctions.Core.Telemetry;
using AgentFunctions.Core.Threads;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFunctions.Core.Runs;

/// <summary>How runs are held and watched while they execute.</summary>
public sealed class RunExecutorOptions
{
    public const string SectionName = "Runs";

    /// <summary>How long a run stays held by its executor without a renewal; a run whose executor died is taken over after this.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a running run's record is read for a cancellation request (and its lease renewed when due).</summary>
    public TimeSpan CancelPollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest wait between two checks whether a queued run's turn has come.</summary>
    public TimeSpan MaxTurnPollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The most memory, in bytes, a run's newest events take while held for the consumers that follow it live (at
    /// least the newest event is held; an event takes about twice its JSON, and 256 bytes more), whatever the number of consumers. The run never waits for a consumer: one that
    /// falls further behind continues from the run's event log at its own pace, and follows live again once it has
    /// caught up; a run whose events are not persisted starts writing its log then, from the first event that consumer
    /// has not read.
    /// </summary>
    public int LiveEventBufferBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// How long the writes that end a run (its final status, its thread's status, its last events) are retried while
    /// storage is away, before the run is left for the sweeps; reads that watch a run (its cancel checks, lease renewals
    /// and turn waits) are retried for as long, so that a brief outage does not change how a run ends.
    /// </summary>
    public TimeSpan EndRetryTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How often the lease sweep ends, as errors, the streamed runs whose process died (their lease expired): the
    /// longest a thread stays busy after its streamed run's process died is about <see cref="LeaseDuration"/> plus this.
    /// </summary>
    public TimeSpan LeaseSweepInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a background run's queue message stays hidden while a process runs it (renewed while it runs): when
    /// that process dies, the message is delivered again after this, and the run is taken over from its last checkpoint.
    /// Keep it above <see cref="LeaseDuration"/>, so that the run's lease has expired when the message comes back.
    /// </summary>
    public TimeSpan QueueVisibilityTimeout { get; set; } = TimeSpan.FromMinutes(2);
}

/// <summary>
/// Executes runs: waits for a run's turn on its thread, takes it (a lease), marks the thread busy,
/// runs the graph, persists the events when asked, watches for cancellation (from any instance, by
/// the run's record), and records how the run ended on the run and the thread. The run goes on in
/// the background of the caller: a consumer that stops reading cancels it only when asked to.
/// </summary>
public sealed class RunExecutor
{
    private readonly IRunStore _runs;
    private readonly IThreadStore _threads;
    private readonly IAssistantStore _assistants;
    private readonly ICheckpointStore _checkpoints;
    private readonly IRunEventLog _eventLog;
    private readonly GraphRegistry _graphs;
    private readonly RunExecutorOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public RunExecutor(
        IRunStore runs, IThreadStore threads, IAssistantStore assistants, ICheckpointStore checkpoints, IRunEventLog eventLog, GraphRegistry graphs,
        RunExecutorOptions? options = null, TimeProvider? time = null, ILogger<RunExecutor>? logger = null, IRunCompletionObserver? completionObserver = null)
    {
        CompletionObserver = completionObserver;
        _runs = runs;
        _threads = threads;
        _assistants = assistants;
        _checkpoints = checkpoints;
        _eventLog = eventLog;
        _graphs = graphs;
        _options = options ?? new RunExecutorOptions();
        _time = time ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.LiveEventBufferBytes, 1, nameof(RunExecutorOptions.LiveEventBufferBytes));
        ExecutorId = $"{Environment.ProcessId}-{Guid.NewGuid():N}";
    }

    /// <summary>This executor's name on the runs it holds.</summary>
    public string ExecutorId { get; }

    /// <summary>How long a run stays held by this executor without a renewal (<see cref="RunExecutorOptions.LeaseDuration"/>): the lease of a run created held (<see cref="IRunStore.CreateHeldAsync"/>).</summary>
    public TimeSpan LeaseDuration => _options.LeaseDuration;

    /// <summary>Told when each run this executor ends has reached its final status (compaction's trigger); null for none.</summary>
    public IRunCompletionObserver? CompletionObserver { get; init; }

    /// <summary>
    /// Starts executing <paramref name="run"/>. Read <see cref="RunHandle.ReadEventsAsync"/> to follow it live;
    /// await <see cref="RunHandle.Completion"/> for the ended run (null when another executor has it,
    /// or it had already ended).
    /// </summary>
    /// <param name="run">The run, as created.</param>
    /// <param name="persistEvents">
    /// Write the events to the event log from the first (background and resumable runs), so any instance can join;
    /// otherwise the log is written only from the moment a consumer falls behind the events held in memory.
    /// </param>
    /// <param name="queuedBy">The span that queued a background run: the run's span links to it.</param>
    /// <param name="thread">
    /// The run's thread as its creator last read it (with its ETag), when known: the write that marks it busy is
    /// conditional on it, without reading it again. Null: the thread is read.
    /// </param>
    public RunHandle Start(AgentRun run, bool persistEvents, ActivityContext queuedBy = default, AgentThread? thread = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        var handle = new RunHandle(run.RunId, new LiveRunEvents(_options.LiveEventBufferBytes), _eventLog, _time, _logger);
        handle.Completion = Task.Run(() => ExecuteAsync(run, persistEvents, handle, queuedBy, thread));
        return handle;
    }

    private async Task<AgentRun?> ExecuteAsync(AgentRun run, bool persistEvents, RunHandle handle, ActivityContext queuedBy, AgentThread? thread)
    {
        using var telemetry = RunTelemetry.Start(run, queuedBy);
        var stop = handle.Stop;
        AgentRun? held = null;
        try
        {
            held = await AcquireAsync(run, stop.Token).ConfigureAwait(false);
            if (held is null)
            {
                // Ended before its turn came (cancelled while pending), deleted, or another executor's: a stream that
                // waited for it still gets its metadata, then its end.
                handle.Events.Publish(Metadata(run), persisted: false);
                telemetry.Ended(null);
                return null;
            }

            telemetry.Held(held);
            var ended = await RunHeldAsync(held, persistEvents, handle, stop, telemetry, thread).ConfigureAwait(false);
            telemetry.Ended(ended.Status);
            return ended;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested && held is null)
        {
            // Stopped while waiting for its turn: the run stays queued for whoever takes it.
            telemetry.Ended(null);
            return null;
        }
        catch (Exception e)
        {
            _logger.RunFailed(run.RunId, run.ThreadId, e);
            telemetry.Ended(RunStatus.Error, e);
            if (held is not null)
            {
                return await EndAsync(held, RunStatus.Error, "The run failed.", cancelled: false, CancellationToken.None).ConfigureAwait(false);
            }

            throw;
        }
        finally
        {
            handle.EventsEnded();
            handle.Events.Complete();
        }
    }

    private async Task<AgentRun> RunHeldAsync(
        AgentRun held, bool persistEvents, RunHandle handle, CancellationTokenSource stop, RunTelemetry telemetry, AgentThread? thread)
    {
        var options = RunOptions.Parse(held.Kwargs);
        var (graph, settings) = await RetryAsync(ct => SettingsAsync(held, options, ct), held.RunId, "read its assistant", stop.Token).ConfigureAwait(false);
        var resume = held.Attempt > 1 ? await RetryAsync(ct => ResumeAsync(held, persistEvents, ct), held.RunId, "find where it stopped", stop.Token).ConfigureAwait(false) : null;

        // While the run's first event goes out: the thread's latest checkpoint is read (the graph starts from it, a
        // rollback returns to it), and the thread is marked busy and labelled with the run's graph and assistant, in one
        // write. The mark is awaited before the run's second event, and always before its end is recorded.
        var latest = resume is null && options.CheckpointId is null
            ? RetryAsync(ct => _checkpoints.GetLatestAsync(held.OwnerId, held.ThreadId, ct), held.RunId, "read its thread's state", stop.Token)
            : null;
        var marking = RetryAsync(
            ct => _threads.StartRunAsync(held.OwnerId, held.ThreadId, graph.Id, held.AssistantId, held.Attempt == 1 ? thread : null, ct),
            held.RunId,
            "mark its thread busy",
            stop.Token);
        _logger.RunStarted(held.RunId, held.ThreadId, held.Attempt);
        if (resume is not null)
        {
            _logger.RunResumed(held.RunId, held.Attempt, resume.InputApplied, resume.FirstEventSequence);
            persistEvents = persistEvents && !resume.LogCompleted;
        }

        var inputApplied = resume?.InputApplied == true;
        using var scope = RunScope.Enter(new RunScope(held.OwnerId, held.ThreadId, held.RunId)); // for tools acting for the owner (the memory tools)
        var execution = graph.Run(new RunRequest
        {
            OwnerId = held.OwnerId,
            ThreadId = held.ThreadId,
            RunId = held.RunId,
            AssistantId = held.AssistantId,
            GraphId = graph.Id,
            Input = inputApplied ? null : options.ToStateUpdate(),
            Resume = options.Resume,
            Goto = inputApplied ? null : options.Goto,
            CheckpointId = inputApplied ? null : options.CheckpointId,
            FirstEventSequence = resume?.FirstEventSequence ?? 0,
            LatestCheckpoint = latest,
            Settings = settings,
            StreamModes = options.StreamModes.ToHashSet(),
            InterruptBefore = options.InterruptBefore,
            InterruptAfter = options.InterruptAfter,
            Metadata = held.Metadata,
            Attempt = held.Attempt,
        });

        var watch = WatchAsync(held, handle, stop);
        var markingSeen = false;
        var log = new EventLogWriting(_eventLog, held.RunId, persistEvents, _logger, this, handle);
        try
        {
            await foreach (var runEvent in execution.Events.WithCancellation(stop.Token).ConfigureAwait(false))
            {
                telemetry.Event();
                await log.AppendAsync(runEvent).ConfigureAwait(false);
                if (handle.Events.Publish(runEvent, log.IsWriting) is { } fellBehind)
                {
                    // A consumer fell behind what is held in memory: it reads on from the log, written from its next event on.
                    _logger.PersistingForSlowConsumer(held.RunId, fellBehind[0].Sequence);
                    await log.StartAsync(fellBehind).ConfigureAwait(false);
                }

                if (!markingSeen)
                {
                    await marking.ConfigureAwait(false);
                    markingSeen = true;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Cancelled by a request on the run or by a consumer that went away: the outcome says interrupted.
        }
        finally
        {
            // Stored before the run's final status is written: whoever reads the run as ended finds all its events.
            await log.FlushAsync().ConfigureAwait(false);
            await stop.CancelAsync().ConfigureAwait(false);
            await watch.ConfigureAwait(false);
        }

        // The busy mark is written (or given up, when the run was stopped first) before the run's end writes the thread's status.
        await WhenStoppedOrDoneAsync(marking, stop).ConfigureAwait(false);
        await WhenStoppedOrDoneAsync(latest, stop).ConfigureAwait(false);
        var marked = marking.IsCompletedSuccessfully ? marking.Result : null;
        var startCheckpoint = resume is not null ? resume.StartCheckpoint
            : options.CheckpointId is { } from ? from
            : latest!.IsCompletedSuccessfully ? latest.Result?.CheckpointId
            : null;
        try
        {
            // A rollback returns to where the run started; a run that never learnt its thread's latest checkpoint wrote none.
            var rollbackTo = startCheckpoint is not null || latest is null || latest.IsCompletedSuccessfully ? new RollbackPoint(startCheckpoint) : null;
            return await EndHeldAsync(held, execution, handle, rollbackTo, marked).ConfigureAwait(false);
        }
        finally
        {
            // Marked complete only once the status is written: a follower that reaches the log's end reads the run as ended.
            // The events are stored already, so a failure here loses none (joiners stop at the run's status): it is logged.
            try
            {
                await log.CompleteAsync().ConfigureAwait(false);
            }
            catch (Exception e)
            {
                _logger.EventLogNotCompleted(held.RunId, e);
            }
        }
    }

    /// <summary>Awaits a task the run started, unless it was cancelled because the run was stopped; other failures are thrown.</summary>
    private static async Task WhenStoppedOrDoneAsync(Task? task, CancellationTokenSource stop)
    {
        if (task is null)
        {
            return;
        }

        try
        {
            await task.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>Where a rollback of the run returns to: after <see cref="CheckpointId"/> (null: the thread had none).</summary>
    private sealed record RollbackPoint(string? CheckpointId);

    private async Task<AgentRun> EndHeldAsync(AgentRun held, RunExecution execution, RunHandle handle, RollbackPoint? rollbackTo, AgentThread? thread)
    {
        var outcome = execution.HasEnded ? execution.Outcome : new RunOutcome(RunStatus.Interrupted, "The run was cancelled.");
        if (outcome.Exception is { } failure)
        {
            _logger.RunFailed(held.RunId, held.ThreadId, failure);
        }

        var cancel = handle.EventsEnded();
        if (cancel == CancelAction.Rollback && rollbackTo is not null)
        {
            var removed = await RetryAsync(ct => _checkpoints.DeleteAfterAsync(held.OwnerId, held.ThreadId, rollbackTo.CheckpointId, ct), held.RunId, "roll back", CancellationToken.None).ConfigureAwait(false);
            _logger.RolledBack(held.RunId, removed);
        }

        var status = cancel is not null ? RunStatus.Interrupted : outcome.Status;
        var ended = await EndAsync(held, status, status == RunStatus.Error ? outcome.Error : null, cancelled: cancel is not null, CancellationToken.None, thread, outcome.LastCheckpointId).ConfigureAwait(false);
        if (cancel == CancelAction.Rollback)
        {
            await RetryAsync(ct => _runs.DeleteAsync(held.OwnerId, held.ThreadId, held.RunId, ct), held.RunId, "delete the rolled-back run", CancellationToken.None).ConfigureAwait(false);
        }

        _logger.RunEnded(held.RunId, held.ThreadId, status);
        return ended;
    }

    /// <summary>Waits for the run's turn and takes it; null when it is not this executor's to run.</summary>
    private async Task<AgentRun?> AcquireAsync(AgentRun run, CancellationToken cancellationToken)
    {
        if (run is { Status: RunStatus.Running, Attempt: 1 } && run.LeaseOwner == ExecutorId && run.ETag != default)
        {
            return run; // created held for this executor (IRunStore.CreateHeldAsync): taken already
        }

        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            var held = await RetryAsync(ct => _runs.TryAcquireAsync(run.OwnerId, run.ThreadId, run.RunId, ExecutorId, _options.LeaseDuration, ct), run.RunId, "take its turn", cancellationToken).ConfigureAwait(false);
            if (held is not null)
            {
                return held;
            }

            var current = await RetryAsync(ct => _runs.GetAsync(run.OwnerId, run.ThreadId, run.RunId, ct), run.RunId, "wait for its turn", cancellationToken).ConfigureAwait(false);
            if (current is null || !current.IsActive || (current.Status == RunStatus.Running && current.LeaseExpiresAt > _time.GetUtcNow()))
            {
                return null; // ended, deleted, or running elsewhere
            }

            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxTurnPollInterval.Ticks));
        }
    }

    /// <summary>While the run runs: reads its record for a cancellation request and renews its lease in time.</summary>
    private async Task WatchAsync(AgentRun held, RunHandle handle, CancellationTokenSource stop)
    {
        var current = held;
        var renewAt = _time.GetUtcNow() + (_options.LeaseDuration / 3);
        DateTimeOffset? failingSince = null;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                // The run's end stops the wait without an exception (it ends nearly every run's watch).
                await Task.Delay(_options.CancelPollInterval, _time, stop.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (stop.IsCancellationRequested)
                {
                    break;
                }

                try
                {
                    if (_time.GetUtcNow() >= renewAt)
                    {
                        current = await _runs.RenewLeaseAsync(current, _options.LeaseDuration, stop.Token).ConfigureAwait(false);
                        renewAt = _time.GetUtcNow() + (_options.LeaseDuration / 3);
                    }
                    else
                    {
                        current = await _runs.GetAsync(held.OwnerId, held.ThreadId, held.RunId, stop.Token).ConfigureAwait(false) ?? current;
                    }

                    if (failingSince is not null)
                    {
                        _logger.WatchRecovered(held.RunId);
                        failingSince = null;
                    }
                }
                catch (Exception e) when (StorageUnavailableException.IsTransient(e) && !stop.IsCancellationRequested)
                {
                    // Storage is away: the run goes on, and the next poll tries again (a due renewal at once, not a third
                    // of a lease later). How the run ends is decided by the run, not by a read that failed.
                    if (failingSince is null)
                    {
                        failingSince = _time.GetUtcNow();
                        _logger.WatchFailing(held.RunId, e);
                    }

                    continue;
                }

                if (current.CancelRequested is { } action)
                {
                    _logger.CancelObserved(held.RunId, action);
                    handle.Cancelled(action);
                    await stop.CancelAsync().ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (StoreConflictException e)
        {
            // The lease was lost (another executor took the run over): stop here.
            _logger.LeaseLost(held.RunId, e);
            await stop.CancelAsync().ConfigureAwait(false);
        }
    }

    // cancelled: the run was stopped here (a consumer went away), not at an interrupt, so the thread is left idle, not interrupted.
    // thread: the thread as the run last wrote it, when known: its status is written without reading it again.
    private async Task<AgentRun> EndAsync(AgentRun held, RunStatus status, string? error, bool cancelled, CancellationToken cancellationToken, AgentThread? thread = null, string? lastCheckpointId = null)
    {
        var (ended, next) = await RetryAsync(ct => _runs.CompleteAndFindNextAsync(held, status, error, ct), held.RunId, "record how it ended", cancellationToken).ConfigureAwait(false);
        var threadStatus = next ? ThreadStatus.Busy : status switch
        {
            RunStatus.Error or RunStatus.Timeout => ThreadStatus.Error,
            RunStatus.Interrupted when error is null && ended.CancelRequested is null && !cancelled => ThreadStatus.Interrupted,
            _ => ThreadStatus.Idle,
        };
        await RetryAsync(ct => _threads.ChangeAsync(held.OwnerId, held.ThreadId, t => t.Status == threadStatus ? null : t with { Status = threadStatus }, thread, ct), held.RunId, "record its thread's status", cancellationToken).ConfigureAwait(false);
        await NotifyEndedAsync(ended, lastCheckpointId).ConfigureAwait(false);
        return ended;
    }

    private async Task NotifyEndedAsync(AgentRun ended, string? lastCheckpointId)
    {
        try
        {
            await (CompletionObserver?.RunEndedAsync(ended, lastCheckpointId, CancellationToken.None) ?? Task.CompletedTask).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _logger.ObserverFailed(ended.RunId, e);
        }
    }

    /// <summary>
    /// Runs a storage call of the run, again while storage is away (<see cref="StorageUnavailableException.IsTransient"/>),
    /// for up to <see cref="RunExecutorOptions.EndRetryTimeout"/>, backing off from 250 ms to 5 s; then the failure is thrown.
    /// </summary>
    private async Task<T> RetryAsync<T>(Func<CancellationToken, Task<T>> operation, string runId, string what, CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow() + _options.EndRetryTimeout;
        var wait = TimeSpan.FromMilliseconds(250);
        var tries = 0;
        while (true)
        {
            try
            {
                var result = await operation(cancellationToken).ConfigureAwait(false);
                if (tries > 0)
                {
                    _logger.StorageBack(runId, what, tries);
                }

                return result;
            }
            catch (Exception e) when (StorageUnavailableException.IsTransient(e) && !cancellationToken.IsCancellationRequested && _time.GetUtcNow() + wait < deadline)
            {
                if (tries++ == 0)
                {
                    _logger.StorageAway(runId, what, e);
                }

                await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
                wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    private async Task RetryAsync(Func<CancellationToken, ValueTask> operation, string runId, string what, CancellationToken cancellationToken)
        => await RetryAsync(async ct => { await operation(ct).ConfigureAwait(false); return true; }, runId, what, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Where a run taken over (a redelivered background run, attempt 2 or later) goes on from: when the thread's newest
    /// checkpoints are this run's, its input was applied, and it continues from the newest without applying it again
    /// (an input checkpoint alone, which records the input without applying it, is removed, and the input applied anew);
    /// its events go on after the last one in its log.
    /// </summary>
    private async Task<Resume> ResumeAsync(AgentRun held, bool persistEvents, CancellationToken cancellationToken)
    {
        var end = persistEvents ? await _eventLog.GetEndAsync(held.RunId, cancellationToken).ConfigureAwait(false) : new RunEventLogEnd(0, false);
        CheckpointSummary? newest = null;
        CheckpointSummary? oldest = null;
        string? before = null;
        await foreach (var summary in _checkpoints.GetCheckpointSummariesAsync(held.OwnerId, held.ThreadId, pageSizeHint: 20, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (!IsOf(summary, held.RunId))
            {
                before = summary.CheckpointId;
                break;
            }

            newest ??= summary;
            oldest = summary;
        }

        if (newest is null)
        {
            return new Resume(InputApplied: false, before, end.NextSequence, end.IsCompleted);
        }

        if (newest.Source == CheckpointSource.Input && ReferenceEquals(newest, oldest))
        {
            await _checkpoints.DeleteAfterAsync(held.OwnerId, held.ThreadId, newest.ParentCheckpointId, cancellationToken).ConfigureAwait(false);
            return new Resume(InputApplied: false, newest.ParentCheckpointId, end.NextSequence, end.IsCompleted);
        }

        return new Resume(InputApplied: true, oldest!.ParentCheckpointId, end.NextSequence, end.IsCompleted);
    }

    private static bool IsOf(CheckpointSummary summary, string runId)
        => summary.Metadata.ValueKind == System.Text.Json.JsonValueKind.Object
            && summary.Metadata.TryGetProperty("run_id", out var id) && id.ValueKind == System.Text.Json.JsonValueKind.String && id.ValueEquals(runId);

    /// <summary>The <c>metadata</c> event of a run that did not run here (it ended before its turn came): its id and attempt.</summary>
    private static RunEvent Metadata(AgentRun run) => new(0, RunEvent.Metadata, WireJson.Build(w =>
    {
        w.WriteStartObject();
        w.WriteString("run_id", run.RunId);
        w.WriteNumber("attempt", Math.Max(run.Attempt, 1));
        w.WriteEndObject();
    }));

    private sealed record Resume(bool InputApplied, string? StartCheckpoint, long FirstEventSequence, bool LogCompleted);

    /// <summary>The run's graph (its assistant's, or the graph whose default assistant it names) and its settings: the graph's defaults, the assistant's config over them, the run's config over that.</summary>
    private async Task<(IAgentGraph Graph, AssistantSettings Settings)> SettingsAsync(AgentRun run, RunOptions options, CancellationToken cancellationToken)
    {
        if (_graphs.FindByDefaultAssistant(run.AssistantId) is { } graph)
        {
            return (graph, graph.Defaults.Merge(options.Config));
        }

        var assistant = await _assistants.GetAsync(run.OwnerId, run.AssistantId, cancellationToken).ConfigureAwait(false);
        if (assistant is null)
        {
            // Its assistant was deleted after the run was created: the run goes on with the first graph's defaults, as before.
            graph = _graphs.Graphs.Count > 0 ? _graphs.Graphs[0] : throw new InvalidOperationException("This deployment serves no graph.");
            return (graph, graph.Defaults.Merge(options.Config));
        }

        return _graphs.TryGet(assistant.GraphId, out graph)
            ? (graph, graph.Defaults.Merge(assistant.Config).Merge(options.Config))
            : throw new InvalidOperationException($"Assistant {assistant.AssistantId} runs graph '{assistant.GraphId}', which this deployment does not serve.");
    }

    /// <summary>
    /// A run's event log as its executor writes it: from the first event for a persisted run (a failure fails the run,
    /// as its log is what joiners read), or from the moment a consumer fell behind (a failure is logged, and the run
    /// goes on: only consumers that fell behind miss what could not be written).
    /// </summary>
    private sealed class EventLogWriting(IRunEventLog log, string runId, bool fromStart, ILogger logger, RunExecutor executor, RunHandle handle)
    {
        private IRunEventWriter? _writer = fromStart ? Opened(handle, log.OpenWriter(runId)) : null;
        private bool _failed;

        /// <summary>Whether the run's events are being written (or were, until a failure): no need to start.</summary>
        public bool IsWriting => _writer is not null || _failed;

        public async ValueTask AppendAsync(RunEvent runEvent)
        {
            if (_writer is null)
            {
                return;
            }

            if (fromStart)
            {
                // An append that throws a failed write has not buffered its event, and the failed write is kept for the next
                // flush: while storage is away, the same event is appended again.
                var writer = _writer;
                await executor.RetryAsync(ct => writer.AppendAsync(runEvent, ct), runId, "write its events", CancellationToken.None).ConfigureAwait(false);
                return;
            }

            try
            {
                await _writer.AppendAsync(runEvent, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                await FailAsync(e).ConfigureAwait(false);
            }
        }

        /// <summary>Starts writing the log with <paramref name="events"/> (the first one that a consumer has not read, and those after it).</summary>
        public async ValueTask StartAsync(IReadOnlyList<RunEvent> events)
        {
            _writer ??= Opened(handle, log.OpenWriter(runId));
            foreach (var runEvent in events)
            {
                await AppendAsync(runEvent).ConfigureAwait(false);
            }
        }

        /// <summary>Writes what is buffered, without marking the log complete.</summary>
        public async Task FlushAsync()
        {
            if (_writer is not { } writer)
            {
                return;
            }

            if (fromStart)
            {
                // The run's own log: its events are written through a storage outage, as its end is.
                await executor.RetryAsync(async ct => { await writer.FlushAsync(ct).ConfigureAwait(false); return true; }, runId, "write its last events", CancellationToken.None).ConfigureAwait(false);
                return;
            }

            try
            {
                await writer.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                await FailAsync(e).ConfigureAwait(false);
            }
        }

        /// <summary>Writes what is buffered and marks the log complete.</summary>
        public async Task CompleteAsync()
        {
            if (_writer is not { } writer)
            {
                return;
            }

            if (fromStart)
            {
                await executor.RetryAsync(async ct => { await writer.CompleteAsync(ct).ConfigureAwait(false); return true; }, runId, "write its last events", CancellationToken.None).ConfigureAwait(false);
                await writer.DisposeAsync().ConfigureAwait(false);
                return;
            }

            try
            {
                await writer.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
                await writer.DisposeAsync().ConfigureAwait(false);
                _writer = null;
            }
            catch (Exception e)
            {
                await FailAsync(e).ConfigureAwait(false);
            }
        }

        /// <summary>The run's consumers that fall behind read what <paramref name="writer"/> has stored by key.</summary>
        private static IRunEventWriter Opened(RunHandle handle, IRunEventWriter writer)
        {
            handle.LogWriter = writer;
            return writer;
        }

        private async Task FailAsync(Exception e)
        {
            logger.SlowConsumerLogFailed(runId, e);
            var writer = _writer;
            _writer = null;
            _failed = true;
            if (writer is null)
            {
                return;
            }

            try
            {
                await writer.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception again)
            {
                logger.SlowConsumerLogFailed(runId, again);
            }
        }
    }
}

/// <summary>
/// A run being executed: its live events, and its end. Its newest events are held in memory, within
/// <see cref="RunExecutorOptions.LiveEventBufferBytes"/>, for every consumer; a consumer that falls further behind
/// reads on from the run's event log and comes back to the live events once it has caught up, so it gets every event
/// once, in order, and the run never waits for it.
/// </summary>
public sealed class RunHandle
{
    private static readonly TimeSpan MinLogPollInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxLogPollInterval = TimeSpan.FromMilliseconds(500);

    private readonly LivePosition _own;
    private readonly IRunEventLog _log;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private CancelAction? _cancelAction;
    private bool _eventsEnded;
    private IRunEventWriter? _logWriter;

    internal RunHandle(string runId, LiveRunEvents events, IRunEventLog log, TimeProvider time, ILogger logger)
    {
        RunId = runId;
        Events = events;
        _own = events.FromStart();
        _log = log;
        _time = time;
        _logger = logger;
    }

    public string RunId { get; }

    /// <summary>The ended run; null when it was not this executor's to run.</summary>
    public Task<AgentRun?> Completion { get; internal set; } = Task.FromResult<AgentRun?>(null);

    /// <summary>
    /// Stops the run. Not disposed: it has no timer and no linked token, and a consumer that goes away after the run
    /// has ended may still look at it.
    /// </summary>
    internal CancellationTokenSource Stop { get; } = new();

    internal LiveRunEvents Events { get; }

    /// <summary>The writer of the run's log in this process, once it writes one: what a consumer that fell behind reads by key.</summary>
    internal IRunEventWriter? LogWriter
    {
        get => Volatile.Read(ref _logWriter);
        set => Volatile.Write(ref _logWriter, value);
    }

    /// <summary>
    /// The run's events as they happen, from the first. When <paramref name="cancellationToken"/> is cancelled (the client
    /// went away) while the run is running, the run is cancelled too, unless <paramref name="onDisconnect"/> is
    /// <see cref="DisconnectAction.Continue"/>: then it goes on, and only stops sending here. Once the run's events have
    /// ended, going away changes nothing.
    /// </summary>
    public async IAsyncEnumerable<RunEvent> ReadEventsAsync(DisconnectAction onDisconnect = DisconnectAction.Cancel, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        try
        {
            await foreach (var runEvent in FollowAsync(_own, cancellationToken).ConfigureAwait(false))
            {
                yield return runEvent;
            }
        }
        finally
        {
            Events.Remove(_own);
            if (cancellationToken.IsCancellationRequested && onDisconnect == DisconnectAction.Cancel && Cancelled(CancelAction.Interrupt))
            {
                await Stop.CancelAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The run's events from the moment of the first read on (those after <paramref name="afterSequence"/> only), as a
    /// joiner of a run whose events are not persisted gets them, until the run ends; nothing when it has. Going away
    /// does not cancel the run.
    /// </summary>
    public async IAsyncEnumerable<RunEvent> JoinEventsAsync(long afterSequence = -1, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (Events.FromNow(afterSequence) is not { } position)
        {
            yield break;
        }

        try
        {
            await foreach (var runEvent in FollowAsync(position, cancellationToken).ConfigureAwait(false))
            {
                yield return runEvent;
            }
        }
        finally
        {
            Events.Remove(position);
        }
    }

    /// <summary>Records how the run is asked to end, while its events go on; false once they have ended.</summary>
    internal bool Cancelled(CancelAction action)
    {
        lock (_gate)
        {
            if (_eventsEnded)
            {
                return false;
            }

            _cancelAction = action;
            return true;
        }
    }

    /// <summary>The run's events have ended (the executor's call): from now on no consumer changes how it ends. Returns how it was asked to end.</summary>
    internal CancelAction? EventsEnded()
    {
        lock (_gate)
        {
            _eventsEnded = true;
            return _cancelAction;
        }
    }

    private async IAsyncEnumerable<RunEvent> FollowAsync(LivePosition position, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var fellBehind = false;
        while (true)
        {
            var take = Events.TryTake(position, out var runEvent, out var changed);
            if (take == LiveTake.Event)
            {
                yield return runEvent!;
            }
            else if (take == LiveTake.Ended)
            {
                yield break;
            }
            else if (take == LiveTake.Wait)
            {
                await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                if (!fellBehind)
                {
                    fellBehind = true;
                    _logger.FellBehind(RunId, position.Delivered);
                }

                await foreach (var logged in CatchUpAsync(position, cancellationToken).ConfigureAwait(false))
                {
                    yield return logged;
                }
            }
        }
    }

    /// <summary>
    /// The events a consumer that fell behind has not had, from the log, until its next event is held in memory again.
    /// A page is one row of the log, so that a slow reader holds one segment at most. The rows this process's writer has
    /// stored are read by key (<see cref="IRunEventWriter.ReadWrittenAsync"/>); the log is queried only for what it does not know.
    /// </summary>
    private async IAsyncEnumerable<RunEvent> CatchUpAsync(LivePosition position, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var wait = MinLogPollInterval;
        while (true)
        {
            var ended = Events.IsCompleted;
            var found = false;
            await foreach (var page in ReadLogAsync(position.Delivered, cancellationToken).ConfigureAwait(false))
            {
                foreach (var runEvent in page)
                {
                    if (runEvent.Sequence != position.Delivered + 1)
                    {
                        throw new InvalidOperationException($"Run '{RunId}': the event log has event {runEvent.Sequence} after {position.Delivered}.");
                    }

                    found = true;
                    var caughtUp = Events.Delivered(position, runEvent.Sequence);
                    yield return runEvent;
                    if (caughtUp)
                    {
                        yield break;
                    }
                }
            }

            if (Events.IsCaughtUp(position))
            {
                yield break;
            }

            if (ended && !found)
            {
                // The run has ended and its log has no more: it could not be written (the executor logged why).
                throw new InvalidOperationException($"Run '{RunId}': the events after {position.Delivered} are neither held nor in the event log.");
            }

            wait = found ? MinLogPollInterval : TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, MaxLogPollInterval.Ticks));
            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The logged events after <paramref name="afterSequence"/>, a row at a time: by key while this process's writer knows
    /// the row that holds the next one, until it has stored no more; otherwise by a query of the log from there on.
    /// </summary>
    private async IAsyncEnumerable<IReadOnlyList<RunEvent>> ReadLogAsync(long afterSequence, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (LogWriter is { } writer && await writer.ReadWrittenAsync(afterSequence, cancellationToken).ConfigureAwait(false) is { } written)
        {
            if (written.Count == 0)
            {
                yield break;
            }

            yield return written;
            afterSequence = written[^1].Sequence;
        }

        await foreach (var page in _log.ReadAsync(RunId, afterSequence, cancellationToken).AsPages(null, 1).ConfigureAwait(false))
        {
            yield return page.Values;
        }
    }
}
