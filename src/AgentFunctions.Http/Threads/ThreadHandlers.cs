using System.Text.Json;
using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.Compaction;
using AgentFunctions.Core.Stores;
using AgentFunctions.Core.Threads;
using AgentFunctions.Http.Identity;
using AgentFunctions.Http.Json;
using AgentFunctions.Http.Problems;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Http.Threads;

/// <summary>
/// The threads routes, as LangGraph Platform serves them: create, get, patch, delete and search. A caller
/// reaches only its own threads; any other id is not found.
/// </summary>
public static class ThreadHandlers
{
    private const string RaiseOnConflict = "raise";
    private const string ReturnExisting = "do_nothing";

    // A read-modify-write that keeps losing to concurrent writers gives up with a 409 after this many tries.
    private const int UpdateAttempts = 3;

    // How many threads' latest checkpoints a search reads at once.
    private const int StateReadConcurrency = 8;

    private static readonly string[] Statuses = [ThreadStatusNames.Idle, ThreadStatusNames.Busy, ThreadStatusNames.Interrupted, ThreadStatusNames.Error];

    /// <summary><c>POST /threads</c>: <c>{thread_id?, metadata?, if_exists?}</c> → the thread.</summary>
    public static async Task<IResult> CreateAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var owner = context.GetCaller().OwnerId;
        var cancellationToken = context.RequestAborted;
        var body = await RequestJson.ReadObjectAsync(context.Request, cancellationToken).ConfigureAwait(false);

        var threadId = body.OptionalString("thread_id") is { } given
            ? ResourceIds.IsValid(given) ? given : throw Invalid("$.thread_id", $"must be 1 to {ResourceIds.MaxLength} letters, digits, '-', '_', '.' or ':'")
            : ResourceIds.New();
        var metadata = body.OptionalObject("metadata") ?? JsonObjects.Empty;
        var ifExists = SearchPaging.ReadEnum(body, "if_exists", RaiseOnConflict, ReturnExisting) ?? RaiseOnConflict;
        if (body.Optional("supersteps") is { } supersteps && (supersteps.ValueKind != JsonValueKind.Array || supersteps.GetArrayLength() > 0))
        {
            throw Invalid("$.supersteps", "is not supported by this server (create the thread, then update its state)");
        }

