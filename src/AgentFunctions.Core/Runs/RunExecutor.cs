using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using AgentFunctions.Core.Assistants;
using AgentFunctions.Core.Checkpoints;
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
}

/// <summary>
/// Executes runs: waits for a run's turn on its thread, takes it (a lease), marks the thread busy,
/// runs the graph, persists the events when asked, watches for cancellation (from any instance, by
/// the run's record), and records how the run ended on the run and the thread. The run goes on in
/// the background of the caller: a consumer that stops reading cancels it only when asked to.
/// </summary>
public sealed partial class RunExecutor
{
    private readonly IRunStore _runs;
    private readonly IThreadStore _threads;
    private readonly IAssistantStore _assistants;
    private readonly ICheckpointStore _checkpoints;
    private readonly IRunEventLog _eventLog;
    private readonly AgentGraph _graph;
    private readonly RunExecutorOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public RunExecutor(
        IRunStore runs, IThreadStore threads, IAssistantStore assistants, ICheckpointStore checkpoints, IRunEventLog eventLog, AgentGraph graph,
        RunExecutorOptions? options = null, TimeProvider? time = null, ILogger<RunExecutor>? logger = null)
    {
        _runs = runs;
        _threads = threads;
        _assistants = assistants;
        _checkpoints = checkpoints;
        _eventLog = eventLog;
        _graph = graph;
        _options = options ?? new RunExecutorOptions();
        _time = time ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        ExecutorId = $"{Environment.ProcessId}-{Guid.NewGuid():N}";
    }

    /// <summary>This executor's name on the runs it holds.</summary>
    public string ExecutorId { get; }

    /// <summary>Told when each run this executor ends has reached its final status (compaction's trigger); null for none.</summary>
    public IRunCompletionObserver? CompletionObserver { get; init; }

    /// <summary>
    /// Starts executing <paramref name="run"/>. Read <see cref="RunHandle.ReadEventsAsync"/> to follow it live;
    /// await <see cref="RunHandle.Completion"/> for the ended run (null when another executor has it,
    /// or it had already ended).
    /// </summary>
    /// <param name="run">The run, as created.</param>
    /// <param name="persistEvents">Write the events to the event log (background and resumable runs), so any instance can join.</param>
    /// <param name="queuedBy">The span that queued a background run: the run's span links to it.</param>
    public RunHandle Start(AgentRun run, bool persistEvents, ActivityContext queuedBy = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        var live = Channel.CreateUnbounded<RunEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var handle = new RunHandle(live.Reader);
        handle.Completion = Task.Run(() => ExecuteAsync(run, persistEvents, handle, live.Writer, queuedBy));
        return handle;
    }

    private async Task<AgentRun?> ExecuteAsync(AgentRun run, bool persistEvents, RunHandle handle, ChannelWriter<RunEvent> live, ActivityContext queuedBy)
    {
        using var stop = new CancellationTokenSource();
        using var telemetry = RunTelemetry.Start(run, queuedBy);
        handle.Stop = stop;
        AgentRun? held = null;
        try
        {
            held = await AcquireAsync(run, stop.Token).ConfigureAwait(false);
            if (held is null)
            {
                telemetry.Ended(null);
                return null;
            }

            telemetry.Held(held);
            var ended = await RunHeldAsync(held, persistEvents, handle, live, stop, telemetry).ConfigureAwait(false);
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
            LogRunFailed(_logger, run.RunId, run.ThreadId, e);
            telemetry.Ended(RunStatus.Error, e);
            if (held is not null)
            {
                return await EndAsync(held, RunStatus.Error, "The run failed.", cancelled: false, CancellationToken.None).ConfigureAwait(false);
            }

            throw;
        }
        finally
        {
            live.TryComplete();
        }
    }

