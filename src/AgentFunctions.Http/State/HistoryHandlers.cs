using System.Globalization;
using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.Stores;
using AgentFunctions.Core.Runtime;
using AgentFunctions.Http.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Http.State;

/// <summary>
/// A thread's history as LangGraph Platform serves it (<c>GET</c> and <c>POST /threads/{id}/history</c>: one
/// page of state snapshots, newest first, 10 by default), with cursor paging beyond it: when more
/// checkpoints follow a page, the response carries <c>X-Next-Cursor</c> and <c>Link: &lt;…&gt;; rel="next"</c>;
/// and the whole history as NDJSON (<c>GET /threads/{id}/history/stream</c>). A page is written as it is read
/// (see <see cref="HistoryPage"/>): a request holds one store page of states at a time, whatever its limit.
/// </summary>
public static class HistoryHandlers
{
    /// <summary>The response header with the cursor of the next page.</summary>
    public const string NextCursorHeader = "X-Next-Cursor";

    /// <summary><c>GET /threads/{thread_id}/history?limit=&amp;before=&amp;cursor=</c>.</summary>
    public static async Task<IResult> GetHistoryAsync(HttpContext context, string threadId)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = HistoryRequest.FromQuery(context.Request.Query);
        var ownerId = await ThreadAccess.RequireThreadAsync(context, threadId).ConfigureAwait(false);
        return await PageAsync(context, ownerId, threadId, request, nextLinkKeepsLimit: true).ConfigureAwait(false);
    }

    /// <summary><c>POST /threads/{thread_id}/history</c> with <c>{limit, before, metadata, checkpoint, cursor}</c>.</summary>
    public static async Task<IResult> PostHistoryAsync(HttpContext context, string threadId)
    {
        ArgumentNullException.ThrowIfNull(context);
        var body = await RequestJson.ReadObjectAsync(context.Request, context.RequestAborted).ConfigureAwait(false);
        var request = HistoryRequest.FromBody(body, context.Request.Query);
        var ownerId = await ThreadAccess.RequireThreadAsync(context, threadId).ConfigureAwait(false);
        return await PageAsync(context, ownerId, threadId, request, nextLinkKeepsLimit: false).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>GET /threads/{thread_id}/history/stream?values=true|false&amp;before=</c>: every checkpoint older than
    /// <c>before</c> (all by default), newest first, one JSON object per line (<c>application/x-ndjson</c>),
    /// read page by page from the store as the client reads and stopped when the client goes away. With
    /// <c>values=false</c>, each line is a checkpoint's summary: the state snapshot without <c>values</c> or
    /// <c>metadata.writes</c>, read without materialising any state.
    /// </summary>
    public static async Task StreamHistoryAsync(HttpContext context, string threadId)
    {
        ArgumentNullException.ThrowIfNull(context);
        var query = context.Request.Query;
        var withValues = true;
        if (query.TryGetValue("values", out var values))
        {
            withValues = bool.TryParse(values.ToString(), out var parsed) ? parsed : throw RequestJson.Invalid("query.values", "must be true or false");
        }

        var before = HistoryRequest.FromQuery(query).Before;
        var ownerId = await ThreadAccess.RequireThreadAsync(context, threadId).ConfigureAwait(false);
        var checkpoints = context.RequestServices.GetRequiredService<ICheckpointStore>();
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(HistoryHandlers));
        var writer = new NdjsonHistoryWriter(context.Response, logger);
        if (withValues)
        {
            var pages = checkpoints.GetCheckpointsAsync(ownerId, threadId, before, pageSizeHint: NdjsonHistoryWriter.ValuesPageSize, cancellationToken: context.RequestAborted)
                .AsPages(pageSizeHint: NdjsonHistoryWriter.ValuesPageSize);
            await writer.WriteAsync(pages, WireJson.WriteStateSnapshot, context.RequestAborted).ConfigureAwait(false);
        }
        else
        {
            var pages = checkpoints.GetCheckpointSummariesAsync(ownerId, threadId, before, pageSizeHint: NdjsonHistoryWriter.SummaryPageSize, cancellationToken: context.RequestAborted)
                .AsPages(pageSizeHint: NdjsonHistoryWriter.SummaryPageSize);
            await writer.WriteAsync(pages, NdjsonHistoryWriter.WriteSummary, context.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One page, written as it is read: which checkpoints it holds, and so the cursor of the next page, is
    /// decided before the body from their summaries (small rows, no state); then their states are read a
    /// store page at a time and each is written and let go. With <see cref="HttpApiOptions.PageByteBudget"/>,
    /// the page ends early where its body would pass the budget.
    /// </summary>
    private static async Task<IResult> PageAsync(HttpContext context, string ownerId, string threadId, HistoryRequest request, bool nextLinkKeepsLimit)
    {
        var checkpoints = context.RequestServices.GetRequiredService<ICheckpointStore>();
        var cancellationToken = context.RequestAborted;
        if (request.CheckpointId is { } only)
        {
            // One checkpoint, if it is in the history asked for (before the position, matching the filter).
            var found = request.Empty ? null : await checkpoints.GetAsync(ownerId, threadId, only, cancellationToken).ConfigureAwait(false);
            var matches = found is not null && IsBefore(found, request.Before) && (request.Metadata is not { } filter || JsonObjects.Matches(found.Metadata, filter));
            return Page((matches ? [found!] : Array.Empty<Checkpoint>()).ToAsyncEnumerable());
        }

        if (request.Empty)
        {
            return Page(AsyncEnumerable.Empty<Checkpoint>());
        }

        var page = await HistoryPage.ReadAsync(checkpoints, ownerId, threadId, request, cancellationToken).ConfigureAwait(false);
        if (context.RequestServices.GetRequiredService<IOptions<HttpApiOptions>>().Value.PageByteBudget is { } budget && page.Count > 0)
        {
            page = await page.FitAsync(budget, cancellationToken).ConfigureAwait(false);
        }

        if (page.NextBefore is not null)
        {
            var cursor = HistoryCursor.Create(page.NextBefore);
            var next = new QueryBuilder();
            if (nextLinkKeepsLimit)
            {
                next.Add("limit", request.Limit.ToString(CultureInfo.InvariantCulture));
            }

            next.Add("cursor", cursor);
            var headers = context.Response.Headers;
            headers[NextCursorHeader] = cursor;
            headers.Link = $"<{context.Request.PathBase}{context.Request.Path}{next}>; rel=\"next\"";
        }

        // The summaries have been read: the headers are known, and the client gets them before the first states are.
        return Page(page.Checkpoints(cancellationToken), startsAtOnce: true);
    }

    private static JsonArrayResult<Checkpoint> Page(IAsyncEnumerable<Checkpoint> items, bool startsAtOnce = false)
        => new(items, WireJson.WriteStateSnapshot, WireResults.WriterOptions, "application/json") { StartsAtOnce = startsAtOnce };

    private static bool IsBefore(CheckpointSummary checkpoint, string? before)
        => before is null || (CheckpointIds.TryGetSequence(before, out var position) && checkpoint.Sequence < position);
}