        var services = context.RequestServices;
        var threads = services.GetRequiredService<IThreadStore>();
        if (ifExists == ReturnExisting && await threads.GetAsync(owner, threadId, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            return await ThreadResultAsync(services, existing, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            var created = await threads.CreateAsync(new AgentThread { ThreadId = threadId, OwnerId = owner, Metadata = metadata }, cancellationToken).ConfigureAwait(false);
            return TypedResults.Json(ThreadJson.Build(created, latest: null));
        }
        catch (StoreConflictException) when (ifExists == ReturnExisting)
        {
            // Created by someone else between the read and the write: return theirs, as asked.
            var raced = await threads.GetAsync(owner, threadId, cancellationToken).ConfigureAwait(false)
                ?? throw new ApiProblemException(ApiProblem.Conflict("The thread was created and deleted while this request ran; try again."));
            return await ThreadResultAsync(services, raced, cancellationToken).ConfigureAwait(false);
        }
        catch (StoreConflictException)
        {
            throw new ApiProblemException(ApiProblem.Conflict($"Thread {threadId} already exists."));
        }
    }

    /// <summary><c>GET /threads/{thread_id}</c>: the thread with its latest values and interrupts.</summary>
    public static async Task<IResult> GetAsync(HttpContext context, string threadId)
    {
        ArgumentNullException.ThrowIfNull(context);
        var owner = context.GetCaller().OwnerId;
        var thread = await FindAsync(context.RequestServices, owner, threadId, context.RequestAborted).ConfigureAwait(false);
        return await ThreadResultAsync(context.RequestServices, thread, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary><c>PATCH /threads/{thread_id}</c>: <c>{metadata?}</c> merged into the thread's metadata → the thread.</summary>
    public static async Task<IResult> PatchAsync(HttpContext context, string threadId)
    {
        ArgumentNullException.ThrowIfNull(context);
        var owner = context.GetCaller().OwnerId;
        var cancellationToken = context.RequestAborted;
        var services = context.RequestServices;
        NotFoundUnlessValid(threadId);
        var body = await RequestJson.ReadObjectAsync(context.Request, cancellationToken).ConfigureAwait(false);
        var patch = body.OptionalObject("metadata");

        var threads = services.GetRequiredService<IThreadStore>();
        for (var attempt = 1; ; attempt++)
        {
            var thread = await FindAsync(services, owner, threadId, cancellationToken).ConfigureAwait(false);
            var changed = thread with { Metadata = patch is { } p ? MetadataPatch.Merge(thread.Metadata, p) : thread.Metadata };
            try
            {
                var updated = await threads.UpdateAsync(changed, thread.ETag, cancellationToken).ConfigureAwait(false)
                    ?? throw NotFound(threadId);
                return await ThreadResultAsync(services, updated, cancellationToken).ConfigureAwait(false);
            }
            catch (StoreConflictException) when (attempt < UpdateAttempts)
            {
                // The thread changed since it was read (a run set its status): merge into the newer version.
            }
        }
    }

    /// <summary><c>DELETE /threads/{thread_id}</c>: the thread and its checkpoints → 204.</summary>
    public static async Task<IResult> DeleteAsync(HttpContext context, string threadId)
    {
        ArgumentNullException.ThrowIfNull(context);
        var owner = context.GetCaller().OwnerId;
        var cancellationToken = context.RequestAborted;
        var services = context.RequestServices;
        _ = await FindAsync(services, owner, threadId, cancellationToken).ConfigureAwait(false);

        // What the thread owns first (runs, their events, checkpoints), then the row: a delete that fails half way
        // leaves a thread the caller can delete again, never rows that nothing points to.
        await services.GetRequiredService<ThreadDeletion>().DeleteOwnedAsync(owner, threadId, cancellationToken).ConfigureAwait(false);
        await services.GetRequiredService<IThreadStore>().DeleteAsync(owner, threadId, cancellationToken: cancellationToken).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// <c>POST /threads/search</c>: <c>{ids?, metadata?, values?, status?, limit?, offset?, sort_by?,
    /// sort_order?, select?}</c> → a page of threads, in id order.
    /// </summary>
    public static async Task<IResult> SearchAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var owner = context.GetCaller().OwnerId;
        var cancellationToken = context.RequestAborted;
        var services = context.RequestServices;
        var body = await RequestJson.ReadObjectAsync(context.Request, cancellationToken).ConfigureAwait(false);

        var (query, values) = ReadFilter(body);
        var (limit, offset) = SearchPaging.ReadLimitOffset(body);

        // The store lists threads in id order; LangGraph's other orders would need the whole list first.
        _ = SearchPaging.ReadEnum(body, "sort_by", "thread_id", "status", "created_at", "updated_at", "state_updated_at");
        _ = SearchPaging.ReadEnum(body, "sort_order", "asc", "desc");
        var select = SearchPaging.ReadSelect(body, [.. ThreadJson.Fields]);

        var checkpoints = services.GetRequiredService<ICheckpointStore>();
        var found = Matching(services, owner, query, values, (long)offset + limit + 1, cancellationToken);
        var (page, hasMore) = await SearchPaging.ReadPageAsync(found, offset, limit, cancellationToken).ConfigureAwait(false);

        // The page is threads without state (small rows); each one's latest checkpoint is read as it is written.
        var withState = ThreadJson.Wants(select, ThreadJson.Values) || ThreadJson.Wants(select, "interrupts");
        Action<Utf8JsonWriter, ThreadWithState> write = (w, item) => ThreadJson.Write(w, item.Thread, item.Latest, select);
        if (services.GetRequiredService<IOptions<HttpApiOptions>>().Value.PageByteBudget is { } budget && page.Count > 0)
        {
            var (fit, _, cut) = await JsonArray.FitAsync(
                WithLatest(page, withState, checkpoints, owner, cancellationToken), write, JsonArray.AspNetCoreEncoding, budget, cancellationToken).ConfigureAwait(false);
            if (cut)
            {
                page.RemoveRange(fit, page.Count - fit);
                hasMore = true;
            }
        }

        SearchPaging.SetNextHeader(context.Response, offset, page.Count, hasMore);
        return new JsonArrayResult<ThreadWithState>(WithLatest(page, withState, checkpoints, owner, cancellationToken), write, JsonArray.AspNetCoreEncoding, "application/json; charset=utf-8");
    }

    /// <summary><c>POST /threads/count</c>: <c>{ids?, metadata?, values?, status?}</c> → how many of the caller's threads match, as a JSON number.</summary>
    public static async Task<IResult> CountAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var owner = context.GetCaller().OwnerId;
        var cancellationToken = context.RequestAborted;
        var body = await RequestJson.ReadObjectAsync(context.Request, cancellationToken).ConfigureAwait(false);
        var (query, values) = ReadFilter(body);

        var count = await Matching(context.RequestServices, owner, query, values, needed: null, cancellationToken).LongCountAsync(cancellationToken).ConfigureAwait(false);
        return TypedResults.Json(count);
    }

    /// <summary>
    /// The caller's threads that match a search or count, in id order: the store's query, read in pages sized for
    /// <paramref name="needed"/> items when given, then the <c>values</c> filter on each one's latest state.
    /// </summary>
    private static IAsyncEnumerable<AgentThread> Matching(
        IServiceProvider services, string owner, ThreadSearchQuery query, JsonElement? values, long? needed, CancellationToken cancellationToken)
    {
        var stored = services.GetRequiredService<IThreadStore>().SearchAsync(owner, query, cancellationToken);
        var matches = needed is { } n ? SearchPaging.Items(stored, n, cancellationToken) : stored;
        return values is { } filter ? WithValues(matches, services.GetRequiredService<ICheckpointStore>(), owner, filter, cancellationToken) : matches;
    }

    /// <summary>The filters of a search or count: <c>ids</c>, <c>metadata</c>, <c>status</c>, and <c>values</c> (null when empty).</summary>
    private static (ThreadSearchQuery Query, JsonElement? Values) ReadFilter(JsonElement body)
    {
        var query = new ThreadSearchQuery
        {
            Ids = ReadIds(body),
            Metadata = body.OptionalObject("metadata"),
            Status = SearchPaging.ReadEnum(body, "status", Statuses) is { } status && ThreadStatusNames.TryParse(status, out var parsed) ? parsed : null,
        };
        var values = body.OptionalObject("values") is { } v && v.EnumerateObject().Any() ? v : (JsonElement?)null;
        return (query, values);
    }

    private static async Task<IResult> ThreadResultAsync(IServiceProvider services, AgentThread thread, CancellationToken cancellationToken)
    {
        var latest = await services.GetRequiredService<ICheckpointStore>().GetLatestAsync(thread.OwnerId, thread.ThreadId, cancellationToken).ConfigureAwait(false);
        return TypedResults.Json(ThreadJson.Build(thread, latest));
    }

    private static async Task<AgentThread> FindAsync(IServiceProvider services, string owner, string threadId, CancellationToken cancellationToken)
    {
        NotFoundUnlessValid(threadId);
        return await services.GetRequiredService<IThreadStore>().GetAsync(owner, threadId, cancellationToken).ConfigureAwait(false)
            ?? throw NotFound(threadId);
    }

    private static List<string>? ReadIds(JsonElement body)
    {
        if (body.Optional("ids") is not { } value)
        {
            return null;
        }

        var ids = SearchPaging.ReadStringArray(value, "$.ids");
        if (ids.Count > ThreadSearchQuery.MaxIds)
        {
            throw Invalid("$.ids", $"must name at most {ThreadSearchQuery.MaxIds} threads");
        }

        for (var i = 0; i < ids.Count; i++)
        {
            if (!ResourceIds.IsValid(ids[i]))
            {
                throw Invalid($"$.ids[{i}]", $"must be 1 to {ResourceIds.MaxLength} letters, digits, '-', '_', '.' or ':'");
            }
        }

        return ids;
    }

    /// <summary>
    /// The threads whose latest values match <paramref name="filter"/>. Their states are let go once matched
    /// (a page of them would be a page of whole states held at once) and read again as the page is written.
    /// </summary>
    private static async IAsyncEnumerable<AgentThread> WithValues(
        IAsyncEnumerable<AgentThread> threads, ICheckpointStore checkpoints, string owner, JsonElement filter,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var thread in threads.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            var latest = await checkpoints.GetLatestAsync(owner, thread.ThreadId, cancellationToken).ConfigureAwait(false);
            if (JsonObjects.Matches(ThreadJson.ValuesOf(latest), filter))
            {
                yield return thread;
            }
        }
    }

    /// <summary>
    /// The page's threads in order, each with its latest checkpoint when <paramref name="withState"/>: read
    /// <see cref="StateReadConcurrency"/> ahead of the one being written, so that at most that many states are held.
    /// </summary>
    private static async IAsyncEnumerable<ThreadWithState> WithLatest(
        List<AgentThread> page, bool withState, ICheckpointStore checkpoints, string owner,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (!withState)
        {
            foreach (var thread in page)
            {
                yield return new ThreadWithState(thread, null);
            }

            yield break;
        }

        var reading = new Queue<Task<ThreadWithState>>(StateReadConcurrency);
        var next = 0;
        try
        {
            while (next < page.Count || reading.Count > 0)
            {
                while (next < page.Count && reading.Count < StateReadConcurrency)
                {
                    reading.Enqueue(ReadLatestAsync(page[next++], checkpoints, owner, cancellationToken));
                }

                yield return await reading.Dequeue().ConfigureAwait(false);
            }
        }
        finally
        {
            // Reads still under way when the writing stopped (the client went away) end before their page does.
            await ((Task)Task.WhenAll(reading)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private static async Task<ThreadWithState> ReadLatestAsync(AgentThread thread, ICheckpointStore checkpoints, string owner, CancellationToken cancellationToken)
        => new(thread, await checkpoints.GetLatestAsync(owner, thread.ThreadId, cancellationToken).ConfigureAwait(false));

    private static void NotFoundUnlessValid(string threadId)
    {
        if (!ResourceIds.IsValid(threadId))
        {
            throw NotFound(threadId);
        }
    }

    private static ApiProblemException NotFound(string threadId)
        => new(ApiProblem.NotFound(ResourceIds.IsValid(threadId) ? $"Thread {threadId} not found." : "Thread not found."));

    private static ApiProblemException Invalid(string path, string reason) => new(ApiProblem.Unprocessable(path, reason));

    private sealed record ThreadWithState(AgentThread Thread, Checkpoint? Latest);
}
