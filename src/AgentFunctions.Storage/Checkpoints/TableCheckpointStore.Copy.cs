using System.Text.Json;
using AgentFunctions.Core.Stores;
using AgentFunctions.Storage.Tables;
using Azure;
using Azure.Data.Tables;

namespace AgentFunctions.Storage.Checkpoints;

/// <summary>
/// Copying a thread's partition to another thread: every row as it is stored (checkpoint rows, blocks, deltas,
/// snapshots and their parts), so the copy has the same checkpoint ids, parents, history and values. Checkpoint ids
/// are built from a checkpoint's sequence and creation time, not from its thread, so nothing but the partition key
/// and the metadata's <c>thread_id</c> changes.
/// </summary>
public sealed partial class TableCheckpointStore
{
    // Rows read per page of the source: a page is written before the next is read.
    private const int CopyPageSize = 100;

    public async Task<long> CopyThreadAsync(string ownerId, string threadId, string targetThreadId, CancellationToken cancellationToken = default)
    {
        var source = PartitionOf(ownerId, threadId);
        var target = PartitionOf(ownerId, targetThreadId);
        if (source == target)
        {
            throw new ArgumentException("A thread cannot be copied onto itself.", nameof(targetThreadId));
        }

        _heads.Forget(target);
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        var before = await ReadCopyVersionAsync(source, cancellationToken).ConfigureAwait(false);
        if (before.Compacting)
        {
            throw new StoreConflictException($"Thread '{threadId}' is being compacted; copy it again in a moment.");
        }

        long copied = 0;
        var written = false;
        try
        {
            var batch = new List<TableTransactionAction>(MaxBatchOperations);
            long batchBytes = 0;
            var headKey = CheckpointKeys.Head(target);
            TableEntity? newest = null;
            var hasHead = false;
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {source}");
            await foreach (var entity in _table.QueryAsync<TableEntity>(filter, maxPerPage: CopyPageSize, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                if (CopyRow(entity, target, threadId, targetThreadId) is not { } copy)
                {
                    continue;
                }

                await AddAsync(copy).ConfigureAwait(false);
                hasHead |= copy.RowKey == headKey;
                if (copy.RowKey.StartsWith('c'))
                {
                    newest ??= copy; // the rows come newest first
                    copied++;
                }
            }

            // A source written before head rows were kept has none: the copy gets one, its newest checkpoint row again.
            if (!hasHead && newest is not null)
            {
                var head = new TableEntity(newest) { RowKey = headKey };
                await AddAsync(head).ConfigureAwait(false);
            }

            async Task AddAsync(TableEntity copy)
            {
                var bytes = WritePlan.RequestBytes(copy);
                if (batch.Count == MaxBatchOperations || (batch.Count > 0 && batchBytes + bytes > MaxBatchBytes))
                {
                    written = true;
                    await SubmitCopyAsync(batch, cancellationToken).ConfigureAwait(false);
                    (batch, batchBytes) = (new List<TableTransactionAction>(MaxBatchOperations), 0);
                }

                batch.Add(TableRows.Action(TableTransactionActionType.Add, copy));
                batchBytes += bytes;
            }

            if (batch.Count > 0)
            {
                written = true;
                await SubmitCopyAsync(batch, cancellationToken).ConfigureAwait(false);
            }

            // A run, a rollback or compaction that wrote while the rows were read may have left the copy between two
            // versions of the thread: it is not kept.
            var after = await ReadCopyVersionAsync(source, cancellationToken).ConfigureAwait(false);
            if (after != before)
            {
                throw new StoreConflictException($"Thread '{threadId}' changed while it was copied; copy it again.");
            }

            return copied;
        }
        catch when (written)
        {
            // Nothing half-copied stays: the copy's rows go, whatever stopped it (the caller's cancellation too). Should
            // that fail as well, the rows are unreachable (no thread row names them) and the first failure is reported.
            try
            {
                await _table.DeleteEntitiesAsync(TableClient.CreateQueryFilter($"PartitionKey eq {target}"), CancellationToken.None).ConfigureAwait(false);
            }
            catch (RequestFailedException)
            {
            }

            throw;
        }
    }

    /// <summary>The row as the copy stores it, or null for what is not copied (a compaction mark with nothing worth keeping).</summary>
    private static TableEntity? CopyRow(TableEntity row, string target, string threadId, string targetThreadId)
    {
        var head = row.RowKey.StartsWith(CheckpointKeys.HeadPrefix);
        var copy = new TableEntity(target, head ? CheckpointKeys.Head(target) : row.RowKey);
        if (row.RowKey == CheckpointKeys.Mark)
        {
            // Only what compaction has done; a request, a holder or a purge of run events belongs to the source.
            if (row.GetInt64(MarkCompacted) is not { } compacted)
            {
                return null;
            }

            copy[MarkCompacted] = compacted;
            if (row.GetDateTimeOffset(MarkCompactedAt) is { } at)
            {
                copy[MarkCompactedAt] = at;
            }

            return copy;
        }

        var metadata = row.RowKey.StartsWith('c') || head ? row.GetLargeString("M") : null;
        foreach (var (name, value) in row)
        {
            if (name is "PartitionKey" or "RowKey" or "Timestamp" or "odata.etag"
                || (metadata is not null && (name == "M" || name.StartsWith("M_", StringComparison.Ordinal))))
            {
                continue;
            }

            copy[name] = value;
        }

        if (metadata is not null)
        {
            copy.SetLargeString("M", RenameThread(metadata, threadId, targetThreadId));
        }

        return copy;
    }

    /// <summary>The metadata with its <c>thread_id</c> naming the copy, when it named the source (as a run writes it).</summary>
    private static string RenameThread(string metadataJson, string threadId, string targetThreadId)
    {
        using var document = JsonDocument.Parse(metadataJson);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("thread_id", out var named)
            || named.ValueKind != JsonValueKind.String || !named.ValueEquals(threadId))
        {
            return metadataJson;
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>(metadataJson.Length + targetThreadId.Length);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var property in root.EnumerateObject())
            {
                if (property.NameEquals("thread_id"))
                {
                    writer.WriteString("thread_id", targetThreadId);
                }
                else
                {
                    property.WriteTo(writer);
                }
            }

            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private async Task SubmitCopyAsync(List<TableTransactionAction> actions, CancellationToken cancellationToken)
    {
        try
        {
            await _table.SubmitNamedTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
        }
        catch (TableTransactionFailedException e) when (e.Status == 409 && e.ErrorCode == "EntityAlreadyExists")
        {
            throw new StoreConflictException("The thread to copy to already has checkpoints.", e);
        }
    }

    /// <summary>
    /// What changes when anything writes to a thread's partition: the compaction mark (compaction holds it before it
    /// changes a row, and writes it when done) and the latest checkpoint's row (every checkpoint write adds one or
    /// rewrites it; a rollback deletes the ones after it and rewrites it).
    /// </summary>
    private async Task<CopyVersion> ReadCopyVersionAsync(string partition, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {CheckpointKeys.Mark} and RowKey lt {"d"}");
        ETag mark = default;
        var compacting = false;
        string? head = null;
        ETag headETag = default;
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, maxPerPage: 2, select: ["RowKey", MarkHolder, MarkHeldUntil], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (row.RowKey == CheckpointKeys.Mark)
            {
                mark = row.ETag;
                compacting = row.GetString(MarkHolder) is { Length: > 0 } && row.GetDateTimeOffset(MarkHeldUntil) > _time.GetUtcNow();
                continue;
            }

            (head, headETag) = (row.RowKey, row.ETag);
            break;
        }

        return new CopyVersion(mark, head, headETag, compacting);
    }

    private readonly record struct CopyVersion(ETag Mark, string? Head, ETag HeadETag, bool Compacting);
}
