using System.Security.Cryptography;
using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Stores;
using AgentFunctions.Storage.Stores;
using AgentFunctions.Storage.Tables;
using Azure;
using Azure.Data.Tables;

namespace AgentFunctions.Storage.Runs;

/// <summary>
/// Runs in a table, one partition per owner and thread (see <see cref="RunKeys"/>): a row per run, and
/// the thread's queue row naming its active runs in the order they run. Every change that makes a run
/// active or ends one is a single entity-group transaction over the run rows it concerns and the queue
/// row, conditional on the ETags they were read with; so the queue always names exactly the thread's
/// active runs, a run is never lost, and only the first of them can be taken by an executor. A write
/// that loses a race is re-read and retried where that is safe (creating, completing, cancelling);
/// otherwise the loser gets a <see cref="StoreConflictException"/>.
/// </summary>
public sealed partial class TableRunStore : IRunStore
{
    public const string DefaultTableName = "runs";

    /// <summary>
    /// The most runs a thread may have active (running or queued): an interrupting run ends or flags them
    /// all in one transaction, which holds at most 100 actions.
    /// </summary>
    public const int MaxActiveRuns = 50;

    // Enough for 20 writers racing on one thread's queue; each round of a race has a winner.
    private const int MaxAttempts = 25;
    private const int MaxBackoffMilliseconds = 200;
    private const string Kind = "run";

    private readonly TableClient _table;
    private readonly TableCreation _creation;
    private readonly TimeProvider _time;

    // Whether the queue rows are keyed per thread (RunKeys.Queue), learned on first use: not in a table written before.
    private volatile bool _queuePerThread;

    /// <summary>The store the hosts register: the table <see cref="DefaultTableName"/> with the deployment's prefix.</summary>
    /// <param name="service">The Table service; the store keeps one client for its table.</param>
    /// <param name="names">The deployment's table names.</param>
    /// <param name="timeProvider">The host's clock.</param>
    public TableRunStore(TableServiceClient service, StorageNames names, TimeProvider timeProvider)
        : this(service, (names ?? throw new ArgumentNullException(nameof(names))).Table(DefaultTableName), timeProvider)
    {
    }

    /// <param name="service">The Table service; the store keeps one client for its table.</param>
    /// <param name="tableName">The table's name.</param>
    /// <param name="timeProvider">The clock for creation and update times and for leases.</param>
    internal TableRunStore(TableServiceClient service, string tableName = DefaultTableName, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        _table = service.GetTableClient(tableName);
        _creation = new TableCreation(_table, async () => _queuePerThread = await TableFormat.IsCurrentAsync(_table, RunKeys.QueuePerThread).ConfigureAwait(false));
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Creates the table unless it exists (otherwise done on first use).</summary>
    public Task InitializeAsync(CancellationToken cancellationToken = default) => _creation.EnsureCreatedAsync(cancellationToken);

    /// <inheritdoc/>
    /// <remarks>
    /// The run's id must come from <see cref="RunIds.New"/>. Status, lease, attempt, error and cancel
    /// request of <paramref name="run"/> are ignored: a new run is pending. Its creation time is the
    /// store's clock, but never earlier than that of the run queued before it.
    /// </remarks>
    public Task<AgentRun> CreateAsync(AgentRun run, CancellationToken cancellationToken = default)
        => CreateAsync(run, holder: null, default, threadIsNew: false, cancellationToken);

    /// <inheritdoc/>
    /// <remarks>
    /// As <see cref="CreateAsync(AgentRun, CancellationToken)"/>; a run taken at once has its lease from the store's clock.
    /// On a thread guessed new, the first write adds the queue row (with the run first in it) without reading it: when
    /// the row exists after all, the write fails as a whole and is made again from the row as read.
    /// </remarks>
    public Task<AgentRun> CreateHeldAsync(AgentRun run, string executorId, TimeSpan lease, bool threadIsNew = false, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(executorId);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lease, TimeSpan.Zero);
        return CreateAsync(run, executorId, lease, threadIsNew, cancellationToken);
    }

