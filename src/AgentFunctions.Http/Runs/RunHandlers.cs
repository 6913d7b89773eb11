using System.Globalization;
using System.Text.Json;
using AgentFunctions.Core.Assistants;
using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.RunEvents;
using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Runtime;
using AgentFunctions.Core.Stores;
using AgentFunctions.Core.Threads;
using AgentFunctions.Http.Assistants;
using AgentFunctions.Http.Identity;
using AgentFunctions.Http.Json;
using AgentFunctions.Http.Problems;
using AgentFunctions.Http.Sse;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Http.Runs;

/// <summary>
/// The runs routes of LangGraph Platform: background runs (queued), streamed runs (SSE, executed in the
/// request that streams them), waited runs (the final values), stateless runs on a temporary thread,
/// and listing, reading, deleting, cancelling and joining runs. Handlers take the request and route
/// values only, so both hosts can call them.
/// </summary>
public static partial class RunHandlers
{
    /// <summary>The most runs one <c>POST /runs/batch</c> creates.</summary>
    public const int MaxBatch = 100;

    /// <summary>How long a stateless background run's thread is kept at least (then until its run has ended and retention runs).</summary>
    public static readonly TimeSpan StatelessThreadGrace = TimeSpan.FromMinutes(10);

    /// <summary><c>POST /threads/{thread_id}/runs</c>: creates a background run and queues it; answers with the run.</summary>
    public static async Task<IResult> CreateAsync(HttpContext context, string threadId)
    {
        ArgumentNullException.ThrowIfNull(context);
        var s = RunServices.From(context);
        var (run, request, _) = await CreateRunAsync(context, s, threadId, background: true).ConfigureAwait(false);
        await QueueAsync(s, run, request.Options.Delay).ConfigureAwait(false);
        SetLocation(context.Response, run, stream: false);
        return Results.Json(RunJson.Run(run));
    }

