using System.Globalization;
using System.Text;
using System.Text.Json;
using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.Paging;
using AgentFunctions.Core.State;
using AgentFunctions.Core.Stores;
using AgentFunctions.Core.Telemetry;
using AgentFunctions.Storage.Owners;
using AgentFunctions.Storage.Stores;
using AgentFunctions.Storage.Tables;
using Azure;
using Azure.Data.Tables;

namespace AgentFunctions.Storage.Checkpoints;

/// <summary>
/// Checkpoints in Table Storage, one partition per thread (see <see cref="CheckpointKeys"/> for the rows).
/// A checkpoint stores its step's delta; full snapshots are written when the deltas since the last
/// one have grown past a multiple of its size, or on a fork. Writing costs O(size of the step)
/// (amortised: a snapshot is paid for by the deltas before it); reading the latest state costs two
/// queries whatever the thread's length; history is a lazy pageable of small rows.
/// </summary>
public sealed partial class TableCheckpointStore : ICheckpointStore
{
    // Room for the keys, names and JSON of a row: 14 parts of 32,000 UTF-16 characters stay under 1 MiB,
    // and (as Azurite counts an entity by its escaped JSON) 14 parts of at most 60,000 bytes as sent.
    private const int MaxRowChars = 14 * LargeStrings.MaxPropertyChars;
    private const long MaxRowRequestBytes = 14 * LargeStrings.MaxPropertyRequestBytes;

    // A block's deltas, in bytes as sent (kept in the bookkeeping's BlockChars).
    private const long MaxBlockBytes = 700_000;
    private const int MaxBlockProps = 240;

    // An entity-group transaction carries at most 100 operations and 4 MiB; leave room for the envelope.
    private const int MaxBatchOperations = TableLimits.MaxTransactionActions;
    private const long MaxBatchBytes = 3_600_000;

    private readonly TableClient _table;
    private readonly CheckpointStoreOptions _options;
    private readonly TableCreation _creation;
    private readonly TimeProvider _time;
    private readonly CheckpointHeads _heads;

    // Whether every thread with checkpoints has its head row (the table's marker says so): then a missing head row is an
    // empty thread. A table that held rows before head rows were kept has no marker, and a missing head row is looked
    // for the old way, with a query.
    private volatile bool _headsKept;

    /// <summary>The store the hosts register: the table <see cref="CheckpointStoreOptions.TableName"/> with the deployment's prefix.</summary>
    /// <param name="service">The Table service; the store keeps one client for its table.</param>
    /// <param name="names">The deployment's table names.</param>
    /// <param name="options">The table and the snapshot policy.</param>
    /// <param name="timeProvider">The clock of checkpoint and compaction times.</param>
    public TableCheckpointStore(TableServiceClient service, StorageNames names, CheckpointStoreOptions options, TimeProvider timeProvider)
        : this(service, options, timeProvider, (names ?? throw new ArgumentNullException(nameof(names))).Table(options?.TableName ?? throw new ArgumentNullException(nameof(options))))
    {
    }

    /// <param name="service">The Table service; the store keeps one client for its table.</param>
    /// <param name="options">The table (by its full name) and the snapshot policy.</param>
    /// <param name="timeProvider">The clock of checkpoint and compaction times; the system's by default.</param>
    public TableCheckpointStore(TableServiceClient service, CheckpointStoreOptions? options = null, TimeProvider? timeProvider = null)
        : this(service, options ?? new CheckpointStoreOptions(), timeProvider, tableName: null)
    {
    }

    private TableCheckpointStore(TableServiceClient service, CheckpointStoreOptions options, TimeProvider? timeProvider, string? tableName)
    {
        ArgumentNullException.ThrowIfNull(service);
        _options = options;
        _table = service.GetTableClient(tableName ?? _options.TableName);
        _creation = new TableCreation(_table, LearnHeadsKeptAsync);
        _time = timeProvider ?? TimeProvider.System;
        _heads = new CheckpointHeads(_time);
    }