    private async Task<AgentRun> CreateAsync(AgentRun run, string? holder, TimeSpan lease, bool threadIsNew, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var partition = RunKeys.Partition(run.OwnerId, run.ThreadId);
        var rowKey = RunKeys.Row(run.RunId);
        ResourceIds.Validate(run.AssistantId, "assistant");
        _ = RunNames.Of(run.MultitaskStrategy);
        var template = run with
        {
            Status = RunStatus.Pending,
            Kwargs = JsonObjects.RequireObject(run.Kwargs, nameof(run.Kwargs)),
            Metadata = JsonObjects.RequireObject(run.Metadata, nameof(run.Metadata)),
            Error = null,
            CancelRequested = null,
            LeaseOwner = null,
            LeaseExpiresAt = null,
            Attempt = 0,
            ETag = default,
        };

        await _creation.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            var guessed = attempt == 1 && threadIsNew;
            var queue = guessed ? null : await ReadQueueAsync(partition, cancellationToken).ConfigureAwait(false);
            var now = Now();
            var createdAt = queue?.LastCreatedAt is { } last && last > now ? last : now;
            var created = template with { CreatedAt = createdAt, UpdatedAt = createdAt };
            var actions = new List<TableTransactionAction>();

            var active = queue?.Runs ?? [];
            var next = new List<string>(active);
            if (active.Count > 0)
            {
                switch (run.MultitaskStrategy)
                {
                    case MultitaskStrategy.Reject:
                        throw new StoreConflictException($"Thread '{run.ThreadId}' has an active run ('{active[0]}'), and the new run's multitask strategy is reject.");
                    case MultitaskStrategy.Interrupt or MultitaskStrategy.Rollback:
                        var action = run.MultitaskStrategy == MultitaskStrategy.Rollback ? CancelAction.Rollback : CancelAction.Interrupt;
                        next = await StopActiveRunsAsync(partition, active, action, now, actions, cancellationToken).ConfigureAwait(false);
                        break;
                }
            }

            if (next.Count >= MaxActiveRuns)
            {
                throw new StoreConflictException($"Thread '{run.ThreadId}' already has {next.Count} active runs, the most it may have.");
            }

            if (holder is not null && next.Count == 0)
            {
                // First in the queue at once: taken in the same write, as TryAcquireAsync takes it.
                created = created with { Status = RunStatus.Running, LeaseOwner = holder, LeaseExpiresAt = now + lease, Attempt = 1 };
            }

            next.Add(run.RunId);
            actions.Insert(0, TableRows.Action(TableTransactionActionType.Add, RunEntity.From(created, partition, rowKey)));
            actions.Add(QueueAction(partition, queue, next, createdAt));
            try
            {
                var results = await _table.SubmitNamedTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
                return created with { ETag = results.Value[0].Headers.ETag ?? default };
            }
            catch (RequestFailedException ex) when (IsLostRace(ex))
            {
                if (ex.Status == 409 && ex is TableTransactionFailedException { FailedTransactionActionIndex: 0 or null }
                    && await ReadRunAsync(partition, rowKey, cancellationToken).ConfigureAwait(false) is not null)
                {
                    throw StoreFailures.Conflict(Kind, run.RunId, ex);
                }

                if (!guessed)
                {
                    await BackoffAsync(attempt, run.RunId, ex, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    public async Task<AgentRun?> GetAsync(string ownerId, string threadId, string runId, CancellationToken cancellationToken = default)
    {
        var partition = RunKeys.Partition(ownerId, threadId);
        if (!RunKeys.TryGetRow(runId, out var rowKey))
        {
            return null;
        }

        await _creation.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        return (await ReadRunAsync(partition, rowKey, cancellationToken).ConfigureAwait(false))?.ToRun();
    }

    /// <inheritdoc/>
    /// <remarks>Newest first by run id, which <see cref="RunIds.New"/> orders by the time it was made.</remarks>
    public AsyncPageable<AgentRun> ListAsync(string ownerId, string threadId, RunStatus? status = null, CancellationToken cancellationToken = default)
    {
        var partition = RunKeys.Partition(ownerId, threadId);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {RunKeys.RunsFrom} and RowKey lt {RunKeys.RunsTo}");
        if (status is { } wanted)
        {
            filter += " and " + TableClient.CreateQueryFilter($"Status eq {RunNames.Of(wanted)}");
        }

        return FilteredQuery.Create<RunEntity, AgentRun>(_table, [filter], entity => entity.ToRun(), _creation.EnsureCreatedAsync, cancellationToken);
    }

    /// <inheritdoc/>
    /// <remarks>A live lease is not taken even by the executor that holds it: each take is a new attempt.</remarks>
    public async Task<AgentRun?> TryAcquireAsync(
        string ownerId, string threadId, string runId, string executorId, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        var partition = RunKeys.Partition(ownerId, threadId);
        ArgumentException.ThrowIfNullOrWhiteSpace(executorId);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lease, TimeSpan.Zero);
        if (!RunKeys.TryGetRow(runId, out var rowKey))
        {
            return null;
        }

        await _creation.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            var (queue, entity) = await ReadQueueAndRunAsync(partition, rowKey, cancellationToken).ConfigureAwait(false);
            if (entity?.ToRun() is not { IsActive: true } stored)
            {
                return null;
            }

            // Runs ahead of this one only ever end, and runs behind it are only ever appended: once it is
            // first it stays first until it ends, which changes its row, and the write below is
            // conditional on its row. So the queue row itself need not be part of the write.
            if (queue is not { Runs: [var first, ..] } || first != runId)
            {
                return null;
            }

            var now = Now();
            if (stored.Status == RunStatus.Running && stored.LeaseExpiresAt > now)
            {
                return null;
            }

            var acquired = stored with
            {
                Status = RunStatus.Running,
                LeaseOwner = executorId,
                LeaseExpiresAt = now + lease,
                Attempt = stored.Attempt + 1,
                UpdatedAt = now,
            };

            try
            {
                var response = await _table.UpdateEntityAsync(RunEntity.From(acquired, partition, rowKey).ToEntity(), entity.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                return acquired with { ETag = response.Headers.ETag ?? default };
            }
            catch (RequestFailedException ex) when (IsLostRace(ex))
            {
                await BackoffAsync(attempt, runId, ex, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// The executor still holds the run while it is running under the same lease owner and attempt, even
    /// when its row changed since <paramref name="run"/> was read (a cancel request): then the lease is
    /// renewed all the same, and the returned run carries the request.
    /// </remarks>
    public async Task<AgentRun> RenewLeaseAsync(AgentRun run, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lease, TimeSpan.Zero);
        StoreArguments.RequireETag(run.ETag);
        var partition = RunKeys.Partition(run.OwnerId, run.ThreadId);
        var rowKey = RunKeys.Row(run.RunId);
        if (run.Status != RunStatus.Running || run.LeaseOwner is null)
        {
            throw new StoreConflictException($"The run '{run.RunId}' is {RunNames.Of(run.Status)}, not held by an executor.");
        }

        await _creation.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var current = run;
        for (var attempt = 1; ; attempt++)
        {
            var expires = Now() + lease;
            var patch = new TableEntity(partition, rowKey) { [nameof(AgentRun.LeaseExpiresAt)] = expires };
            try
            {
                var response = await _table.UpdateEntityAsync(patch, current.ETag, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
                return current with { LeaseExpiresAt = expires, ETag = response.Headers.ETag ?? default };
            }
            catch (RequestFailedException ex) when (IsLostRace(ex))
            {
                var stored = (await ReadRunAsync(partition, rowKey, cancellationToken).ConfigureAwait(false))?.ToRun();
                if (stored is null || !IsHeldBy(stored, run))
                {
                    throw new StoreConflictException($"The run '{run.RunId}' is no longer held by '{run.LeaseOwner}' (attempt {run.Attempt}).", ex);
                }

                current = stored;
                await BackoffAsync(attempt, run.RunId, ex, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// The run is re-read: a running run must still be held under <paramref name="run"/>'s lease owner and
    /// attempt; a pending run may be ended by anyone. A run that has already ended with
    /// <paramref name="status"/> in the same attempt is returned as it is (a repeated completion); any
    /// other ended run is a <see cref="StoreConflictException"/>. The lease is cleared, the cancel request kept.
    /// </remarks>
    public async Task<AgentRun> CompleteAsync(AgentRun run, RunStatus status, string? errorMessage = null, CancellationToken cancellationToken = default)
        => (await CompleteAndFindNextAsync(run, status, errorMessage, cancellationToken).ConfigureAwait(false)).Run;

    /// <inheritdoc/>
    /// <remarks>As <see cref="CompleteAsync"/>; the thread's queue, read for the write, says whether runs are left in it.</remarks>
    public async Task<RunCompletion> CompleteAndFindNextAsync(AgentRun run, RunStatus status, string? errorMessage = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (status is RunStatus.Pending or RunStatus.Running)
        {
            throw new ArgumentException($"A run ends as success, error, timeout or interrupted, not {RunNames.Of(status)}.", nameof(status));
        }

        _ = RunNames.Of(status);
        var partition = RunKeys.Partition(run.OwnerId, run.ThreadId);
        var rowKey = RunKeys.Row(run.RunId);
        await _creation.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            var (queue, entity) = await ReadQueueAndRunAsync(partition, rowKey, cancellationToken).ConfigureAwait(false);
            var stored = entity?.ToRun() ?? throw new StoreConflictException($"The run '{run.RunId}' no longer exists.");
            if (!stored.IsActive)
            {
                return stored.Status == status && stored.Attempt == run.Attempt
                    ? new RunCompletion(stored, queue is { Runs.Count: > 0 })
                    : throw new StoreConflictException($"The run '{run.RunId}' has already ended ({RunNames.Of(stored.Status)}).");
            }

            if (stored.Status == RunStatus.Running && !IsHeldBy(stored, run))
            {
                throw new StoreConflictException($"The run '{run.RunId}' is held by another executor ('{stored.LeaseOwner}', attempt {stored.Attempt}).");
            }

            var completed = stored with { Status = status, Error = errorMessage, UpdatedAt = Now(), LeaseOwner = null, LeaseExpiresAt = null };
            try
            {
                var ended = await EndAsync(completed, entity!.ETag, partition, rowKey, queue, cancellationToken).ConfigureAwait(false);
                return new RunCompletion(ended, queue is { Runs.Count: > 0 }); // the queue as the write left it
            }
            catch (RequestFailedException ex) when (IsLostRace(ex))
            {
                await BackoffAsync(attempt, run.RunId, ex, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// A running run gets <see cref="AgentRun.CancelRequested"/>, which its executor observes (a rollback
    /// request is never turned back into an interrupt). A pending run has no executor to observe it: it
    /// ends at once and leaves the queue, as interrupted with the request recorded (what LangGraph
    /// reports for a cancelled run) or, for a rollback, deleted, as LangGraph deletes a rolled-back run
    /// (it wrote nothing else to remove); the run is then returned as it ended, without an ETag.
    /// </remarks>
    public async Task<AgentRun?> RequestCancelAsync(string ownerId, string threadId, string runId, CancelAction action, CancellationToken cancellationToken = default)
    {
        var partition = RunKeys.Partition(ownerId, threadId);
        _ = RunNames.Of(action);
        if (!RunKeys.TryGetRow(runId, out var rowKey))
        {
            return null;
        }

        await _creation.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            var (queue, entity) = await ReadQueueAndRunAsync(partition, rowKey, cancellationToken).ConfigureAwait(false);
            if (entity?.ToRun() is not { } stored)
            {
                return null;
            }

            var requested = Stronger(stored.CancelRequested, action);
            try
            {
                if (stored.Status == RunStatus.Pending)
                {
                    var ended = stored with { Status = RunStatus.Interrupted, CancelRequested = requested, UpdatedAt = Now() };
                    return await EndAsync(ended, entity.ETag, partition, rowKey, queue, cancellationToken).ConfigureAwait(false);
                }

                if (!stored.IsActive || stored.CancelRequested == requested)
                {
                    return stored;
                }

                var flagged = stored with { CancelRequested = requested };
                var response = await _table.UpdateEntityAsync(RunEntity.From(flagged, partition, rowKey).ToEntity(), entity.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                return flagged with { ETag = response.Headers.ETag ?? default };
            }
            catch (RequestFailedException ex) when (IsLostRace(ex))
            {
                await BackoffAsync(attempt, runId, ex, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async Task<AgentRun?> GetActiveAsync(string ownerId, string threadId, CancellationToken cancellationToken = default)
    {
        var partition = RunKeys.Partition(ownerId, threadId);
        await _creation.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            var queue = await ReadQueueAsync(partition, cancellationToken).ConfigureAwait(false);
            if (queue is not { Runs: [var first, ..] })
            {
                return null;
            }

            var entity = await ReadRunAsync(partition, RunKeys.Row(first), cancellationToken).ConfigureAwait(false);
            if (entity?.ToRun() is { IsActive: true } run)
            {
                return run;
            }

            // The first run ended between the two reads; the queue has moved on.
            if (attempt >= MaxAttempts)
            {
                throw new StoreConflictException($"The runs of thread '{threadId}' kept changing while they were read.");
            }
        }
    }

    public async Task<bool> DeleteAsync(string ownerId, string threadId, string runId, CancellationToken cancellationToken = default)
    {
        var partition = RunKeys.Partition(ownerId, threadId);
        if (!RunKeys.TryGetRow(runId, out var rowKey))
        {
            return false;
        }

        await _creation.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var entity = await ReadRunAsync(partition, rowKey, cancellationToken).ConfigureAwait(false);
        if (entity is null)
        {
            return false;
        }

        if (entity.ToRun().IsActive)
        {
            throw new StoreConflictException($"The run '{runId}' is {entity.Status}; cancel it before deleting it.");
        }

        try
        {
            // An ended run's row no longer changes, so its ETag only guards against a run that is not the one read.
            var response = await _table.DeleteEntityAsync(partition, rowKey, entity.ETag, cancellationToken).ConfigureAwait(false);
            return response.Status != 404;
        }
        catch (RequestFailedException ex) when (StoreFailures.IsConflict(ex))
        {
            throw StoreFailures.Conflict(Kind, runId, ex);
        }
    }

    /// <summary>
    /// The actions that stop a thread's active runs for an interrupting or rolling-back run: a running run
    /// is asked to stop; a pending one has no executor to ask and ends at once, as interrupted. Returns the
    /// runs that stay in the queue. Every action is conditional on the row read here.
    /// </summary>
    private async Task<List<string>> StopActiveRunsAsync(
        string partition, List<string> active, CancelAction action, DateTimeOffset now, List<TableTransactionAction> actions, CancellationToken cancellationToken)
    {
        var entities = await Task.WhenAll(active.Select(id => ReadRunAsync(partition, RunKeys.Row(id), cancellationToken))).ConfigureAwait(false);
        var remaining = new List<string>();
        foreach (var entity in entities)
        {
            // A run that ended after the queue was read is left out; the queue's ETag then fails the write and it is retried.
            if (entity?.ToRun() is not { IsActive: true } run)
            {
                continue;
            }

            var requested = Stronger(run.CancelRequested, action);
            if (run.Status == RunStatus.Pending)
            {
                actions.Add(EndAction(run with { Status = RunStatus.Interrupted, CancelRequested = requested, UpdatedAt = now }, entity.ETag, partition, entity.RowKey));
            }
            else
            {
                actions.Add(TableRows.Action(TableTransactionActionType.UpdateReplace, RunEntity.From(run with { CancelRequested = requested }, partition, entity.RowKey), entity.ETag));
                remaining.Add(run.RunId);
            }
        }

        return remaining;
    }

    /// <summary>Writes an ended run (or deletes it, see <see cref="EndAction"/>) and takes it off its thread's queue, in one transaction.</summary>
    private async Task<AgentRun> EndAsync(AgentRun ended, ETag runETag, string partition, string rowKey, RunQueueEntity? queue, CancellationToken cancellationToken)
    {
        var actions = new List<TableTransactionAction> { EndAction(ended, runETag, partition, rowKey) };
        if (queue is not null && queue.Runs.Remove(ended.RunId))
        {
            actions.Add(TableRows.Action(TableTransactionActionType.UpdateReplace, queue, queue.ETag));
        }

        var results = await _table.SubmitNamedTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
        return ended with { ETag = results.Value[0].Headers.ETag ?? default };
    }

    /// <summary>
    /// The action that ends a run that no executor holds. A rollback of a pending run deletes it, as
    /// LangGraph does: it wrote nothing, so nothing else is left to roll back. A running run asked to roll
    /// back is ended by its executor, which removes what it wrote and then the run.
    /// </summary>
    private static TableTransactionAction EndAction(AgentRun ended, ETag runETag, string partition, string rowKey)
        => ended.CancelRequested == CancelAction.Rollback && ended.Attempt == 0
            ? TableRows.Action(TableTransactionActionType.Delete, new RunEntity { PartitionKey = partition, RowKey = rowKey }, runETag)
            : TableRows.Action(TableTransactionActionType.UpdateReplace, RunEntity.From(ended, partition, rowKey), runETag);

    private TableTransactionAction QueueAction(string partition, RunQueueEntity? queue, List<string> runs, DateTimeOffset lastCreatedAt)
    {
        var entity = new RunQueueEntity { PartitionKey = partition, RowKey = QueueKey(partition), Runs = runs, LastCreatedAt = lastCreatedAt };
        return queue is null
            ? TableRows.Action(TableTransactionActionType.Add, entity)
            : TableRows.Action(TableTransactionActionType.UpdateReplace, entity, queue.ETag);
    }

    private async Task<RunQueueEntity?> ReadQueueAsync(string partition, CancellationToken cancellationToken)
    {
        var response = await _table.GetRowIfExistsAsync<RunQueueEntity>(partition, QueueKey(partition), cancellationToken: cancellationToken).ConfigureAwait(false);
        return response;
    }

    private async Task<RunEntity?> ReadRunAsync(string partition, string rowKey, CancellationToken cancellationToken)
    {
        var response = await _table.GetRowIfExistsAsync<RunEntity>(partition, rowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response;
    }

    private async Task<(RunQueueEntity? Queue, RunEntity? Run)> ReadQueueAndRunAsync(string partition, string rowKey, CancellationToken cancellationToken)
    {
        var queue = ReadQueueAsync(partition, cancellationToken);
        var run = ReadRunAsync(partition, rowKey, cancellationToken);
        await Task.WhenAll(queue, run).ConfigureAwait(false);
        return (await queue.ConfigureAwait(false), await run.ConfigureAwait(false));
    }

    /// <summary>The key of the thread's queue row, in this table's layout (known once the table was made sure of).</summary>
    private string QueueKey(string partition) => _queuePerThread ? RunKeys.Queue(partition) : RunKeys.LegacyQueue;

    private DateTimeOffset Now() => _time.GetUtcNow().ToUniversalTime();

    /// <summary>Whether <paramref name="stored"/> is still running under the holding that <paramref name="held"/> describes.</summary>
    private static bool IsHeldBy(AgentRun stored, AgentRun held)
        => stored.Status == RunStatus.Running
            && string.Equals(stored.LeaseOwner, held.LeaseOwner, StringComparison.Ordinal)
            && stored.Attempt == held.Attempt;

    /// <summary>A rollback, once asked for, stays a rollback: its run's writes are to be removed.</summary>
    private static CancelAction Stronger(CancelAction? existing, CancelAction requested)
        => existing == CancelAction.Rollback ? CancelAction.Rollback : requested;

    /// <summary>A conditional write that met a changed row (412), an existing one (409) or none (404): re-read and try again.</summary>
    private static bool IsLostRace(RequestFailedException exception) => exception.Status is 404 or 409 or 412;

    private static async Task BackoffAsync(int attempt, string id, RequestFailedException exception, CancellationToken cancellationToken)
    {
        if (attempt >= MaxAttempts)
        {
            throw new StoreConflictException($"Other writers kept changing the runs of this thread while '{id}' was written; try again.", exception);
        }

        var ceiling = Math.Min(MaxBackoffMilliseconds, 4 << Math.Min(attempt, 8));
        await Task.Delay(RandomNumberGenerator.GetInt32(1, ceiling + 1), cancellationToken).ConfigureAwait(false);
    }
}