    /// <summary>
    /// <c>POST /runs</c>: a background run on a new thread. The thread is kept with <c>on_completion: "keep"</c>;
    /// by default it expires <see cref="StatelessThreadGrace"/> after it is created and retention deletes it once the
    /// run has ended, so a client can still join the run and read its result.
    /// </summary>
    public static async Task<IResult> CreateStatelessAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var s = RunServices.From(context);
        var (run, request, _) = await CreateRunAsync(context, s, threadId: null, background: true).ConfigureAwait(false);
        await QueueAsync(s, run, request.Options.Delay).ConfigureAwait(false);
        SetLocation(context.Response, run, stream: false);
        return Results.Json(RunJson.Run(run));
    }

    /// <summary>
    /// <c>POST /runs/batch</c>: an array of up to <see cref="MaxBatch"/> stateless background run bodies → the runs, in
    /// order. Every body is checked before any run is created (422 with the path, e.g. <c>$[2].input</c>).
    /// </summary>
    public static async Task<IResult> CreateBatchAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var s = RunServices.From(context);
        var body = await RequestJson.ReadAsync(context.Request, context.RequestAborted).ConfigureAwait(false);
        if (body.ValueKind != JsonValueKind.Array || body.GetArrayLength() is 0 or > MaxBatch)
        {
            throw new ApiProblemException(ApiProblem.Unprocessable("$", $"must be an array of 1 to {MaxBatch} run bodies"));
        }

        var items = body.EnumerateArray().ToList();
        for (var i = 0; i < items.Count; i++)
        {
            try
            {
                _ = items[i].ValueKind == JsonValueKind.Object
                    ? RunCreateRequest.Parse(items[i])
                    : throw new ApiProblemException(ApiProblem.Unprocessable("$", "must be a JSON object"));
            }
            catch (RunOptionsException e)
            {
                throw new ApiProblemException(ApiProblem.Unprocessable($"$[{i}]{e.Path[1..]}", e.Reason));
            }
            catch (ApiProblemException e) when (e.Problem.Path is { } path)
            {
                var reason = e.Problem.Detail is { } detail && detail.StartsWith(path, StringComparison.Ordinal) ? detail[path.Length..].TrimStart() : e.Problem.Detail ?? "is not valid";
                throw new ApiProblemException(ApiProblem.Unprocessable($"$[{i}]{path[1..]}", reason));
            }
        }

        var runs = new List<AgentRun>(items.Count);
        foreach (var item in items)
        {
            var (run, request, _) = await CreateRunAsync(context, s, threadId: null, background: true, item).ConfigureAwait(false);
            await QueueAsync(s, run, request.Options.Delay).ConfigureAwait(false);
            runs.Add(run);
        }

        return Results.Json(WireJson.Build(w =>
        {
            w.WriteStartArray();
            foreach (var run in runs)
            {
                RunJson.Run(run).WriteTo(w);
            }

            w.WriteEndArray();
        }));
    }

    /// <summary>Queues a created background run; a run that cannot be queued is cancelled, so it does not hold its thread.</summary>
    private static async Task QueueAsync(RunServices s, AgentRun run, TimeSpan delay)
    {
        try
        {
            // Not the request's token: a run created and never queued would hold its thread.
            // after_seconds: the queue hides the message that long; the run stays pending until a worker takes it.
            await s.Scheduler.ScheduleAsync(new RunMessage(run.OwnerId, run.ThreadId, run.RunId), delay, CancellationToken.None).ConfigureAwait(false);
        }
        catch
        {
            await s.Runs.RequestCancelAsync(run.OwnerId, run.ThreadId, run.RunId, CancelAction.Interrupt, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary><c>POST /threads/{thread_id}/runs/stream</c>: creates a run and streams its events as it runs here.</summary>
    public static async Task<IResult> StreamAsync(HttpContext context, string threadId)
    {
        ArgumentNullException.ThrowIfNull(context);
        var s = RunServices.From(context);
        var (run, request, thread) = await CreateRunAsync(context, s, threadId, background: false).ConfigureAwait(false);
        await StreamRunAsync(context, s, run, request, thread, temporaryThread: false).ConfigureAwait(false);
        return Results.Empty;
    }

    /// <summary><c>POST /runs/stream</c>: a streamed run on a temporary thread, deleted afterwards unless <c>on_completion</c> is <c>keep</c>.</summary>
    public static async Task<IResult> StreamStatelessAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var s = RunServices.From(context);
        var (run, request, thread) = await CreateRunAsync(context, s, threadId: null, background: false).ConfigureAwait(false);
        await StreamRunAsync(context, s, run, request, thread, temporaryThread: !request.KeepThread).ConfigureAwait(false);
        return Results.Empty;
    }

    /// <summary><c>POST /threads/{thread_id}/runs/wait</c>: creates a run, runs it here, answers with the thread's final values.</summary>
    public static async Task<IResult> WaitAsync(HttpContext context, string threadId)
    {
        ArgumentNullException.ThrowIfNull(context);
        var s = RunServices.From(context);
        var (run, request, thread) = await CreateRunAsync(context, s, threadId, background: false).ConfigureAwait(false);
        return await WaitRunAsync(context, s, run, request, thread, temporaryThread: false).ConfigureAwait(false);
    }

    /// <summary><c>POST /runs/wait</c>: a waited run on a temporary thread.</summary>
    public static async Task<IResult> WaitStatelessAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var s = RunServices.From(context);
        var (run, request, thread) = await CreateRunAsync(context, s, threadId: null, background: false).ConfigureAwait(false);
        return await WaitRunAsync(context, s, run, request, thread, temporaryThread: !request.KeepThread).ConfigureAwait(false);
    }

    /// <summary><c>GET /threads/{thread_id}/runs?limit&amp;offset&amp;status</c>: the thread's runs, newest first.</summary>
    public static async Task<IResult> ListAsync(HttpContext context, string threadId)
    {
        ArgumentNullException.ThrowIfNull(context);
        var s = RunServices.From(context);
        var owner = context.GetCaller().OwnerId;
        var cancellationToken = context.RequestAborted;
        ResourceIds.Validate(threadId, "thread");
        var limit = QueryInt(context.Request, "limit", 10, 1, 1000);
        var offset = QueryInt(context.Request, "offset", 0, 0, int.MaxValue);
        RunStatus? status = null;
        if (context.Request.Query["status"].ToString() is { Length: > 0 } name)
        {
            status = RunJson.TryParseStatus(name, out var parsed)
                ? parsed
                : throw new ApiProblemException(ApiProblem.Unprocessable("query.status", "must be one of pending, running, success, error, timeout, interrupted"));
        }

        _ = await s.Threads.GetAsync(owner, threadId, cancellationToken).ConfigureAwait(false) ?? throw NoThread();

        // Written as the store pages the runs in: a run's input can be large, and a page is up to 1,000 of them.
        var page = s.Runs.ListAsync(owner, threadId, status, cancellationToken).Skip(offset).Take(limit);
        return new JsonArrayResult<AgentRun>(page, RunJson.Write, JsonArray.AspNetCoreEncoding, "application/json; charset=utf-8");
    }

    /// <summary><c>GET /threads/{thread_id}/runs/{run_id}</c>.</summary>
    public static async Task<IResult> GetAsync(HttpContext context, string threadId, string runId)
    {
        ArgumentNullException.ThrowIfNull(context);
        var s = RunServices.From(context);
        var run = await FindRunAsync(context, s, threadId, runId).ConfigureAwait(false);
        return Results.Json(RunJson.Run(run));
    }

    /// <summary><c>DELETE /threads/{thread_id}/runs/{run_id}</c>: deletes an ended run and its events (409 while it is active).</summary>
    public static async Task<IResult> DeleteAsync(HttpContext context, string threadId, string runId)
    {
        ArgumentNullException.ThrowIfNull(context);
        var s = RunServices.From(context);
        var owner = context.GetCaller().OwnerId;
        ValidateIds(threadId, runId);
        if (!await s.Runs.DeleteAsync(owner, threadId, runId, context.RequestAborted).ConfigureAwait(false))
        {
            throw NoRun();
        }

        await s.Events.DeleteAsync(runId, CancellationToken.None).ConfigureAwait(false);
        return Results.NoContent();
    }

    /// <summary>
    /// <c>POST /threads/{thread_id}/runs/{run_id}/cancel?wait&amp;action</c>: asks an active run to stop, kept as
    /// interrupted or rolled back (<c>action</c>); 202 at once, or 204 when it has ended (<c>wait=true</c>).
    /// A run that has already ended is not found, as on LangGraph ("No matching runs to cancel"): 404, not 409,
    /// so SDK clients that treat a 404 from cancel as "already done" keep working.
    /// </summary>
    public static async Task<IResult> CancelAsync(HttpContext context, string threadId, string runId)
    {
        ArgumentNullException.ThrowIfNull(context);
        var s = RunServices.From(context);
        var wait = QueryBool(context.Request, "wait");
        var action = ReadCancelAction(context.Request);
        var run = await FindRunAsync(context, s, threadId, runId).ConfigureAwait(false);
        if (!run.IsActive)
        {
            throw new ApiProblemException(ApiProblem.NotFound($"No matching run to cancel: the run has already ended ({run.Status.ToWireName()}); only a pending or running run can be cancelled."));
        }

        _ = await s.Runs.RequestCancelAsync(run.OwnerId, run.ThreadId, run.RunId, action, CancellationToken.None).ConfigureAwait(false) ?? throw NoRun();
        if (!wait)
        {
            return Results.Accepted();
        }

        await s.Lifecycle.WaitForEndAsync(run, context.RequestAborted).ConfigureAwait(false);
        return Results.NoContent();
    }

    /// <summary>
    /// <c>POST /runs/cancel?action</c> with <c>{thread_id?, run_ids?, status?}</c>: cancels several runs at once, as the
    /// SDK's <c>cancelMany</c> asks: the runs named by <c>run_ids</c> (of <c>thread_id</c>), or every active run with
    /// <c>status</c> (<c>pending</c>, <c>running</c> or <c>all</c>) of <c>thread_id</c>, or of all the caller's threads
    /// when it is absent. Runs that have already ended are left alone. 204.
    /// </summary>
    public static async Task<IResult> CancelManyAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var s = RunServices.From(context);
        var owner = context.GetCaller().OwnerId;
        var cancellationToken = context.RequestAborted;
        var action = ReadCancelAction(context.Request);
        var body = await RequestJson.ReadObjectAsync(context.Request, cancellationToken).ConfigureAwait(false);
        var threadId = body.OptionalString("thread_id");
        if (threadId is not null && !ResourceIds.IsValid(threadId))
        {
            throw new ApiProblemException(ApiProblem.Unprocessable("$.thread_id", $"must be 1 to {ResourceIds.MaxLength} letters, digits, '-', '_', '.' or ':'"));
        }

        var runIds = body.Optional("run_ids") is { } ids ? RequestJson.StringArray(ids, "$.run_ids") : null;
        var status = body.OptionalEnum("status", "pending", "running", "all");
        if ((runIds is null) == (status is null))
        {
            throw new ApiProblemException(ApiProblem.Unprocessable("$", "must give either run_ids (with thread_id) or status"));
        }

        var cancelled = new List<AgentRun>();
        if (runIds is not null)
        {
            if (threadId is null)
            {
                throw new ApiProblemException(ApiProblem.Unprocessable("$.thread_id", "is required with run_ids"));
            }

            for (var i = 0; i < runIds.Count; i++)
            {
                if (!RunIds.IsValid(runIds[i]))
                {
                    throw new ApiProblemException(ApiProblem.Unprocessable($"$.run_ids[{i}]", "is not a run id"));
                }
            }

            foreach (var runId in runIds)
            {
                if (await s.Runs.GetAsync(owner, threadId, runId, cancellationToken).ConfigureAwait(false) is { IsActive: true } run)
                {
                    cancelled.Add(run);
                }
            }
        }
        else
        {
            var threads = threadId is not null
                ? new[] { threadId }.ToAsyncEnumerable()
                : s.Threads.SearchAsync(owner, cancellationToken: cancellationToken).Select(thread => thread.ThreadId);
            await foreach (var id in threads.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                await foreach (var run in s.Runs.ListAsync(owner, id, cancellationToken: cancellationToken).ConfigureAwait(false))
                {
                    if (run.IsActive && (status == "all" || run.Status.ToWireName() == status))
                    {
                        cancelled.Add(run);
                    }
                }
            }
        }

        foreach (var run in cancelled)
        {
            _ = await s.Runs.RequestCancelAsync(run.OwnerId, run.ThreadId, run.RunId, action, CancellationToken.None).ConfigureAwait(false);
        }

        return Results.NoContent();
    }

    private static CancelAction ReadCancelAction(HttpRequest request) => request.Query["action"].ToString() switch
    {
        "" or "interrupt" => CancelAction.Interrupt,
        "rollback" => CancelAction.Rollback,
        _ => throw new ApiProblemException(ApiProblem.Unprocessable("query.action", "must be one of interrupt, rollback")),
    };

    /// <summary><c>GET /threads/{thread_id}/runs/{run_id}/join</c>: waits for the run's end; answers with the thread's final values.</summary>
    public static async Task<IResult> JoinAsync(HttpContext context, string threadId, string runId)
    {
        ArgumentNullException.ThrowIfNull(context);
        var s = RunServices.From(context);
        var run = await FindRunAsync(context, s, threadId, runId).ConfigureAwait(false);
        var ended = await s.Lifecycle.WaitForEndAsync(run, context.RequestAborted).ConfigureAwait(false);
        if (ended?.Status == RunStatus.Error)
        {
            return Results.Json(RunJson.Error("RunError", ended.Error ?? "The run failed."));
        }

        return Results.Json(await FinalValuesAsync(s, run.OwnerId, run.ThreadId, context.RequestAborted).ConfigureAwait(false));
    }

    /// <summary>
    /// <c>GET /threads/{thread_id}/runs/{run_id}/stream</c>: joins a run's stream. A run whose events are persisted
    /// (background and <c>stream_resumable</c> runs) is replayed after the <c>Last-Event-ID</c> header's id (or from
    /// the start), then followed to its end. Otherwise, as on LangGraph, the joiner gets the events from the moment
    /// it joins when the run is streamed by this instance; else nothing, and the stream ends when the run does (at
    /// once for an ended run). <c>cancel_on_disconnect=true</c> cancels the run when the joiner goes away.
    /// </summary>
    public static async Task<IResult> JoinStreamAsync(HttpContext context, string threadId, string runId)
    {
        ArgumentNullException.ThrowIfNull(context);
        var s = RunServices.From(context);
        var after = LastEventId(context.Request);
        var cancelOnDisconnect = QueryBool(context.Request, "cancel_on_disconnect");
        var run = await FindRunAsync(context, s, threadId, runId).ConfigureAwait(false);
        var aborted = context.RequestAborted;
        SetLocation(context.Response, run, stream: false);
        try
        {
            await SseResponse.WriteAsync(context.Response, s.Lifecycle.JoinEventsAsync(run, after, aborted), s.Heartbeat, s.Logger, aborted).ConfigureAwait(false);
        }
        catch (Exception e) when (aborted.IsCancellationRequested && e is OperationCanceledException or IOException)
        {
            if (cancelOnDisconnect)
            {
                await s.Lifecycle.CancelAfterDisconnectAsync(run).ConfigureAwait(false);
            }
        }

        return Results.Empty;
    }

    private static async Task StreamRunAsync(HttpContext context, RunServices s, AgentRun run, RunCreateRequest request, AgentThread? thread, bool temporaryThread)
    {
        var aborted = context.RequestAborted;
        var handle = s.Executor.Start(run, persistEvents: request.Options.StreamResumable, thread: thread);
        var disconnected = false;
        SetLocation(context.Response, run, stream: true);
        using (var live = s.Lifecycle.Live.Register(handle))
        {
            try
            {
                var events = live.RelayAsync(handle.ReadEventsAsync(request.OnDisconnect, aborted), aborted);
                await SseResponse.WriteAsync(context.Response, events, s.Heartbeat, s.Logger, aborted).ConfigureAwait(false);
            }
            catch (Exception e) when (aborted.IsCancellationRequested && e is OperationCanceledException or IOException)
            {
                disconnected = true;
            }
        }

        await AfterRunAsync(s, run, request, handle, disconnected, temporaryThread).ConfigureAwait(false);
    }

    private static async Task<IResult> WaitRunAsync(HttpContext context, RunServices s, AgentRun run, RunCreateRequest request, AgentThread? thread, bool temporaryThread)
    {
        var aborted = context.RequestAborted;
        var handle = s.Executor.Start(run, persistEvents: request.Options.StreamResumable, thread: thread);
        RunEvent? error = null;
        var disconnected = false;
        using (var live = s.Lifecycle.Live.Register(handle))
        {
            try
            {
                await foreach (var runEvent in live.RelayAsync(handle.ReadEventsAsync(request.OnDisconnect, aborted), aborted).ConfigureAwait(false))
                {
                    if (runEvent.Event == RunEvent.Error)
                    {
                        error = runEvent;
                    }
                }
            }
            catch (OperationCanceledException) when (aborted.IsCancellationRequested)
            {
                disconnected = true;
            }
        }

        var result = disconnected ? default
            : error is not null ? RunJson.Error(error.Data)
            : await FinalValuesAsync(s, run.OwnerId, run.ThreadId, CancellationToken.None).ConfigureAwait(false);
        await AfterRunAsync(s, run, request, handle, disconnected, temporaryThread).ConfigureAwait(false);
        if (disconnected)
        {
            return Results.Empty;
        }

        SetLocation(context.Response, run, stream: false);
        return Results.Json(result);
    }

    /// <summary>
    /// After a run's request: a client that went away under <c>on_disconnect: cancel</c> has had the run stopped here
    /// when it was running; a run still waiting for its turn (or not this instance's to run) is ended through its
    /// record; a run that had already ended here stays as it ended. A temporary thread is deleted once the run has ended.
    /// </summary>
    private static async Task AfterRunAsync(RunServices s, AgentRun run, RunCreateRequest request, RunHandle handle, bool disconnected, bool temporaryThread)
    {
        var endedHere = handle.Completion.IsCompletedSuccessfully && handle.Completion.Result is not null;
        if (disconnected && request.OnDisconnect == DisconnectAction.Cancel && !endedHere)
        {
            await s.Lifecycle.CancelAfterDisconnectAsync(run).ConfigureAwait(false);
        }

        if (temporaryThread)
        {
            await Task.WhenAny(handle.Completion).ConfigureAwait(false);
            if (request.Options.Webhook is null)
            {
                await s.Lifecycle.DeleteTemporaryThreadAsync(run).ConfigureAwait(false);
            }
            else
            {
                await ExpireTemporaryThreadAsync(s, run).ConfigureAwait(false);
            }
        }
    }

    /// <summary>A run with a webhook keeps its temporary thread until its delivery has read it: retention deletes it later (as for <c>POST /runs</c>).</summary>
    private static async Task ExpireTemporaryThreadAsync(RunServices s, AgentRun run)
    {
        try
        {
            if (await s.Threads.GetAsync(run.OwnerId, run.ThreadId, CancellationToken.None).ConfigureAwait(false) is { } thread)
            {
                // The run's end set the thread's status, so its last update (by the store's clock) is when the run ended.
                await s.Threads.UpdateAsync(thread with { ExpiresAt = thread.UpdatedAt + StatelessThreadGrace }, thread.ETag, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is StoreConflictException or Azure.RequestFailedException)
        {
            s.Logger.TemporaryThreadNotExpired(run.ThreadId, e);
        }
    }

    /// <summary>
    /// Checks the request, finds the assistant and the thread (creating it when asked, or a temporary one), and creates
    /// the run. Returns the thread as read or created (null when another request created it), for a run executed here
    /// to mark it busy without reading it again.
    /// </summary>
    private static async Task<(AgentRun Run, RunCreateRequest Request, AgentThread? Thread)> CreateRunAsync(HttpContext context, RunServices s, string? threadId, bool background, JsonElement? givenBody = null)
    {
        var owner = context.GetCaller().OwnerId;
        var cancellationToken = context.RequestAborted;
        if (threadId is not null)
        {
            ResourceIds.Validate(threadId, "thread");
        }

        var body = givenBody ?? await RequestJson.ReadObjectAsync(context.Request, cancellationToken).ConfigureAwait(false);
        var request = RunCreateRequest.Parse(body);
        if (request.Options.Webhook is { } webhook
            && await Core.Webhooks.WebhookTargets.ProblemAsync(webhook, context.RequestServices.GetRequiredService<IOptions<Core.Webhooks.WebhookOptions>>().Value.AllowPrivateNetworks, cancellationToken).ConfigureAwait(false) is { } refused)
        {
            throw new ApiProblemException(ApiProblem.Unprocessable("$.webhook", refused)); // server-side request forgery
        }

        if (!background && request.Options.Delay > TimeSpan.Zero)
        {
            throw new ApiProblemException(ApiProblem.Unprocessable("$.after_seconds", "applies to background runs only (POST /threads/{thread_id}/runs or /runs), not to streamed or waited ones"));
        }

        if (background)
        {
            // The queue worker persists a background run's events, so any instance can join it: its stream is resumable.
            request = request with { Options = request.Options with { StreamResumable = true } };
        }

        var assistant = await s.Assistants.FindAsync(owner, request.AssistantId, cancellationToken).ConfigureAwait(false)
            ?? throw new ApiProblemException(ApiProblem.NotFound("The caller has no assistant with that id."));

        // The run's config picks among its graph's models and tools, as an assistant's does (422 naming the unknown one).
        await ConfigChoices.CheckAsync(s.Assistants.Graphs, assistant.GraphId, request.Options.Config, "$.config", cancellationToken).ConfigureAwait(false);
        AgentThread? thread;
        if (threadId is null)
        {
            // A background run's temporary thread outlives the request; retention deletes it after the run (see CreateStatelessAsync).
            threadId = ResourceIds.New();
            var expiresAt = background && !request.KeepThread ? context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow() + StatelessThreadGrace : (DateTimeOffset?)null;
            thread = await CreateThreadAsync(s, owner, threadId, assistant, cancellationToken, expiresAt).ConfigureAwait(false);
        }
        else if ((thread = await s.Threads.GetAsync(owner, threadId, cancellationToken).ConfigureAwait(false)) is null)
        {
            if (!request.CreateThread)
            {
                throw NoThread();
            }

            thread = await CreateThreadAsync(s, owner, threadId, assistant, cancellationToken).ConfigureAwait(false);
        }

        // A run executed here labels its thread when it marks it busy, in one write; a queued run's thread is labelled now.
        var label = background && thread is not null && !ThreadUpdates.IsLabelled(thread, assistant.GraphId, assistant.AssistantId);

        if (request.Options.Resume is { } resume)
        {
            await CheckResumeAsync(s, owner, threadId, resume, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            var created = new AgentRun
            {
                RunId = RunIds.New(),
                OwnerId = owner,
                ThreadId = threadId,
                AssistantId = assistant.AssistantId,
                MultitaskStrategy = request.Options.MultitaskStrategy,
                Kwargs = request.Options.ToJson(),
                Metadata = request.Metadata,
                InRequest = !background,
            };

            // A run executed in this request is taken by this instance's executor in the write that creates it, when its
            // turn is at once; on a thread never written since it was created (no run yet, as a guess), without reading its queue first.
            var threadIsNew = thread is not null && thread.UpdatedAt == thread.CreatedAt;
            var run = background
                ? await s.Runs.CreateAsync(created, cancellationToken).ConfigureAwait(false)
                : await s.Runs.CreateHeldAsync(created, s.Executor.ExecutorId, s.Executor.LeaseDuration, threadIsNew, cancellationToken).ConfigureAwait(false);
            if (label)
            {
                // As on LangGraph, a run labels its thread with the graph and assistant, so clients find the thread by them.
                await s.Threads.LabelAsync(owner, threadId, assistant.GraphId, assistant.AssistantId, CancellationToken.None).ConfigureAwait(false);
            }

            return (run, request, thread);
        }
        catch (StoreConflictException e)
        {
            throw new ApiProblemException(ApiProblem.Conflict(
                $"{e.Message} Wait for the active run to end, or create the run with multitask_strategy enqueue, interrupt or rollback."));
        }
    }

    private static async Task<AgentThread?> CreateThreadAsync(RunServices s, string owner, string threadId, Assistant assistant, CancellationToken cancellationToken, DateTimeOffset? expiresAt = null)
    {
        var metadata = WireJson.Build(w =>
        {
            w.WriteStartObject();
            w.WriteString("graph_id", assistant.GraphId);
            w.WriteString("assistant_id", assistant.AssistantId);
            w.WriteEndObject();
        });
        try
        {
            return await s.Threads.CreateAsync(new AgentThread { ThreadId = threadId, OwnerId = owner, Metadata = metadata, ExpiresAt = expiresAt }, cancellationToken).ConfigureAwait(false);
        }
        catch (StoreConflictException)
        {
            // Created by another request meanwhile: it exists, which is what was asked.
            return null;
        }
    }

    private static async Task<AgentRun> FindRunAsync(HttpContext context, RunServices s, string threadId, string runId)
    {
        ValidateIds(threadId, runId);
        return await s.Runs.GetAsync(context.GetCaller().OwnerId, threadId, runId, context.RequestAborted).ConfigureAwait(false) ?? throw NoRun();
    }

    private static void ValidateIds(string threadId, string runId)
    {
        ResourceIds.Validate(threadId, "thread");
        if (!RunIds.IsValid(runId))
        {
            throw NoRun();
        }
    }

    /// <summary>
    /// A resume answers the thread's pending interrupts: 409 when none is pending, 422 naming them when it does not
    /// match. Nothing is created or changed when it is refused.
    /// </summary>
    private static async Task CheckResumeAsync(RunServices s, string owner, string threadId, JsonElement resume, CancellationToken cancellationToken)
    {
        var latest = await s.Checkpoints.GetLatestAsync(owner, threadId, cancellationToken).ConfigureAwait(false);
        var pending = latest is null ? [] : ToolApprovals.PendingIds(latest.Tasks);
        if (pending.Count == 0)
        {
            throw new ApiProblemException(ApiProblem.Conflict($"Thread '{threadId}' has no pending interrupt to resume. Send input to start a new turn."));
        }

        try
        {
            _ = ToolApprovals.ParseResume(resume, pending);
        }
        catch (RunOptionsException e)
        {
            throw new ApiProblemException(ApiProblem.Unprocessable(e.Path, e.Reason));
        }
    }

    /// <summary>The thread's latest values (<c>{}</c> for a thread without state), with <c>__interrupt__</c> while calls wait for approval.</summary>
    private static async Task<JsonElement> FinalValuesAsync(RunServices s, string owner, string threadId, CancellationToken cancellationToken)
    {
        var latest = await s.Checkpoints.GetLatestAsync(owner, threadId, cancellationToken).ConfigureAwait(false);
        if (latest is null)
        {
            return JsonObjects.Empty;
        }

        var values = WireJson.Build(latest.Values.WriteTo);
        if (ToolApprovals.PendingIds(latest.Tasks).Count == 0)
        {
            return values;
        }

        // Calls wait for approval: the values carry them under __interrupt__, as LangGraph answers a waited run.
        return WireJson.Build(w =>
        {
            w.WriteStartObject();
            foreach (var property in values.EnumerateObject())
            {
                property.WriteTo(w);
            }

            w.WritePropertyName(ToolApprovals.InterruptKey);
            ToolApprovals.WriteAllInterrupts(w, latest.Tasks);
            w.WriteEndObject();
        });
    }

    private static void SetLocation(HttpResponse response, AgentRun run, bool stream)
    {
        var location = $"/threads/{run.ThreadId}/runs/{run.RunId}";
        response.Headers.ContentLocation = location;
        if (stream)
        {
            response.Headers.Location = location + "/stream";
        }
    }

    /// <summary>The <c>Last-Event-ID</c> header's id; -1 (replay from the start) when absent or "-1", the SDK's way to ask for the whole stream.</summary>
    private static long LastEventId(HttpRequest request)
    {
        var text = request.Headers["Last-Event-ID"].ToString().Trim();
        if (text.Length == 0 || text == "-1")
        {
            return -1;
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? id
            : throw new ApiProblemException(ApiProblem.Unprocessable("header.Last-Event-ID", "must be the id of an event of this run (0, 1, 2…)"));
    }

    private static int QueryInt(HttpRequest request, string name, int fallback, int min, int max)
    {
        var text = request.Query[name].ToString();
        if (text.Length == 0)
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new ApiProblemException(ApiProblem.Unprocessable("query." + name, $"must be an integer from {min} to {max}"));
    }

    private static bool QueryBool(HttpRequest request, string name) => request.Query[name].ToString().ToUpperInvariant() switch
    {
        "" or "FALSE" or "0" or "NO" => false,
        "TRUE" or "1" or "YES" => true,
        _ => throw new ApiProblemException(ApiProblem.Unprocessable("query." + name, "must be true or false")),
    };

    private static ApiProblemException NoThread() => new(ApiProblem.NotFound("The caller has no thread with that id."));

    private static ApiProblemException NoRun() => new(ApiProblem.NotFound("The thread has no run with that id."));

    /// <summary>The services a runs handler uses, from the request's container.</summary>
    private sealed record RunServices(
        IRunStore Runs, IThreadStore Threads, ICheckpointStore Checkpoints, IRunEventLog Events, IRunScheduler Scheduler,
        RunExecutor Executor, AssistantLookup Assistants, RunLifecycle Lifecycle, TimeSpan Heartbeat, ILogger Logger)
    {
        public static RunServices From(HttpContext context)
        {
            var services = context.RequestServices;
            return new RunServices(
                services.GetRequiredService<IRunStore>(),
                services.GetRequiredService<IThreadStore>(),
                services.GetRequiredService<ICheckpointStore>(),
                services.GetRequiredService<IRunEventLog>(),
                services.GetRequiredService<IRunScheduler>(),
                services.GetRequiredService<RunExecutor>(),
                services.GetRequiredService<AssistantLookup>(),
                services.GetRequiredService<RunLifecycle>(),
                services.GetRequiredService<IOptions<HttpApiOptions>>().Value.SseHeartbeat,
                services.GetRequiredService<ILoggerFactory>().CreateLogger("AgentFunctions.Http.Runs"));
        }
    }
}
