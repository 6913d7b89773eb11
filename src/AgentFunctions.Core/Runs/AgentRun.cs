using System.Text.Json;
using AgentFunctions.Core.Stores;
using Azure;

namespace AgentFunctions.Core.Runs;

/// <summary>A run's state, as LangGraph reports it (wire names: pending, running, success, error, timeout, interrupted).</summary>
public enum RunStatus
{
    Pending,
    Running,
    Success,
    Error,
    Timeout,
    Interrupted,
}

/// <summary>What a new run does when its thread already has an active run.</summary>
public enum MultitaskStrategy
{
    /// <summary>Refuse the new run (a conflict).</summary>
    Reject,

    /// <summary>Queue the new run; it starts when the runs before it have finished.</summary>
    Enqueue,

    /// <summary>Stop the active run, keep what it wrote (it ends as interrupted), then start the new one.</summary>
    Interrupt,

    /// <summary>Stop the active run, remove what it wrote, then start the new one.</summary>
    Rollback,
}

/// <summary>How a cancelled run ends: kept as interrupted, or rolled back.</summary>
public enum CancelAction
{
    Interrupt,
    Rollback,
}

/// <summary>A run of an assistant on a thread: the request that started it and where it stands.</summary>
public sealed record AgentRun
{
    public required string RunId { get; init; }

    public required string OwnerId { get; init; }

    public required string ThreadId { get; init; }

    public required string AssistantId { get; init; }

    public RunStatus Status { get; init; } = RunStatus.Pending;

    public MultitaskStrategy MultitaskStrategy { get; init; } = MultitaskStrategy.Reject;

    /// <summary>The run request as accepted (input, command, config, stream modes, interrupts…), in LangGraph's shape: what an executor needs to run it.</summary>
    public JsonElement Kwargs { get; init; } = JsonObjects.Empty;

    public JsonElement Metadata { get; init; } = JsonObjects.Empty;

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Why the run failed, for a client (no stack traces).</summary>
    public string? Error { get; init; }

    /// <summary>Set when someone asked the run to stop; the executor observes it and ends the run that way.</summary>
    public CancelAction? CancelRequested { get; init; }

    /// <summary>The executor that holds the run while it runs, and until when; an expired lease may be taken over.</summary>
    public string? LeaseOwner { get; init; }

    public DateTimeOffset? LeaseExpiresAt { get; init; }

    /// <summary>How many times an executor has started this run (1 for the first).</summary>
    public int Attempt { get; init; }

    /// <summary>
    /// Whether the run executes inside the request that created it (a streamed or waited run), not from the queue: no
    /// one else takes it over when its process dies, so the lease sweep ends it as an error once its lease has expired.
    /// </summary>
    public bool InRequest { get; init; }

    public ETag ETag { get; init; }

    public bool IsActive => Status is RunStatus.Pending or RunStatus.Running;
}

/// <summary>A run as it ended, and whether its thread still has active runs after it.</summary>
public sealed record RunCompletion(AgentRun Run, bool ThreadHasActiveRuns);

/// <summary>
/// Runs, one partition per thread, with the thread's queue of active runs: at most one of them runs
/// at a time, in the order they were created. Every read is scoped by owner and thread.
/// </summary>
public interface IRunStore
{
    /// <summary>
    /// Creates a pending run on its thread under its <see cref="AgentRun.MultitaskStrategy"/>, atomically
    /// with the thread's queue: <c>Reject</c> throws <see cref="StoreConflictException"/> when the thread
    /// has an active run; <c>Enqueue</c> queues the run behind the active ones; <c>Interrupt</c> and
    /// <c>Rollback</c> also ask the active runs to stop that way (a pending run, which no executor holds,
    /// ends at once: as interrupted, or deleted for a rollback) and queue the new run behind the running one. The run's id comes
    /// from <see cref="RunIds.New"/>.
    /// </summary>
    Task<AgentRun> CreateAsync(AgentRun run, CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates a run as <see cref="CreateAsync"/> does, for <paramref name="executorId"/> to execute at once: when it is
    /// first in its thread's queue (no other run is active, or left active by its multitask strategy), it is taken in the
    /// same write, as <see cref="TryAcquireAsync"/> would take it (running, under a lease of <paramref name="lease"/>,
    /// attempt 1), so the executor need not take it again. Otherwise it is created pending, to be taken in its turn.
    /// <paramref name="threadIsNew"/> is the caller's guess that the thread has never had a run (it has not been written
    /// since it was created): the store may then write without first reading the thread's queue. A wrong guess costs a
    /// request more, never a run: the write is conditional on the queue it assumed.
    /// </summary>
    Task<AgentRun> CreateHeldAsync(AgentRun run, string executorId, TimeSpan lease, bool threadIsNew = false, CancellationToken cancellationToken = default);

    /// <summary>A run, or null when the thread has no such run.</summary>
    Task<AgentRun?> GetAsync(string ownerId, string threadId, string runId, CancellationToken cancellationToken = default);

    /// <summary>The thread's runs, newest first, optionally only those with <paramref name="status"/>; lazy.</summary>
    AsyncPageable<AgentRun> ListAsync(string ownerId, string threadId, RunStatus? status = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes a run for <paramref name="executorId"/>: when it is first in its thread's queue and pending,
    /// or running under a lease that has expired (its executor died), it becomes running under a new
    /// lease and its attempt count goes up. Null when it cannot be taken: another executor holds it,
    /// runs ahead of it are unfinished, or it has ended.
    /// </summary>
    Task<AgentRun?> TryAcquireAsync(string ownerId, string threadId, string runId, string executorId, TimeSpan lease, CancellationToken cancellationToken = default);

    /// <summary>
    /// Extends the lease of a run this executor holds; <see cref="StoreConflictException"/> when it no longer
    /// holds it. The returned run carries any cancel request made since, for the executor to observe.
    /// </summary>
    Task<AgentRun> RenewLeaseAsync(AgentRun run, TimeSpan lease, CancellationToken cancellationToken = default);

    /// <summary>Ends a run this executor holds (or a pending run nobody holds) and takes it off its thread's queue, so the next run can start.</summary>
    Task<AgentRun> CompleteAsync(AgentRun run, RunStatus status, string? errorMessage = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Ends a run as <see cref="CompleteAsync"/> does, and says whether its thread still has active runs (the next one
    /// starts), from the thread's queue as that same write left it: no read more to find out.
    /// </summary>
    Task<RunCompletion> CompleteAndFindNextAsync(AgentRun run, RunStatus status, string? errorMessage = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Asks a run to stop: a running run gets <see cref="AgentRun.CancelRequested"/>; a pending run, which no
    /// executor holds, ends at once and leaves the queue, as interrupted with the request recorded, or, for a
    /// rollback, deleted (then the run is returned as it ended). Null when there is no such run; an ended
    /// run is returned unchanged.
    /// </summary>
    Task<AgentRun?> RequestCancelAsync(string ownerId, string threadId, string runId, CancelAction action, CancellationToken cancellationToken = default);

    /// <summary>The run first in the thread's queue (running, or next to run), or null when the thread is free.</summary>
    Task<AgentRun?> GetActiveAsync(string ownerId, string threadId, CancellationToken cancellationToken = default);

    /// <summary>Deletes an ended run; <see cref="StoreConflictException"/> for an active one. False when there is none.</summary>
    Task<bool> DeleteAsync(string ownerId, string threadId, string runId, CancellationToken cancellationToken = default);
}