    private async Task<AgentRun> RunHeldAsync(
        AgentRun held, bool persistEvents, RunHandle handle, ChannelWriter<RunEvent> live, CancellationTokenSource stop, RunTelemetry telemetry)
    {
        var options = RunOptions.Parse(held.Kwargs);
        var settings = await SettingsAsync(held, options, stop.Token).ConfigureAwait(false);
        var startCheckpoint = options.CheckpointId
            ?? (await _checkpoints.GetLatestAsync(held.OwnerId, held.ThreadId, stop.Token).ConfigureAwait(false))?.CheckpointId;
        await _threads.SetStatusAsync(held.OwnerId, held.ThreadId, ThreadStatus.Busy, stop.Token).ConfigureAwait(false);
        LogRunStarted(_logger, held.RunId, held.ThreadId, held.Attempt);

        var execution = _graph.Run(new RunRequest
        {
            OwnerId = held.OwnerId,
            ThreadId = held.ThreadId,
            RunId = held.RunId,
            AssistantId = held.AssistantId,
            Input = options.ToStateUpdate(),
            CheckpointId = options.CheckpointId,
            Settings = settings,
            StreamModes = options.StreamModes.ToHashSet(),
            InterruptBefore = options.InterruptBefore,
            InterruptAfter = options.InterruptAfter,
            Metadata = held.Metadata,
            Attempt = held.Attempt,
        });

        var watch = WatchAsync(held, handle, stop);
        IRunEventWriter? writer = persistEvents ? _eventLog.OpenWriter(held.RunId) : null;
        try
        {
            await foreach (var runEvent in execution.Events.WithCancellation(stop.Token).ConfigureAwait(false))
            {
                telemetry.Event();
                if (writer is not null)
                {
                    await writer.AppendAsync(runEvent, CancellationToken.None).ConfigureAwait(false);
                }

                if (handle.Listening)
                {
                    live.TryWrite(runEvent);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Cancelled by a request on the run or by a consumer that went away: the outcome says interrupted.
        }
        finally
        {
            if (writer is not null)
            {
                await writer.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
                await writer.DisposeAsync().ConfigureAwait(false);
            }

            await stop.CancelAsync().ConfigureAwait(false);
            await watch.ConfigureAwait(false);
        }

        var outcome = execution.HasEnded ? execution.Outcome : new RunOutcome(RunStatus.Interrupted, "The run was cancelled.");
        if (outcome.Exception is { } failure)
        {
            LogRunFailed(_logger, held.RunId, held.ThreadId, failure);
        }

        var cancel = handle.CancelAction;
        if (cancel == CancelAction.Rollback)
        {
            var removed = await _checkpoints.DeleteAfterAsync(held.OwnerId, held.ThreadId, startCheckpoint, CancellationToken.None).ConfigureAwait(false);
            LogRolledBack(_logger, held.RunId, removed);
        }

        var status = cancel is not null ? RunStatus.Interrupted : outcome.Status;
        var ended = await EndAsync(held, status, status == RunStatus.Error ? outcome.Error : null, cancelled: cancel is not null, CancellationToken.None).ConfigureAwait(false);
        if (cancel == CancelAction.Rollback)
        {
            await _runs.DeleteAsync(held.OwnerId, held.ThreadId, held.RunId, CancellationToken.None).ConfigureAwait(false);
        }

        LogRunEnded(_logger, held.RunId, held.ThreadId, status);
        return ended;
    }

    /// <summary>Waits for the run's turn and takes it; null when it is not this executor's to run.</summary>
    private async Task<AgentRun?> AcquireAsync(AgentRun run, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            var held = await _runs.TryAcquireAsync(run.OwnerId, run.ThreadId, run.RunId, ExecutorId, _options.LeaseDuration, cancellationToken).ConfigureAwait(false);
            if (held is not null)
            {
                return held;
            }

            var current = await _runs.GetAsync(run.OwnerId, run.ThreadId, run.RunId, cancellationToken).ConfigureAwait(false);
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
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(_options.CancelPollInterval, _time, stop.Token).ConfigureAwait(false);
                if (_time.GetUtcNow() >= renewAt)
                {
                    current = await _runs.RenewLeaseAsync(current, _options.LeaseDuration, stop.Token).ConfigureAwait(false);
                    renewAt = _time.GetUtcNow() + (_options.LeaseDuration / 3);
                }
                else
                {
                    current = await _runs.GetAsync(held.OwnerId, held.ThreadId, held.RunId, stop.Token).ConfigureAwait(false) ?? current;
                }

                if (current.CancelRequested is { } action)
                {
                    LogCancelObserved(_logger, held.RunId, action);
                    handle.CancelAction = action;
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
            LogLeaseLost(_logger, held.RunId, e);
            await stop.CancelAsync().ConfigureAwait(false);
        }
    }

    // cancelled: the run was stopped here (a consumer went away), not at an interrupt, so the thread is left idle, not interrupted.
    private async Task<AgentRun> EndAsync(AgentRun held, RunStatus status, string? error, bool cancelled, CancellationToken cancellationToken)
    {
        var ended = await _runs.CompleteAsync(held, status, error, cancellationToken).ConfigureAwait(false);
        var next = await _runs.GetActiveAsync(held.OwnerId, held.ThreadId, cancellationToken).ConfigureAwait(false);
        var threadStatus = next is not null ? ThreadStatus.Busy : status switch
        {
            RunStatus.Error or RunStatus.Timeout => ThreadStatus.Error,
            RunStatus.Interrupted when error is null && ended.CancelRequested is null && !cancelled => ThreadStatus.Interrupted,
            _ => ThreadStatus.Idle,
        };
        await _threads.SetStatusAsync(held.OwnerId, held.ThreadId, threadStatus, cancellationToken).ConfigureAwait(false);
        await NotifyEndedAsync(ended).ConfigureAwait(false);
        return ended;
    }

    private async Task NotifyEndedAsync(AgentRun ended)
    {
        try
        {
            await (CompletionObserver?.RunEndedAsync(ended, CancellationToken.None) ?? Task.CompletedTask).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogObserverFailed(_logger, ended.RunId, e);
        }
    }

    private async Task<AssistantSettings> SettingsAsync(AgentRun run, RunOptions options, CancellationToken cancellationToken)
    {
        var assistant = await _assistants.GetAsync(run.OwnerId, run.AssistantId, cancellationToken).ConfigureAwait(false);
        var settings = assistant is not null ? AssistantSettings.From(assistant.Config) : GraphDefaults.Settings;
        return settings.Merge(options.Config);
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Run {RunId} on thread {ThreadId} started (attempt {Attempt})")]
    private static partial void LogRunStarted(ILogger logger, string runId, string threadId, int attempt);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Run {RunId} on thread {ThreadId} ended: {Status}")]
    private static partial void LogRunEnded(ILogger logger, string runId, string threadId, RunStatus status);

    [LoggerMessage(EventId = 102, Level = LogLevel.Error, Message = "Run {RunId} on thread {ThreadId} failed")]
    private static partial void LogRunFailed(ILogger logger, string runId, string threadId, Exception exception);

    [LoggerMessage(EventId = 103, Level = LogLevel.Information, Message = "Run {RunId} observed a cancellation request: {Action}")]
    private static partial void LogCancelObserved(ILogger logger, string runId, CancelAction action);

    [LoggerMessage(EventId = 104, Level = LogLevel.Warning, Message = "Run {RunId} lost its lease and stops here")]
    private static partial void LogLeaseLost(ILogger logger, string runId, Exception exception);

    [LoggerMessage(EventId = 105, Level = LogLevel.Information, Message = "Run {RunId} rolled back: {Removed} checkpoints removed")]
    private static partial void LogRolledBack(ILogger logger, string runId, int removed);

    [LoggerMessage(EventId = 110, Level = LogLevel.Warning, Message = "After run {RunId} ended, its completion observer failed; the run's outcome stands")]
    private static partial void LogObserverFailed(ILogger logger, string runId, Exception exception);
}

/// <summary>A run being executed: its live events, and its end.</summary>
public sealed class RunHandle
{
    private readonly ChannelReader<RunEvent> _events;
    private volatile bool _detached;

    internal RunHandle(ChannelReader<RunEvent> events) => _events = events;

    /// <summary>The ended run; null when it was not this executor's to run.</summary>
    public Task<AgentRun?> Completion { get; internal set; } = Task.FromResult<AgentRun?>(null);

    internal CancellationTokenSource? Stop { get; set; }

    internal CancelAction? CancelAction { get; set; }

    internal bool Listening => !_detached;

    /// <summary>
    /// The run's events as they happen. When <paramref name="cancellationToken"/> is cancelled (the client
    /// went away), the run is cancelled too, unless <paramref name="onDisconnect"/> is
    /// <see cref="DisconnectAction.Continue"/>: then it goes on, and only stops sending here.
    /// </summary>
    public async IAsyncEnumerable<RunEvent> ReadEventsAsync(DisconnectAction onDisconnect = DisconnectAction.Cancel, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        try
        {
            while (await _events.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (_events.TryRead(out var runEvent))
                {
                    yield return runEvent;
                }
            }
        }
        finally
        {
            if (cancellationToken.IsCancellationRequested)
            {
                _detached = true;
                if (onDisconnect == DisconnectAction.Cancel && Stop is { } stop)
                {
                    CancelAction = Runs.CancelAction.Interrupt;
                    await stop.CancelAsync().ConfigureAwait(false);
                }
            }
        }
    }
}

/// <summary>The settings of a graph's default assistant: the assistant id that is the graph id.</summary>
public static class GraphDefaults
{
    /// <summary>The agent graph with the calculator enabled.</summary>
    public static AssistantSettings Settings { get; } = new() { Tools = ["calculator"] };
}
