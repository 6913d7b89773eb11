using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.Compaction;
using AgentFunctions.Core.Stores;
using AgentFunctions.Storage.Stores;
using AgentFunctions.Storage.Tables;
using Azure;
using Azure.Data.Tables;

namespace AgentFunctions.Storage.Checkpoints;

/// <summary>
/// Compaction of a thread's partition. The kept checkpoints fall into ranges of consecutive sequences;
/// each range needs a snapshot at its oldest checkpoint, and the deltas after it. Compaction writes
/// those snapshots first, then deletes the other checkpoint rows, then the state rows only they needed.
/// </summary>
/// <remarks>
/// Why a run writing meanwhile loses nothing: compaction writes only snapshot rows at sequences that
/// already exist (and the writes of a range's last checkpoint back into its row, which is never the
/// latest), and deletes only rows at sequences below the kept ranges. A writer touches only the latest
/// checkpoint's row, its open block and rows after the latest sequence: none of them is deleted, and the
/// open block, when it starts before the newest range's snapshot, is named by that snapshot
/// (<see cref="SnapshotFromProperty"/>) so that readers go on down to it and compaction keeps it.
/// Why it can run again after a crash: the snapshot header is written last (its parts first), so a
/// snapshot is there whole or not at all; deletes only ever remove what the kept ranges do not need, in
/// key order, so a snapshot's header goes no later than its parts; a rerun recomputes the same plan.
/// Rollbacks: the plan keeps everything from an active run's starting checkpoint on, so a rollback never
/// deletes a range start. One narrow race is left: a run created after the plan was read, from an
/// explicit checkpoint older than the kept ranges, and rolled back before the snapshot is written (in
/// the milliseconds between), would leave that snapshot at a sequence that is written again.
/// </remarks>
public sealed partial class TableCheckpointStore : ICheckpointCompaction
{
    private const string SnapshotFromProperty = "From";
    private const string MarkCompacted = "Compacted";
    private const string MarkCompactedAt = "CompactedAt";
    private const string MarkRequested = "Requested";
    private const string MarkRequestedAt = "RequestedAt";
    private const string MarkEventsBefore = "EventsBefore";
    private const string MarkHolder = "Holder";
    private const string MarkHeldUntil = "HeldUntil";

    private static readonly string[] MarkAndHeadProperties =
        ["RowKey", "Q", MarkCompacted, MarkRequested, MarkRequestedAt, MarkEventsBefore, MarkHolder, MarkHeldUntil];

    // What compaction reads of a checkpoint row: its sequence and creation time (its id), bookkeeping, and where its writes are.
    private static readonly string[] CompactionRowProperties = ["PartitionKey", "RowKey", "Q", "T", "B", "X"];

    public async Task<CompactionMark> GetMarkAsync(string ownerId, string threadId, CancellationToken cancellationToken = default)
    {
        var partition = PartitionOf(ownerId, threadId);
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        var (mark, latest) = await ReadMarkAsync(partition, cancellationToken).ConfigureAwait(false);
        return ToMark(mark, latest);
    }

    public async Task<bool> TryRecordRequestAsync(string ownerId, string threadId, CompactionMark seen, long sequence, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(seen);
        var partition = PartitionOf(ownerId, threadId);
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        var update = new TableEntity(partition, CheckpointKeys.Mark) { [MarkRequested] = sequence, [MarkRequestedAt] = now };
        return await TryWriteMarkAsync(update, seen.ETag, cancellationToken).ConfigureAwait(false) is not null;
    }

    public async Task<CompactionMark?> TryHoldAsync(string ownerId, string threadId, string holder, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(holder);
        var partition = PartitionOf(ownerId, threadId);
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var (row, latest) = await ReadMarkAsync(partition, cancellationToken).ConfigureAwait(false);
            var mark = ToMark(row, latest);
            if (mark.Holder is { } current && current != holder && mark.HeldUntil > now)
            {
                return null;
            }

            var update = new TableEntity(partition, CheckpointKeys.Mark) { [MarkHolder] = holder, [MarkHeldUntil] = until };
            if (await TryWriteMarkAsync(update, mark.ETag, cancellationToken).ConfigureAwait(false) is { } etag)
            {
                return mark with { Holder = holder, HeldUntil = until, ETag = etag };
            }
        }

