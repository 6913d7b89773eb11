using System.Runtime.CompilerServices;
using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.Runtime;

namespace AgentFunctions.Http.State;

/// <summary>
/// Which checkpoints one history page holds, decided from their summaries before any state is read:
/// <see cref="Count"/> checkpoints from <see cref="First"/> down to <see cref="Last"/> (sequences, newest
/// first), and <see cref="NextBefore"/>, the id the next page starts before, when more follow. The states
/// are then read by <see cref="Checkpoints"/>, a store page at a time. A checkpoint written after the
/// summaries were read (newer than <see cref="First"/>) is not in this page; one compaction deleted in
/// between is left out; the cursor stays a position, so the next page is the right one either way.
/// </summary>
internal sealed record HistoryPage(
    ICheckpointStore Store, string OwnerId, string ThreadId, HistoryRequest Request, int Count, long First, long Last, string? NextBefore)
{
    /// <summary>Checkpoints with values per store read: each read materialises its states together.</summary>
    public const int ValuesPageSize = NdjsonHistoryWriter.ValuesPageSize;

    /// <summary>
    /// The page a request asks for, from summaries alone. They are asked for one larger than the limit,
    /// so that whether more follow is usually known without another read. Only the first and the last are kept.
    /// </summary>
    public static async Task<HistoryPage> ReadAsync(
        ICheckpointStore store, string ownerId, string threadId, HistoryRequest request, CancellationToken cancellationToken)
    {
        var hint = Math.Min(request.Limit + 1, HistoryRequest.MaxLimit);
        var count = 0;
        long first = 0, last = 0;
        string? lastId = null;
        var pages = store.GetCheckpointSummariesAsync(ownerId, threadId, request.Before, request.Metadata, hint, cancellationToken).AsPages(pageSizeHint: hint);
        await foreach (var page in pages.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            foreach (var summary in page.Values)
            {
                if (count == request.Limit)
                {
                    return new(store, ownerId, threadId, request, count, first, last, lastId);
                }

                first = count == 0 ? summary.Sequence : first;
                (last, lastId) = (summary.Sequence, summary.CheckpointId);
                count++;
            }

            if (count == request.Limit)
            {
                return new(store, ownerId, threadId, request, count, first, last, page.ContinuationToken is null ? null : lastId);
            }
        }

        return new(store, ownerId, threadId, request, count, first, last, null);
    }

    /// <summary>
    /// This page cut where its body would pass <paramref name="budget"/> bytes (never below one checkpoint),
    /// with the cursor after its new last checkpoint; itself when it fits. Its states are read to measure them.
    /// </summary>
    public async Task<HistoryPage> FitAsync(long budget, CancellationToken cancellationToken)
    {
        var (count, last, cut) = await Json.JsonArray.FitAsync(
            Checkpoints(cancellationToken), WireJson.WriteStateSnapshot, WireResults.WriterOptions, budget, cancellationToken).ConfigureAwait(false);
        return cut ? this with { Count = count, Last = last!.Sequence, NextBefore = last.CheckpointId } : this;
    }

    /// <summary>The page's checkpoints with their states, newest first, read a store page at a time as they are consumed.</summary>
    public async IAsyncEnumerable<Checkpoint> Checkpoints([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (Count == 0)
        {
            yield break;
        }

        var hint = Math.Min(Count, ValuesPageSize);
        var yielded = 0;
        var pages = Store.GetCheckpointsAsync(OwnerId, ThreadId, Request.Before, Request.Metadata, hint, cancellationToken).AsPages(pageSizeHint: hint);
        await foreach (var page in pages.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            foreach (var checkpoint in page.Values)
            {
                if (checkpoint.Sequence > First)
                {
                    continue;
                }

                if (checkpoint.Sequence < Last)
                {
                    yield break;
                }

                yield return checkpoint;
                if (++yielded == Count)
                {
                    yield break;
                }
            }
        }
    }
}