    public async Task<CheckpointSummary> PutAsync(CheckpointWrite write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        var step = PreparedWrite.Of(write, _options.MaxStepBytes);
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        if (_heads.TryGet(step.Partition, out var remembered))
        {
            try
            {
                return await WriteAsync(step, remembered, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is StoreConflictException or CheckpointNotFoundException)
            {
                // The head moved since this process saw it, or the write conflicts: a fresh read decides.
                _heads.Forget(step.Partition);
            }
        }

        var head = await ReadHeadAsync(step.Partition, cancellationToken).ConfigureAwait(false);
        return await WriteAsync(step, head, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes <paramref name="step"/> after <paramref name="head"/>, the thread's latest checkpoint as last seen (null: none).</summary>
    private async Task<CheckpointSummary> WriteAsync(PreparedWrite step, CheckpointRow? head, CancellationToken cancellationToken)
    {
        var (write, partition, deltaJson) = (step.Write, step.Partition, step.DeltaJson);
        var parentSequence = ResolveParent(write, head);

        var sequence = (head?.Seq ?? 0) + 1;
        // Whole milliseconds: the id carries the creation time at that precision and is rebuilt from it.
        var createdAt = DateTimeOffset.FromUnixTimeMilliseconds(_time.GetUtcNow().ToUnixTimeMilliseconds());
        var row = new CheckpointRow
        {
            PartitionKey = partition,
            RowKey = CheckpointKeys.Checkpoint(sequence),
            ParentId = write.ParentCheckpointId,
            Seq = sequence,
            Step = write.Step,
            Source = SourceName(write.Source),
            Metadata = step.MetadataJson,
            Writes = step.WritesJson,
            WritesNode = step.WritesNode,
            Next = step.NextJson,
            Tasks = step.TasksJson,
            CreatedAt = createdAt,
        };

        var plan = new WritePlan(partition, sequence);
        if (head is not null)
        {
            plan.HoldHead(head);
        }

        var appendsToHead = head is not null && parentSequence == head.Seq && write.ParentCheckpointId == head.Id;
        if (appendsToHead)
        {
            row.ParentDeltaMs = (long)(createdAt - head!.CreatedAt).TotalMilliseconds;
        }

        var snapshotDue = head is null || !appendsToHead
            || head.SinceSnapChars + deltaJson.Length >= (_options.SnapshotGrowthFactor - 1) * Math.Max(head.SnapChars, _options.MinSnapshotChars)
            || head.RowsSinceSnap >= _options.MaxRowsBetweenSnapshots;

        if (!appendsToHead && parentSequence is { } forkedFrom)
        {
            var parentRow = await _table.GetRowIfExistsAsync<CheckpointRow>(partition, CheckpointKeys.Checkpoint(forkedFrom), cancellationToken: cancellationToken).ConfigureAwait(false);
            if (parentRow is null || parentRow.Id != write.ParentCheckpointId)
            {
                throw new CheckpointNotFoundException($"Thread '{write.ThreadId}' has no checkpoint '{write.ParentCheckpointId}'.");
            }
        }

        if (snapshotDue)
        {
            var before = parentSequence is { } parent
                ? StateAt(
                    (appendsToHead ? await ReadHeadStateAsync(partition, head!, cancellationToken).ConfigureAwait(false) : null)
                        ?? await MaterializeAsync(partition, parent, parent, cancellationToken).ConfigureAwait(false),
                    parent)
                    ?? throw new CheckpointNotFoundException($"Thread '{write.ThreadId}' has no checkpoint '{write.ParentCheckpointId}'.")
                : AgentState.Empty;
            var stateJson = before.Apply(write.Delta).ToJson();
            row.Kind = CheckpointRow.KindSnapshot;
            row.WritesNode = null;
            row.Writes = write.Writes?.GetRawText();
            row.SnapSeq = sequence;
            row.SnapChars = stateJson.Length;
            plan.AddBlob(CheckpointKeys.Snapshot, stateJson);
        }
        else
        {
            row.Kind = CheckpointRow.KindDelta;
            plan.ParentWritesToNext(head!, deltaJson);
            row.SnapSeq = head!.SnapSeq;
            row.SnapChars = head.SnapChars;
            row.SinceSnapChars = head.SinceSnapChars + deltaJson.Length;
            row.RowsSinceSnap = head.RowsSinceSnap;
            var parts = LargeStrings.Split(deltaJson).Count();
            var deltaBytes = TableLimits.RequestBytes(deltaJson);
            var blockOpen = head.BlockSeq > head.SnapSeq;
            if (blockOpen && head.BlockProps + parts <= MaxBlockProps && head.BlockChars + deltaBytes <= MaxBlockBytes)
            {
                (row.BlockSeq, row.BlockProps, row.BlockChars) = (head.BlockSeq, head.BlockProps + parts, head.BlockChars + deltaBytes);
                plan.AddToBlock(head.BlockSeq, deltaJson);
            }
            else if (deltaBytes <= MaxBlockBytes && parts <= MaxBlockProps)
            {
                (row.BlockSeq, row.BlockProps, row.BlockChars) = (sequence, parts, deltaBytes);
                row.RowsSinceSnap++;
                plan.AddToBlock(sequence, deltaJson);
            }
            else
            {
                (row.BlockSeq, row.BlockProps, row.BlockChars) = (head.BlockSeq, head.BlockProps, head.BlockChars);
                row.RowsSinceSnap += SplitRows(deltaJson).Count + 1;
                plan.AddBlob(CheckpointKeys.Delta, deltaJson);
            }
        }

        var newHead = row.AsHead();
        newHead.ETag = await CommitAsync(plan, row, newHead, head, cancellationToken).ConfigureAwait(false);
        _heads.Set(partition, newHead);
        return Summarize(row, write.ThreadId);
    }

    public async Task<Checkpoint?> GetLatestAsync(string ownerId, string threadId, CancellationToken cancellationToken = default)
    {
        var partition = PartitionOf(ownerId, threadId);
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        var head = await ReadHeadAsync(partition, cancellationToken).ConfigureAwait(false);
        _heads.Set(partition, head);
        if (head is null)
        {
            return null;
        }

        var states = await ReadHeadStateAsync(partition, head, cancellationToken).ConfigureAwait(false)
            ?? await MaterializeAsync(partition, head.Seq, head.Seq, cancellationToken).ConfigureAwait(false);
        return Complete(head, threadId, states) ?? throw new InvalidOperationException($"The latest checkpoint of thread '{threadId}' has no state; its rows are incomplete.");
    }

    public async Task<Checkpoint?> GetAsync(string ownerId, string threadId, string checkpointId, CancellationToken cancellationToken = default)
    {
        var partition = PartitionOf(ownerId, threadId);
        if (!CheckpointIds.TryGetSequence(checkpointId, out var sequence))
        {
            return null;
        }

        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        var row = await _table.GetRowIfExistsAsync<CheckpointRow>(partition, CheckpointKeys.Checkpoint(sequence), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (row is null || row.Id != checkpointId)
        {
            return null;
        }

        var states = await MaterializeAsync(partition, sequence, sequence, cancellationToken, includeNext: row.WritesNextNode is not null).ConfigureAwait(false);
        return Complete(row, threadId, states);
    }

    public AsyncPageable<CheckpointSummary> GetCheckpointSummariesAsync(
        string ownerId, string threadId, string? before = null, JsonElement? metadataFilter = null, int? pageSizeHint = null, CancellationToken cancellationToken = default)
    {
        var query = HistoryQuery(ownerId, threadId, before, metadataFilter);
        return AsyncPageables.Create<CheckpointSummary>(
            async (token, size, ct) =>
            {
                var (rows, next, response) = await query.ReadSummaryPageAsync(token, size ?? pageSizeHint, ct).ConfigureAwait(false);
                return Page<CheckpointSummary>.FromValues(rows.Select(r => Summarize(r, threadId)).ToList(), next, response);
            },
            cancellationToken);
    }

    public AsyncPageable<Checkpoint> GetCheckpointsAsync(
        string ownerId, string threadId, string? before = null, JsonElement? metadataFilter = null, int? pageSizeHint = null, CancellationToken cancellationToken = default)
    {
        var query = HistoryQuery(ownerId, threadId, before, metadataFilter);
        return AsyncPageables.Create<Checkpoint>(
            async (token, size, ct) =>
            {
                var (rows, next, response) = await query.ReadPageAsync(token, size ?? pageSizeHint, ct).ConfigureAwait(false);
                if (rows.Count == 0)
                {
                    return Page<Checkpoint>.FromValues([], next, response);
                }

                // A checkpoint that compaction deleted after its row was read has no state any more: it is left out.
                var states = await MaterializeAsync(query.Partition, rows[^1].Seq, rows[0].Seq, ct, includeNext: rows[0].WritesNextNode is not null).ConfigureAwait(false);
                return Page<Checkpoint>.FromValues(rows.Select(r => Complete(r, threadId, states)).OfType<Checkpoint>().ToList(), next, response);
            },
            cancellationToken);
    }

    public async Task DeleteThreadAsync(string ownerId, string threadId, CancellationToken cancellationToken = default)
    {
        var partition = PartitionOf(ownerId, threadId);
        _heads.Forget(partition);
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        await _table.DeleteEntitiesAsync(TableClient.CreateQueryFilter($"PartitionKey eq {partition}"), cancellationToken).ConfigureAwait(false);
    }

    public async Task<int> DeleteAfterAsync(string ownerId, string threadId, string? checkpointId, CancellationToken cancellationToken = default)
    {
        var partition = PartitionOf(ownerId, threadId);
        long keep = 0;
        if (checkpointId is not null && !CheckpointIds.TryGetSequence(checkpointId, out keep))
        {
            throw new CheckpointNotFoundException($"Thread '{threadId}' has no checkpoint '{checkpointId}'.");
        }

        _heads.Forget(partition);
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        CheckpointRow? kept = null;
        if (keep > 0)
        {
            var row = await _table.GetRowIfExistsAsync<CheckpointRow>(partition, CheckpointKeys.Checkpoint(keep), cancellationToken: cancellationToken).ConfigureAwait(false);
            kept = row is not null && row.Id == checkpointId
                ? row
                : throw new CheckpointNotFoundException($"Thread '{threadId}' has no checkpoint '{checkpointId}'.");
        }

        // Writes kept as the next checkpoint's delta must move back into the kept row before that delta goes.
        if (kept?.WritesNextNode is { } node)
        {
            await RestoreWritesAsync(partition, kept, node, cancellationToken).ConfigureAwait(false);
            kept = await _table.GetRowIfExistsAsync<CheckpointRow>(partition, kept.RowKey, cancellationToken: cancellationToken).ConfigureAwait(false)
                ?? throw new CheckpointNotFoundException($"Thread '{threadId}' has no checkpoint '{checkpointId}'.");
        }

        // The head row first: from here on a write planned on the old head fails, and the next one goes on from the kept checkpoint.
        if (kept is null)
        {
            await _table.DeleteEntityAsync(partition, CheckpointKeys.Head(partition), ETag.All, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await _table.UpsertEntityAsync(kept.AsHead().ToEntity(), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        }

        // Everything newer than the kept checkpoint sorts before its keys: its checkpoint rows, and its state rows.
        var deleted = await _table.DeleteEntitiesAsync(
            TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {"c"} and RowKey lt {CheckpointKeys.Checkpoint(keep)}"), cancellationToken).ConfigureAwait(false);
        await _table.DeleteEntitiesAsync(
            TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {"s"} and RowKey lt {CheckpointKeys.State(keep, 'a')}"), cancellationToken).ConfigureAwait(false);

        // The kept checkpoint's open block may hold deltas of deleted checkpoints: rewrite it without them,
        // so that a sequence number used again never meets an old delta.
        if (kept is not null && kept.BlockSeq > kept.SnapSeq)
        {
            var block = await _table.GetEntityIfExistsAsync<TableEntity>(partition, CheckpointKeys.State(kept.BlockSeq, CheckpointKeys.Block), cancellationToken: cancellationToken).ConfigureAwait(false);
            if (block.HasValue)
            {
                // The block's delta properties (D1, D1_1, D2…) of kept checkpoints; the SDK's entity also holds its keys, timestamp and ETag.
                var rewritten = new TableEntity(partition, block.Value!.RowKey);
                var dropped = false;
                foreach (var (name, value) in block.Value)
                {
                    if (name.Length < 2 || name[0] != 'D')
                    {
                        continue;
                    }

                    var member = kept.BlockSeq + int.Parse(name.AsSpan(1, (name.IndexOf('_', StringComparison.Ordinal) is var cut and > 0 ? cut : name.Length) - 1), CultureInfo.InvariantCulture);
                    if (member <= keep)
                    {
                        rewritten[name] = value;
                    }
                    else
                    {
                        dropped = true;
                    }
                }

                if (dropped)
                {
                    await _table.UpdateEntityAsync(rewritten, block.Value.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        return deleted;
    }

    /// <summary>Moves a checkpoint's writes, stored as the next checkpoint's delta, back into its own row (before that delta is deleted).</summary>
    private async Task RestoreWritesAsync(string partition, CheckpointRow row, string node, CancellationToken cancellationToken)
    {
        var states = await MaterializeAsync(partition, row.Seq, row.Seq, cancellationToken, includeNext: true).ConfigureAwait(false);
        var restored = new TableEntity(partition, row.RowKey);
        if (states.TryGetValue(row.Seq + 1, out var next) && next.Delta is { } delta)
        {
            restored.SetLargeString("W", NodeWrites(node, delta).GetRawText());
        }

        restored["X"] = string.Empty;
        _heads.Forget(partition);
        await _table.UpdateEntityAsync(restored, row.ETag, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
    }

    private HistoryReader HistoryQuery(string ownerId, string threadId, string? before, JsonElement? metadataFilter)
    {
        var partition = PartitionOf(ownerId, threadId);
        var from = "c";
        if (before is not null)
        {
            if (!CheckpointIds.TryGetSequence(before, out var beforeSequence))
            {
                throw new ArgumentException($"'{before}' is not a checkpoint id.", nameof(before));
            }

            from = CheckpointKeys.Checkpoint(beforeSequence) + "~"; // every key after that checkpoint's row
        }

        if (metadataFilter is { } filter && filter.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException("A metadata filter is a JSON object.", nameof(metadataFilter));
        }

        return new HistoryReader(this, partition, TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {from} and RowKey lt {"d"}"), metadataFilter);
    }

    private sealed class HistoryReader(TableCheckpointStore store, string partition, string filter, JsonElement? metadataFilter)
    {
        public string Partition => partition;

        public async Task<(List<CheckpointRow> Rows, string? Next, Response Response)> ReadPageAsync(string? token, int? size, CancellationToken cancellationToken)
        {
            await store.EnsureTableAsync(cancellationToken).ConfigureAwait(false);
            var page = await TableRows.FirstPageAsync(store._table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken), token, size).ConfigureAwait(false);
            var rows = new List<CheckpointRow>(page.Values.Count);
            foreach (var entity in page.Values)
            {
                var row = entity.ToRow<CheckpointRow>();
                if (metadataFilter is not { } f || MatchesMetadata(row.Metadata, f))
                {
                    rows.Add(row);
                }
            }

            return (rows, page.ContinuationToken, page.GetRawResponse());
        }

        /// <summary>
        /// A page of rows with their summary columns only: the SDK's typed query with <c>$select</c>; a row with a
        /// column split across properties is read again whole (a point read), and left out if it is gone by then.
        /// </summary>
        public async Task<(List<CheckpointRow> Rows, string? Next, Response Response)> ReadSummaryPageAsync(string? token, int? size, CancellationToken cancellationToken)
        {
            await store.EnsureTableAsync(cancellationToken).ConfigureAwait(false);
            var page = await TableRows.FirstPageAsync(
                store._table.QueryAsync<CheckpointSummaryEntity>(filter, select: CheckpointSummaryEntity.Columns, cancellationToken: cancellationToken), token, size).ConfigureAwait(false);
            var rows = new List<CheckpointRow>(page.Values.Count);
            foreach (var entity in page.Values)
            {
                var row = entity.IsSplit
                    // The keys are not selected: the partition is the query's, the row key the sequence's.
                    ? await store._table.GetRowIfExistsAsync<CheckpointRow>(partition, CheckpointKeys.Checkpoint(entity.Sequence ?? 0), cancellationToken: cancellationToken).ConfigureAwait(false)
                    : entity.ToRow();
                if (row is not null && (metadataFilter is not { } f || MatchesMetadata(row.Metadata, f)))
                {
                    rows.Add(row);
                }
            }

            return (rows, page.ContinuationToken, page.GetRawResponse());
        }
    }

    private static bool MatchesMetadata(string metadataJson, JsonElement filter)
    {
        using var document = JsonDocument.Parse(metadataJson);
        return JsonObjects.Matches(document.RootElement, filter);
    }

    private static long? ResolveParent(CheckpointWrite write, CheckpointRow? head)
    {
        if (write.ParentCheckpointId is null)
        {
            return head is null || write.Fork
                ? null
                : throw new StoreConflictException($"Thread '{write.ThreadId}' already has checkpoints; a write must name its parent (the latest is {head.Id}).");
        }

        if (!CheckpointIds.TryGetSequence(write.ParentCheckpointId, out var parent) || head is null || parent > head.Seq)
        {
            throw new CheckpointNotFoundException($"Thread '{write.ThreadId}' has no checkpoint '{write.ParentCheckpointId}'.");
        }

        if (parent == head.Seq && head.Id == write.ParentCheckpointId)
        {
            return parent;
        }

        if (!write.Fork)
        {
            throw new StoreConflictException(
                $"Checkpoint '{write.ParentCheckpointId}' is no longer the latest of thread '{write.ThreadId}' (the latest is {head.Id}); another write came first.");
        }

        return parent; // the fork's parent is checked when its state is materialised
    }

    /// <summary>
    /// Stores the checkpoint's row, its copy as the thread's head row, and its state rows; the head row's new ETag.
    /// The head row is added when the thread had none (a new thread, or one written before head rows were kept) and
    /// replaced on the ETag it was read with otherwise, so a head that moved since fails the whole transaction.
    /// </summary>
    private async Task<ETag> CommitAsync(WritePlan plan, CheckpointRow row, CheckpointRow newHead, CheckpointRow? head, CancellationToken cancellationToken)
    {
        var headAction = head is { IsHeadRow: true }
            ? TableRows.Action(TableTransactionActionType.UpdateReplace, newHead, head.ETag)
            : TableRows.Action(TableTransactionActionType.Add, newHead);
        var final = new List<TableTransactionAction> { TableRows.Action(TableTransactionActionType.Add, row), headAction };
        var finalBytes = 2 * EstimateBytes(row);
        foreach (var action in plan.Actions)
        {
            final.Add(action.Action);
            finalBytes += action.Bytes;
        }

        if (final.Count > MaxBatchOperations || finalBytes > MaxBatchBytes)
        {
            // Too large for one transaction: write the parts under a fresh write id first. Until the
            // final transaction adds the checkpoint and the header that names that write id, no
            // reader looks at them; if this write fails, they are orphans that nothing reads.
            final = [TableRows.Action(TableTransactionActionType.Add, row), headAction];
            var writeId = Guid.NewGuid().ToString("N")[..8];
            foreach (var (kind, json) in plan.Blobs)
            {
                var (header, parts) = plan.BlobRows(kind, json, writeId, inline: false);
                await WritePartsAsync(parts, cancellationToken).ConfigureAwait(false);
                final.Add(TableRows.Action(TableTransactionActionType.Add, header));
            }

            final.AddRange(plan.RowActions);
        }

        var responses = await SubmitAsync(final, cancellationToken).ConfigureAwait(false);
        AgentMetrics.CheckpointBytesWritten.Add(
            finalBytes, new KeyValuePair<string, object?>(TelemetryAttributes.CheckpointKind, row.Kind == CheckpointRow.KindSnapshot ? "snapshot" : "delta"));
        return responses.Value.Count > 1 && responses.Value[1].Headers.ETag is { } etag ? etag : default;
    }

    /// <summary>Writes the part rows of a blob too large for one transaction, in as many transactions as they take.</summary>
    private async Task WritePartsAsync(List<TableEntity> parts, CancellationToken cancellationToken)
    {
        var batch = new List<TableTransactionAction>();
        long batchBytes = 0;
        foreach (var part in parts)
        {
            var bytes = WritePlan.RequestBytes(part);
            if (batch.Count == MaxBatchOperations || batchBytes + bytes > MaxBatchBytes)
            {
                await SubmitAsync(batch, cancellationToken).ConfigureAwait(false);
                (batch, batchBytes) = ([], 0);
            }

            batch.Add(TableRows.Action(TableTransactionActionType.UpsertReplace, part));
            batchBytes += bytes;
        }

        if (batch.Count > 0)
        {
            await SubmitAsync(batch, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<Response<IReadOnlyList<Response>>> SubmitAsync(List<TableTransactionAction> actions, CancellationToken cancellationToken)
    {
        try
        {
            return await _table.SubmitNamedTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
        }
        catch (TableTransactionFailedException e) when (e.Status is 409 or 412 or 404 && e.ErrorCode is "EntityAlreadyExists" or "UpdateConditionNotSatisfied" or "ResourceNotFound")
        {
            throw new StoreConflictException("Another write added a checkpoint to this thread first; re-read the thread and retry.", e);
        }
        catch (RequestFailedException e) when (e.Status == 413 || e.ErrorCode is "RequestBodyTooLarge" or "EntityTooLarge" or "PropertyValueTooLarge")
        {
            throw new CheckpointTooLargeException("The checkpoint is larger than the storage service accepts in one write.", e);
        }
    }

    /// <summary>
    /// The states of checkpoints <paramref name="low"/> to <paramref name="high"/>: one query of the
    /// <c>s</c> range from <paramref name="high"/> back to the nearest snapshot at or before
    /// <paramref name="low"/>, then the deltas applied forward from it. With <paramref name="includeNext"/>,
    /// also the checkpoint after <paramref name="high"/> when it exists (its delta is the writes of <paramref name="high"/>).
    /// </summary>
    private async Task<Dictionary<long, (AgentState State, string? Delta)>> MaterializeAsync(
        string partition, long low, long high, CancellationToken cancellationToken, bool includeNext = false)
    {
        var required = high;
        high = includeNext ? high + 1 : high;
        var deltas = new Dictionary<long, string>();
        var blobs = new Dictionary<(long Sequence, char Kind), BlobReader>();
        long? baseSequence = null;

        // A compaction snapshot names the block that holds the deltas after it when that block starts
        // before it (SnapshotFromProperty): reading goes on down to that block.
        var floor = long.MaxValue;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {CheckpointKeys.State(high, 'a')} and RowKey lt {"t"}");
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var (sequence, kind, writeId, part) = CheckpointKeys.ParseState(row.RowKey);
            if (baseSequence is { } found && sequence < Math.Min(found, floor))
            {
                break; // past the snapshot, its parts and the block it names: nothing older is needed
            }

            if (kind == CheckpointKeys.Block)
            {
                foreach (var name in row.Keys.Where(k => k.Length > 1 && k[0] == 'D' && !k.Contains('_', StringComparison.Ordinal)))
                {
                    var member = sequence + int.Parse(name.AsSpan(1), CultureInfo.InvariantCulture);
                    if (member <= high)
                    {
                        deltas.TryAdd(member, row.GetLargeString(name)!);
                    }
                }

                continue;
            }

            var blob = blobs.TryGetValue((sequence, kind), out var existing) ? existing : blobs[(sequence, kind)] = new BlobReader();
            if (writeId is null)
            {
                blob.Header(row);
                if (kind == CheckpointKeys.Snapshot && baseSequence is null)
                {
                    if (row.GetInt64(SnapshotFromProperty) is { } from)
                    {
                        floor = Math.Min(floor, from);
                    }

                    if (sequence <= low)
                    {
                        baseSequence = sequence;
                    }
                }
            }
            else
            {
                blob.Part(writeId, part, row.GetLargeString("V") ?? string.Empty);
            }
        }

        // Without a snapshot at or before low (checkpoints compacted away while this read went on), the
        // oldest snapshot read is the start; what lies before it has no state and is left out.
        var start = baseSequence
            ?? blobs.Keys.Where(key => key.Kind == CheckpointKeys.Snapshot).Select(key => (long?)key.Sequence).Min()
            ?? throw new InvalidOperationException($"Checkpoint {low} of this thread has no snapshot to start from; its rows are incomplete.");

        var states = new Dictionary<long, (AgentState, string?)>();
        AgentState? state = null;
        for (var sequence = start; sequence <= high; sequence++)
        {
            // A checkpoint's delta is looked up even where a snapshot is: a compaction snapshot sits at a
            // checkpoint that also has its delta, which may be its writes.
            string? delta = deltas.TryGetValue(sequence, out var inBlock) ? inBlock
                : blobs.TryGetValue((sequence, CheckpointKeys.Delta), out var own) && own.TryComplete(out var ownDelta) ? ownDelta
                : null;
            if (blobs.TryGetValue((sequence, CheckpointKeys.Snapshot), out var snapshot) && snapshot.TryComplete(out var stateJson))
            {
                state = AgentState.Parse(stateJson);
            }
            else if (delta is not null)
            {
                state = state?.Apply(StateUpdate.ParseStored(delta));
            }
            else if (sequence > required)
            {
                break; // the next checkpoint is gone (rolled back or compacted): the writes it held are unknown
            }
            else
            {
                state = null; // a checkpoint compaction deleted: no state until the next snapshot
            }

            if (sequence >= low && state is not null)
            {
                states[sequence] = (state, delta);
            }
        }

        return states;
    }

    private static AgentState? StateAt(Dictionary<long, (AgentState State, string? Delta)> states, long sequence)
        => states.TryGetValue(sequence, out var found) ? found.State : null;

    /// <summary>The thread's newest checkpoint row: its head row (a point read), or null when the thread has none.</summary>
    private async Task<CheckpointRow?> ReadHeadAsync(string partition, CancellationToken cancellationToken)
    {
        var head = await _table.GetRowIfExistsAsync<CheckpointRow>(partition, CheckpointKeys.Head(partition), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (head is not null || _headsKept)
        {
            return head;
        }

        // A thread written before head rows were kept: its newest checkpoint row (its next write adds the head row).
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {"c"} and RowKey lt {"d"}");
        await foreach (var row in _table.QueryRowsAsync<CheckpointRow>(filter, maxPerPage: 1, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            return row;
        }

        return null;
    }

    private Task EnsureTableAsync(CancellationToken cancellationToken) => _creation.EnsureCreatedAsync(cancellationToken);

    /// <summary>Learns, on the store's first use, whether every thread in the table has its head row (<see cref="TableFormat"/>).</summary>
    private async Task LearnHeadsKeptAsync() => _headsKept = await TableFormat.IsCurrentAsync(_table, CheckpointKeys.HeadsKept).ConfigureAwait(false);

    /// <summary>
    /// The head's state (and its delta) by point reads, when its rows are the usual ones: an inline snapshot, and after it
    /// at most one block that holds every delta since; null when they are not (or are gone), and the range query decides.
    /// </summary>
    private async Task<Dictionary<long, (AgentState State, string? Delta)>?> ReadHeadStateAsync(string partition, CheckpointRow head, CancellationToken cancellationToken)
    {
        var afterSnapshot = head.Seq - head.SnapSeq;
        if (head.SnapSeq <= 0 || afterSnapshot < 0 || (afterSnapshot > 0 && (head.RowsSinceSnap != 1 || head.BlockSeq != head.SnapSeq + 1)))
        {
            return null;
        }

        var snapshotRead = _table.GetEntityIfExistsAsync<TableEntity>(partition, CheckpointKeys.State(head.SnapSeq, CheckpointKeys.Snapshot), cancellationToken: cancellationToken);
        var blockRead = afterSnapshot > 0
            ? _table.GetEntityIfExistsAsync<TableEntity>(partition, CheckpointKeys.State(head.BlockSeq, CheckpointKeys.Block), cancellationToken: cancellationToken)
            : null;
        var snapshot = await snapshotRead.ConfigureAwait(false);
        var block = blockRead is null ? null : await blockRead.ConfigureAwait(false);
        if (!snapshot.HasValue || snapshot.Value!.GetInt32("Parts") != 0 || snapshot.Value.ContainsKey(SnapshotFromProperty)
            || snapshot.Value.GetLargeString("V") is not { } stateJson)
        {
            return null;
        }

        var state = AgentState.Parse(stateJson);
        string? delta = null;
        for (var sequence = head.SnapSeq + 1; sequence <= head.Seq; sequence++)
        {
            delta = block is { HasValue: true } ? block.Value!.GetLargeString("D" + (sequence - head.BlockSeq).ToString(CultureInfo.InvariantCulture)) : null;
            if (delta is null)
            {
                return null;
            }

            state = state.Apply(StateUpdate.ParseStored(delta));
        }

        return new() { [head.Seq] = (state, delta) };
    }

    private static string PartitionOf(string ownerId, string threadId)
        => CheckpointKeys.Partition(OwnerKey.ToPartitionKey(ownerId), ResourceIds.Validate(threadId, "thread"));

    /// <summary>The checkpoint of <paramref name="row"/> with its state, or null when its state is gone (compacted away since the row was read).</summary>
    private static Checkpoint? Complete(CheckpointRow row, string threadId, Dictionary<long, (AgentState State, string? Delta)> states)
    {
        if (!states.TryGetValue(row.Seq, out var state))
        {
            return null;
        }

        var summary = Summarize(row, threadId);
        var writes = summary.Writes;
        if (row.WritesNode is { } node && state.Delta is { } delta)
        {
            writes = NodeWrites(node, delta);
        }
        else if (row.WritesNextNode is { } nextNode && states.TryGetValue(row.Seq + 1, out var next) && next.Delta is { } nextDelta)
        {
            writes = NodeWrites(nextNode, nextDelta);
        }

        return new Checkpoint
        {
            ThreadId = summary.ThreadId,
            CheckpointId = summary.CheckpointId,
            ParentCheckpointId = summary.ParentCheckpointId,
            Sequence = summary.Sequence,
            Step = summary.Step,
            Source = summary.Source,
            Metadata = summary.Metadata,
            Writes = writes,
            WritesNode = summary.WritesNode,
            Next = summary.Next,
            Tasks = summary.Tasks,
            CreatedAt = summary.CreatedAt,
            Values = state.State,
        };
    }

    private static JsonElement NodeWrites(string node, string delta)
    {
        using var document = JsonDocument.Parse($"{{{JsonSerializer.Serialize(node, CheckpointSerializerContext.Default.String)}:{delta}}}");
        return document.RootElement.Clone();
    }

    private static CheckpointSummary Summarize(CheckpointRow row, string threadId) => new()
    {
        ThreadId = threadId,
        CheckpointId = row.Id,
        ParentCheckpointId = row.ParentId,
        Sequence = row.Seq,
        Step = row.Step,
        Source = ParseSource(row.Source),
        Metadata = ParseJson(row.Metadata),
        Writes = row.Writes is null ? null : ParseJson(row.Writes),
        WritesNode = row.WritesNode,
        Next = row.Next == "[]" ? [] : JsonSerializer.Deserialize(row.Next, CheckpointSerializerContext.Default.IReadOnlyListString) ?? [],
        Tasks = row.Tasks == "[]" ? EmptyArray : ParseJson(row.Tasks),
        CreatedAt = row.CreatedAt,
    };

    /// <summary>Writes that are exactly <c>{node: delta}</c> are stored as the node's name: the delta is already stored.</summary>
    private static (string? Json, string? Node) StoredWrites(JsonElement? writes, string deltaJson)
    {
        if (writes is not { } value || value.ValueKind == JsonValueKind.Null)
        {
            return (null, null);
        }

        if (value.ValueKind == JsonValueKind.Object)
        {
            using var enumerator = value.EnumerateObject();
            if (enumerator.MoveNext() && enumerator.Current is var only && !enumerator.MoveNext())
            {
                using var delta = JsonDocument.Parse(deltaJson);
                if (JsonElement.DeepEquals(only.Value, delta.RootElement))
                {
                    return (null, only.Name);
                }
            }
        }

        return (value.GetRawText(), null);
    }

    private static List<string> SplitRows(string json) => LargeStrings.Split(json, MaxRowChars, MaxRowRequestBytes).Select(range => json[range]).ToList();

    private static JsonElement RequireKind(JsonElement value, JsonValueKind kind, string name)
        => value.ValueKind == kind ? value : throw new ArgumentException($"{name} must be a JSON {kind.ToString().ToLowerInvariant()}.", name);

    private static readonly JsonElement EmptyArray = JsonElement.Parse("[]");

    private static JsonElement ParseJson(string json) => JsonElement.Parse(json);

    private static long Utf8(string text) => Encoding.UTF8.GetByteCount(text);

    private static long EstimateBytes(CheckpointRow row)
        => 1024 + TableLimits.RequestBytes(row.Metadata) + TableLimits.RequestBytes(row.Tasks) + TableLimits.RequestBytes(row.Next) + TableLimits.RequestBytes(row.Writes ?? string.Empty);

    private static string SourceName(CheckpointSource source) => source switch
    {
        CheckpointSource.Input => "input",
        CheckpointSource.Loop => "loop",
        CheckpointSource.Update => "update",
        CheckpointSource.Fork => "fork",
        _ => throw new ArgumentOutOfRangeException(nameof(source), source, "Unknown checkpoint source."),
    };

    private static CheckpointSource ParseSource(string source) => source switch
    {
        "input" => CheckpointSource.Input,
        "update" => CheckpointSource.Update,
        "fork" => CheckpointSource.Fork,
        _ => CheckpointSource.Loop,
    };

    /// <summary>The state rows one checkpoint write adds: block properties, or a delta or snapshot (whole, or split in parts).</summary>
    private sealed class WritePlan(string partition, long sequence)
    {
        public string Partition => partition;

        /// <summary>For a compaction snapshot inside an open block: the block's first sequence, which readers go down to.</summary>
        public long? SnapshotFrom { get; init; }

        public long Sequence => sequence;

        public List<(char Kind, string Json)> Blobs { get; } = [];

        /// <summary>The head's touch, the parent's writes moved to this delta, and block merges: small rows that always go in the final transaction.</summary>
        public List<TableTransactionAction> RowActions { get; } = [];

        /// <summary>Everything as one transaction would carry it: block merges, and each blob's header with its content, or header and parts.</summary>
        public IEnumerable<(TableTransactionAction Action, long Bytes)> Actions
        {
            get
            {
                foreach (var action in RowActions)
                {
                    yield return (action, RequestBytes((TableEntity)action.Entity));
                }

                foreach (var (kind, json) in Blobs)
                {
                    var (header, parts) = BlobRows(kind, json, writeId: string.Empty, inline: true);
                    yield return (TableRows.Action(TableTransactionActionType.Add, header), RequestBytes(header));
                    foreach (var part in parts)
                    {
                        yield return (TableRows.Action(TableTransactionActionType.Add, part), RequestBytes(part));
                    }
                }
            }
        }

        /// <summary>
        /// The rows of one delta or snapshot: a header that names the write id and the number of parts, and the
        /// part rows. With <paramref name="inline"/>, content that fits one row goes into the header itself.
        /// </summary>
        public (TableEntity Header, List<TableEntity> Parts) BlobRows(char kind, string json, string writeId, bool inline)
        {
            var pieces = SplitRows(json);
            var header = new TableEntity(partition, CheckpointKeys.State(sequence, kind)) { ["W"] = writeId };
            if (kind == CheckpointKeys.Snapshot && SnapshotFrom is { } from)
            {
                header[SnapshotFromProperty] = from;
            }

            if (inline && pieces.Count == 1)
            {
                header["Parts"] = 0;
                header.SetLargeString("V", pieces[0]);
                return (header, []);
            }

            header["Parts"] = pieces.Count;
            var parts = new List<TableEntity>(pieces.Count);
            for (var i = 0; i < pieces.Count; i++)
            {
                var part = new TableEntity(partition, CheckpointKeys.StatePart(sequence, kind, writeId, i));
                part.SetLargeString("V", pieces[i]);
                parts.Add(part);
            }

            return (header, parts);
        }

        /// <summary>An entity's size in a transaction: its strings as sent, a fixed allowance for keys, names and the rest.</summary>
        public static long RequestBytes(TableEntity entity) => 512 + entity.Sum(p => p.Value is string s ? TableLimits.RequestBytes(s) : 16);

        public void AddBlob(char kind, string json) => Blobs.Add((kind, json));

        private TableEntity? _head;
        private bool _headMerged;

        /// <summary>
        /// The head's own checkpoint row, in the write: read from the head row, a merge (of nothing, unless
        /// <see cref="ParentWritesToNext"/> moves its writes), as the head row's replacement on its ETag holds the write;
        /// read from the checkpoint row itself (a thread written before head rows were kept), a merge on that row's ETag,
        /// which fails when another write, a rollback or a delete changed or removed it since it was read.
        /// </summary>
        public void HoldHead(CheckpointRow head)
        {
            _head = new TableEntity(partition, CheckpointKeys.Checkpoint(head.Seq));
            if (!head.IsHeadRow)
            {
                RowActions.Add(TableRows.Action(TableTransactionActionType.UpdateMerge, _head, head.ETag == default ? ETag.All : head.ETag));
                _headMerged = true;
            }
        }

        /// <summary>
        /// When the parent's writes are exactly <c>{node: this delta}</c> (a run's input, which the next
        /// step applies), they are kept once, as this delta: the parent (the head) is rewritten to point here.
        /// </summary>
        public void ParentWritesToNext(CheckpointRow parent, string deltaJson)
        {
            if (parent.Writes is null || StoredWrites(ParseJson(parent.Writes), deltaJson) is not (null, { } node))
            {
                return;
            }

            var update = _head ?? throw new InvalidOperationException("The parent's writes move only within a write held on the head.");
            if (!_headMerged)
            {
                RowActions.Add(TableRows.Action(TableTransactionActionType.UpdateMerge, update));
                _headMerged = true;
            }

            update["X"] = node;
            var parts = LargeStrings.Split(parent.Writes).Count();
            for (var i = 0; i < parts; i++)
            {
                update[LargeStrings.PartName("W", i)] = string.Empty;
            }
        }

        public void AddToBlock(long blockSequence, string deltaJson)
        {
            var block = new TableEntity(partition, CheckpointKeys.State(blockSequence, CheckpointKeys.Block));
            block.SetLargeString("D" + (sequence - blockSequence).ToString(CultureInfo.InvariantCulture), deltaJson);
            RowActions.Add(TableRows.Action(TableTransactionActionType.UpsertMerge, block));
        }
    }

    /// <summary>Gathers a delta or snapshot that may be stored whole in its header or in parts named by a write id.</summary>
    private sealed class BlobReader
    {
        private readonly Dictionary<string, SortedDictionary<int, string>> _parts = new(StringComparer.Ordinal);
        private string? _writeId;
        private int _partCount = -1;
        private string? _inline;

        public void Header(TableEntity row)
        {
            _writeId = row.GetString("W") ?? string.Empty;
            _partCount = row.GetInt32("Parts") ?? 0;
            _inline = _partCount == 0 ? row.GetLargeString("V") : null;
        }

        public void Part(string writeId, int index, string value)
        {
            var parts = _parts.TryGetValue(writeId, out var existing) ? existing : _parts[writeId] = [];
            parts[index] = value;
        }

        public bool TryComplete(out string json)
        {
            json = string.Empty;
            if (_partCount < 0)
            {
                return false; // parts without a header: an unfinished write's leftovers
            }

            if (_partCount == 0)
            {
                json = _inline ?? string.Empty;
                return true;
            }

            if (!_parts.TryGetValue(_writeId!, out var parts) || parts.Count != _partCount)
            {
                throw new InvalidOperationException("A checkpoint's state rows are incomplete.");
            }

            json = string.Concat(parts.Values);
            return true;
        }
    }

    /// <summary>A write's JSON columns, serialized and checked once however many times it is attempted.</summary>
    private sealed record PreparedWrite(
        CheckpointWrite Write, string Partition, string DeltaJson, string MetadataJson, string TasksJson, string NextJson, string? WritesJson, string? WritesNode)
    {
        public static PreparedWrite Of(CheckpointWrite write, long maxStepBytes)
        {
            var partition = PartitionOf(write.OwnerId, write.ThreadId);
            var deltaJson = write.Delta.ToJson();
            var metadataJson = RequireKind(write.Metadata, JsonValueKind.Object, nameof(write.Metadata)).GetRawText();
            var tasksJson = RequireKind(write.Tasks, JsonValueKind.Array, nameof(write.Tasks)).GetRawText();
            var nextJson = JsonSerializer.Serialize(write.Next, CheckpointSerializerContext.Default.IReadOnlyListString);
            var (writesJson, writesNode) = StoredWrites(write.Writes, deltaJson);
            var stepBytes = Utf8(deltaJson) + Utf8(metadataJson) + Utf8(tasksJson) + Utf8(nextJson) + Utf8(writesJson ?? string.Empty);
            return stepBytes > maxStepBytes
                ? throw new CheckpointTooLargeException(stepBytes, maxStepBytes)
                : new PreparedWrite(write, partition, deltaJson, metadataJson, tasksJson, nextJson, writesJson, writesNode);
        }
    }
}