        return null; // the mark keeps changing (runs ending, another compaction): leave it to them
    }

    public async Task<CompactionMark> RenewAsync(string ownerId, string threadId, CompactionMark held, DateTimeOffset until, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(held);
        var partition = PartitionOf(ownerId, threadId);
        var current = held;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var update = new TableEntity(partition, CheckpointKeys.Mark) { [MarkHolder] = held.Holder, [MarkHeldUntil] = until };
            if (await TryWriteMarkAsync(update, current.ETag, cancellationToken).ConfigureAwait(false) is { } etag)
            {
                return current with { HeldUntil = until, ETag = etag };
            }

            // The mark changed (a run ended and recorded a request): still ours?
            var (row, latest) = await ReadMarkAsync(partition, cancellationToken).ConfigureAwait(false);
            current = ToMark(row, latest);
            if (current.Holder != held.Holder)
            {
                break;
            }
        }

        throw new StoreConflictException($"Compaction {held.Holder} no longer holds thread '{threadId}'.");
    }

    public async Task FinishAsync(string ownerId, string threadId, CompactionMark held, long compactedSequence, DateTimeOffset? eventsPurgedBefore, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(held);
        var partition = PartitionOf(ownerId, threadId);
        var current = held;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var update = new TableEntity(partition, CheckpointKeys.Mark)
            {
                [MarkCompacted] = compactedSequence,
                [MarkCompactedAt] = _time.GetUtcNow(),
                [MarkHolder] = string.Empty,
            };
            if (eventsPurgedBefore is { } before)
            {
                update[MarkEventsBefore] = before;
            }

            if (await TryWriteMarkAsync(update, current.ETag, cancellationToken).ConfigureAwait(false) is not null)
            {
                return;
            }

            var (row, latest) = await ReadMarkAsync(partition, cancellationToken).ConfigureAwait(false);
            current = ToMark(row, latest);
            if (current.Holder != held.Holder || row is null)
            {
                break; // taken over (or the thread was deleted): the other holder records its own result
            }
        }
    }

    public async Task<CheckpointCompactionResult> CompactAsync(
        string ownerId, string threadId, CheckpointRetention retention, Func<CancellationToken, Task>? renew = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(retention);
        var partition = PartitionOf(ownerId, threadId);
        if (!CheckpointIds.TryGetSequence(retention.KeepFrom, out var keepFrom))
        {
            throw new ArgumentException($"'{retention.KeepFrom}' is not a checkpoint id.", nameof(retention));
        }

        var pinned = retention.Pinned.ToHashSet(StringComparer.Ordinal);
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);

        // 1. The kept rows at and before keepFrom (keepFrom and the pinned ones), and whether anything goes.
        var kept = new SortedDictionary<long, CheckpointRow>();
        var doomed = 0;
        await foreach (var row in OlderRowsAsync(partition, keepFrom, cancellationToken).ConfigureAwait(false))
        {
            if (row.Seq == keepFrom ? row.Id == retention.KeepFrom : pinned.Contains(row.Id))
            {
                kept[row.Seq] = row;
            }
            else
            {
                doomed++;
            }
        }

        if (!kept.ContainsKey(keepFrom))
        {
            throw new StoreConflictException($"Checkpoint '{retention.KeepFrom}' of thread '{threadId}' is gone (a rollback?); plan the compaction again.");
        }

        if (doomed == 0)
        {
            return CheckpointCompactionResult.None;
        }

        // 2. The ranges of consecutive kept sequences; the newest reaches keepFrom and everything after it.
        var ranges = new List<(long First, long Last)>();
        foreach (var sequence in kept.Keys)
        {
            if (ranges.Count > 0 && ranges[^1].Last == sequence - 1)
            {
                ranges[^1] = (ranges[^1].First, sequence);
            }
            else
            {
                ranges.Add((sequence, sequence));
            }
        }

        ranges[^1] = (ranges[^1].First, long.MaxValue);

        // 3. A snapshot at the start of each range, and the writes of each older range's last checkpoint
        // back into its row. Nothing is deleted before all of them are stored.
        var snapshots = 0;
        var blocksNamed = new HashSet<long>();
        foreach (var (first, last) in ranges)
        {
            var start = kept[first];
            if (SnapshotFrom(start) is { } from)
            {
                blocksNamed.Add(from);
            }

            if (await WriteCompactionSnapshotAsync(partition, start, cancellationToken).ConfigureAwait(false))
            {
                snapshots++;
            }

            if (last != long.MaxValue && kept[last].WritesNextNode is { } node)
            {
                await RestoreWritesAsync(partition, kept[last], node, cancellationToken).ConfigureAwait(false);
            }
        }

        // 4. The checkpoint rows outside the ranges, then the state rows that no range needs.
        var deleter = new BatchDeleter(_table, partition, renew);
        await foreach (var row in OlderRowsAsync(partition, keepFrom, cancellationToken).ConfigureAwait(false))
        {
            if (!kept.TryGetValue(row.Seq, out var keep) || keep.Id != row.Id)
            {
                await deleter.AddAsync(row.RowKey, row.ETag, cancellationToken).ConfigureAwait(false);
            }
        }

        await deleter.FlushAsync(cancellationToken).ConfigureAwait(false);
        var checkpointsDeleted = deleter.Deleted;

        var oldestNeeded = ranges[^1].First;
        if (oldestNeeded > 1)
        {
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {CheckpointKeys.State(oldestNeeded - 1, 'a')} and RowKey lt {"t"}");
            await foreach (var row in _table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                var (sequence, kind, writeId, _) = CheckpointKeys.ParseState(row.RowKey);
                var needed = ranges.Any(r => sequence >= r.First && sequence <= r.Last)
                    || (kind == CheckpointKeys.Block && writeId is null && blocksNamed.Contains(sequence));
                if (!needed)
                {
                    await deleter.AddAsync(row.RowKey, row.ETag, cancellationToken).ConfigureAwait(false);
                }
            }

            await deleter.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        return new CheckpointCompactionResult(checkpointsDeleted, deleter.Deleted, snapshots, deleter.Transactions);
    }

    /// <summary>
    /// The block that holds the deltas after <paramref name="row"/>'s checkpoint when it starts before it:
    /// the block open when it was written. A snapshot there must name it, for readers go no further
    /// back than the snapshot they start from.
    /// </summary>
    private static long? SnapshotFrom(CheckpointRow row)
        => row.Kind != CheckpointRow.KindSnapshot && row.BlockSeq > row.SnapSeq && row.BlockSeq < row.Seq ? row.BlockSeq : null;

    /// <summary>Writes a snapshot of the state at <paramref name="row"/>'s checkpoint, unless one is there; true when it wrote one.</summary>
    private async Task<bool> WriteCompactionSnapshotAsync(string partition, CheckpointRow row, CancellationToken cancellationToken)
    {
        if (row.Kind == CheckpointRow.KindSnapshot)
        {
            return false; // the writer stored this checkpoint as a snapshot
        }

        var header = await _table.GetEntityIfExistsAsync<TableEntity>(partition, CheckpointKeys.State(row.Seq, CheckpointKeys.Snapshot), ["RowKey"], cancellationToken).ConfigureAwait(false);
        if (header.HasValue)
        {
            return false; // an earlier compaction wrote it
        }

        var states = await MaterializeAsync(partition, row.Seq, row.Seq, cancellationToken).ConfigureAwait(false);
        var state = StateAt(states, row.Seq) ?? throw new InvalidOperationException($"Checkpoint {row.Seq} has no state to compact from; its rows are incomplete.");
        var plan = new WritePlan(partition, row.Seq) { SnapshotFrom = SnapshotFrom(row) };
        plan.AddBlob(CheckpointKeys.Snapshot, state.ToJson());
        var actions = plan.Actions.ToList();
        try
        {
            if (actions.Count <= MaxBatchOperations && actions.Sum(a => a.Bytes) <= MaxBatchBytes)
            {
                await _table.SubmitNamedTransactionAsync(actions.Select(a => a.Action), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // Parts first under a fresh write id, the header that names it last: whole or not at all.
                var (snapshotHeader, parts) = plan.BlobRows(CheckpointKeys.Snapshot, plan.Blobs[0].Json, Guid.NewGuid().ToString("N")[..8], inline: false);
                await WritePartsAsync(parts, cancellationToken).ConfigureAwait(false);
                await _table.AddEntityAsync(snapshotHeader, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false; // another compaction of the same request got there first
        }

        return true;
    }

    /// <summary>The checkpoint rows at and before <paramref name="sequence"/>, newest first, with what compaction needs of them.</summary>
    private AsyncPageable<CheckpointRow> OlderRowsAsync(string partition, long sequence, CancellationToken cancellationToken)
        => _table.QueryRowsAsync<CheckpointRow>(
            TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {CheckpointKeys.Checkpoint(sequence)} and RowKey lt {"d"}"),
            select: CompactionRowProperties,
            cancellationToken: cancellationToken);

    /// <summary>The mark row (null when there is none) and the latest checkpoint's sequence, in one query.</summary>
    private async Task<(TableEntity? Mark, long Latest)> ReadMarkAsync(string partition, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {CheckpointKeys.Mark} and RowKey lt {"d"}");
        TableEntity? mark = null;
        long latest = 0;
        await foreach (var page in _table.QueryAsync<TableEntity>(filter, maxPerPage: 2, select: MarkAndHeadProperties, cancellationToken: cancellationToken).AsPages().ConfigureAwait(false))
        {
            foreach (var row in page.Values)
            {
                if (row.RowKey == CheckpointKeys.Mark)
                {
                    mark = row;
                }
                else
                {
                    latest = row.GetInt64("Q") ?? CheckpointKeys.SequenceOf(row.RowKey);
                    break;
                }
            }

            if (latest > 0 || page.ContinuationToken is null || mark is null)
            {
                break;
            }

            // The first page held only the mark: the next one starts with the latest checkpoint.
        }

        return (mark, latest);
    }

    private static CompactionMark ToMark(TableEntity? row, long latest) => row is null
        ? new CompactionMark { LatestSequence = latest }
        : new CompactionMark
        {
            LatestSequence = latest,
            CompactedSequence = row.GetInt64(MarkCompacted) ?? 0,
            RequestedSequence = row.GetInt64(MarkRequested) ?? 0,
            RequestedAt = row.GetDateTimeOffset(MarkRequestedAt),
            EventsPurgedBefore = row.GetDateTimeOffset(MarkEventsBefore),
            Holder = row.GetString(MarkHolder) is { Length: > 0 } holder ? holder : null,
            HeldUntil = row.GetDateTimeOffset(MarkHeldUntil),
            ETag = row.ETag,
        };

    /// <summary>Merges <paramref name="update"/> into the mark when it is still at <paramref name="ifMatch"/> (adds it when there was none); its new ETag, or null when it changed first.</summary>
    private async Task<ETag?> TryWriteMarkAsync(TableEntity update, ETag ifMatch, CancellationToken cancellationToken)
    {
        try
        {
            var response = ifMatch.Equals(default(ETag))
                ? await _table.AddEntityAsync(update, cancellationToken).ConfigureAwait(false)
                : await _table.UpdateEntityAsync(update, ifMatch, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
            return response.Headers.ETag ?? default;
        }
        catch (RequestFailedException e) when (StoreFailures.IsConflict(e) || StoreFailures.IsNotFound(e))
        {
            return null;
        }
    }

    /// <summary>
    /// Deletes rows of one partition in entity-group transactions of up to 100, each conditional on the
    /// ETag it was read with. A row already gone (a duplicate compaction) is skipped; a row that changed
    /// since it was read stops the compaction.
    /// </summary>
    private sealed class BatchDeleter(TableClient table, string partition, Func<CancellationToken, Task>? beforeBatch)
    {
        private readonly List<TableTransactionAction> _batch = new(MaxBatchOperations);

        public int Deleted { get; private set; }

        public int Transactions { get; private set; }

        public async Task AddAsync(string rowKey, ETag etag, CancellationToken cancellationToken)
        {
            _batch.Add(TableRows.Action(TableTransactionActionType.Delete, new TableEntity(partition, rowKey), etag));
            if (_batch.Count == MaxBatchOperations)
            {
                await FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        public async Task FlushAsync(CancellationToken cancellationToken)
        {
            while (_batch.Count > 0)
            {
                if (beforeBatch is not null)
                {
                    await beforeBatch(cancellationToken).ConfigureAwait(false);
                }

                try
                {
                    await table.SubmitNamedTransactionAsync(_batch, cancellationToken).ConfigureAwait(false);
                    Transactions++;
                    Deleted += _batch.Count;
                    _batch.Clear();
                }
                catch (TableTransactionFailedException e) when (e.Status == 404 && e.FailedTransactionActionIndex is { } index && index < _batch.Count)
                {
                    _batch.RemoveAt(index);
                }
                catch (TableTransactionFailedException e) when (e.Status == 412)
                {
                    throw new StoreConflictException("A row that compaction was to delete changed since it was read; plan the compaction again.", e);
                }
            }
        }
    }
}
