using System.Runtime.CompilerServices;
using System.Text.Json;
using AgentFunctions.Core.RunEvents;
using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Runtime;
using AgentFunctions.Core.Stores;
using AgentFunctions.Http.Identity;
using AgentFunctions.Http.Problems;
using AgentFunctions.Http.Sse;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Http.Runs;

public static partial class RunHandlers
{
    /// <summary>The thread stream modes of LangGraph: every run's events, only runs' starts and ends, and state updates.</summary>
    private const string RunModesMode = "run_modes";
    private const string LifecycleMode = "lifecycle";
    private const string StateUpdateMode = "state_update";

    // How often a thread stream that waits for the thread's next run looks for it (from the first, doubling to the last).
    private static readonly TimeSpan FirstNextRunPoll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxNextRunPoll = TimeSpan.FromSeconds(1);

    // Runs read per page while looking for the next ones: a thread stream that waits reads the newest run only.
    private const int RunListPage = 20;

    /// <summary>
    /// <c>GET /threads/{thread_id}/stream</c>: the thread's runs as one stream, as LangGraph serves it: the run now active
    /// (from its start when its events are persisted, else from now), then each run the thread runs next, in order, each
    /// followed by <c>metadata</c> <c>{"status": "run_done", "run_id"}</c> when it ends. The stream stays open until the
    /// client closes it (a comment line keeps it alive while the thread is idle).
    /// <para>
    /// <c>stream_mode</c> (or <c>stream_modes</c>; repeated or comma-separated): <c>run_modes</c> (the default: every event
    /// of the runs), <c>lifecycle</c> (only each run's first <c>metadata</c> event and its <c>run_done</c>), <c>state_update</c>
    /// (state updates, which this server does not stream: that mode alone sends nothing but the stream's heartbeats).
    /// </para>
    /// <para>
    /// Every event's id is <c>{run_id}:{n}</c> (<c>{run_id}:done</c> for a <c>run_done</c>). <c>Last-Event-ID</c> resumes
    /// after that event; <c>-</c> (or <c>-1</c>) replays every run of the thread whose events are persisted, from the
    /// oldest, before going on.
    /// </para>
    /// </summary>
    public static async Task<IResult> JoinThreadStreamAsync(HttpContext context, string threadId)
    {
        ArgumentNullException.ThrowIfNull(context);
        var s = RunServices.From(context);
        var owner = context.GetCaller().OwnerId;
        var aborted = context.RequestAborted;
        if (!ResourceIds.IsValid(threadId))
        {
            throw NoThread();
        }

        var modes = ReadThreadStreamModes(context.Request);
        var resume = ThreadStreamPosition.Parse(context.Request.Headers["Last-Event-ID"].ToString());
        _ = await s.Threads.GetAsync(owner, threadId, aborted).ConfigureAwait(false) ?? throw NoThread();
        var cursor = await StartCursorAsync(s, owner, threadId, resume, aborted).ConfigureAwait(false);
        try
        {
            var events = ThreadEventsAsync(s, owner, threadId, modes, resume, cursor, aborted);
            await SseResponse.WriteAsync(context.Response, events, s.Heartbeat, s.Logger, aborted).ConfigureAwait(false);
        }
        catch (Exception e) when (aborted.IsCancellationRequested && e is OperationCanceledException or IOException)
        {
            // The client closed the stream: that is how a thread stream ends.
        }

        return Results.Empty;
    }

    private static HashSet<string> ReadThreadStreamModes(HttpRequest request)
    {
        var modes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in new[] { "stream_mode", "stream_modes" })
        {
            foreach (var value in request.Query[name])
            {
                foreach (var mode in (value ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    modes.Add(mode is RunModesMode or LifecycleMode or StateUpdateMode
                        ? mode
                        : throw new ApiProblemException(ApiProblem.Unprocessable("query." + name, $"must be one or more of {RunModesMode}, {LifecycleMode}, {StateUpdateMode}")));
                }
            }
        }

        if (modes.Count == 0)
        {
            modes.Add(RunModesMode);
        }

        return modes;
    }

    /// <summary>
    /// Where the stream starts, decided before its headers are sent (so a run created once they have arrived is in it):
    /// the cursor is the id the next run's must follow (null: every run of the thread). After the run (and the event of
    /// it) a client resumes from; at the oldest run for "-"; else at the run now active, or, on an idle thread, after
    /// its newest run.
    /// </summary>
    private static async Task<string?> StartCursorAsync(RunServices s, string owner, string threadId, ThreadStreamPosition resume, CancellationToken cancellationToken)
    {
        if (resume.FromStart)
        {
            return null;
        }

        if (resume.RunId is { } resumeRun)
        {
            return resume.RunDone ? resumeRun : PreviousId(resumeRun);
        }

        // The newest run first, then the active one: a run created between the two reads is either seen active (and
        // streamed from its start) or comes after the newest (and is the next run). Read the other way round, such a run
        // would be taken for the newest of an idle thread and left out.
        var newest = await NewestRunIdAsync(s, owner, threadId, cancellationToken).ConfigureAwait(false);
        if (await s.Runs.GetActiveAsync(owner, threadId, cancellationToken).ConfigureAwait(false) is { } active)
        {
            return PreviousId(active.RunId);
        }

        return newest ?? string.Empty;
    }

    private static async IAsyncEnumerable<ServerSentEvent> ThreadEventsAsync(
        RunServices s, string owner, string threadId, HashSet<string> modes, ThreadStreamPosition resume, string? cursor,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var resumeRun = resume.RunId;
        var resumeAfter = resume.AfterSequence;
        var poll = FirstNextRunPoll;
        while (true)
        {
            var next = await RunIdsAfterAsync(s, owner, threadId, cursor, cancellationToken).ConfigureAwait(false);
            if (next.Count == 0)
            {
                await Task.Delay(poll, cancellationToken).ConfigureAwait(false);
                poll = TimeSpan.FromTicks(Math.Min(poll.Ticks * 2, MaxNextRunPoll.Ticks));
                continue;
            }

            poll = FirstNextRunPoll;
            foreach (var runId in next)
            {
                cursor = runId;
                if (await s.Runs.GetAsync(owner, threadId, runId, cancellationToken).ConfigureAwait(false) is not { } run)
                {
                    continue; // deleted since it was listed (rolled back)
                }

                var after = runId == resumeRun ? resumeAfter : -1;
                await foreach (var runEvent in s.Lifecycle.JoinEventsAsync(run, after, cancellationToken).ConfigureAwait(false))
                {
                    if (modes.Contains(RunModesMode) || (modes.Contains(LifecycleMode) && IsRunStart(runEvent)))
                    {
                        yield return new ServerSentEvent(ThreadStreamPosition.Id(runId, runEvent.Sequence), runEvent.Event, runEvent.Data);
                    }
                }

                if (modes.Contains(RunModesMode) || modes.Contains(LifecycleMode))
                {
                    yield return new ServerSentEvent(ThreadStreamPosition.DoneId(runId), RunEvent.Metadata, RunDone(runId));
                }
            }
        }
    }

    /// <summary>A run's first <c>metadata</c> event (<c>{run_id, attempt}</c>), which the lifecycle mode passes.</summary>
    private static bool IsRunStart(RunEvent runEvent)
        => runEvent.Event == RunEvent.Metadata && runEvent.Data.ValueKind == JsonValueKind.Object
            && runEvent.Data.TryGetProperty("run_id", out _) && runEvent.Data.TryGetProperty("attempt", out _);

    private static JsonElement RunDone(string runId) => WireJson.Build(w =>
    {
        w.WriteStartObject();
        w.WriteString("status", "run_done");
        w.WriteString("run_id", runId);
        w.WriteEndObject();
    });

    /// <summary>
    /// The ids of the thread's runs after <paramref name="cursor"/> (every run for null), oldest first. Run ids are
    /// time-ordered and the store lists them newest first, so the read stops at the cursor; only ids are kept.
    /// </summary>
    private static async Task<List<string>> RunIdsAfterAsync(RunServices s, string owner, string threadId, string? cursor, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        await foreach (var page in s.Runs.ListAsync(owner, threadId, cancellationToken: cancellationToken).AsPages(pageSizeHint: RunListPage).ConfigureAwait(false))
        {
            foreach (var run in page.Values)
            {
                if (cursor is not null && string.CompareOrdinal(run.RunId, cursor) <= 0)
                {
                    ids.Reverse();
                    return ids;
                }

                ids.Add(run.RunId);
            }
        }

        ids.Reverse();
        return ids;
    }

    private static async Task<string?> NewestRunIdAsync(RunServices s, string owner, string threadId, CancellationToken cancellationToken)
    {
        await foreach (var page in s.Runs.ListAsync(owner, threadId, cancellationToken: cancellationToken).AsPages(pageSizeHint: 1).ConfigureAwait(false))
        {
            return page.Values.Count > 0 ? page.Values[0].RunId : null;
        }

        return null;
    }

    /// <summary>A cursor that sorts just before <paramref name="runId"/>, so that run is the next one after it.</summary>
    private static string PreviousId(string runId) => runId[..^1] + (char)(runId[^1] - 1);

    /// <summary>Where a thread stream resumes, from its <c>Last-Event-ID</c>.</summary>
    private readonly record struct ThreadStreamPosition(bool FromStart, string? RunId, long AfterSequence, bool RunDone)
    {
        private const string Done = "done";

        public static string Id(string runId, long sequence) => runId + ":" + sequence.ToString(System.Globalization.CultureInfo.InvariantCulture);

        public static string DoneId(string runId) => runId + ":" + Done;

        /// <summary>Nothing (join now), <c>-</c> or <c>-1</c> (from the start), or an id this stream sent.</summary>
        public static ThreadStreamPosition Parse(string header)
        {
            var text = header.Trim();
            if (text.Length == 0)
            {
                return default;
            }

            if (text is "-" or "-1")
            {
                return new ThreadStreamPosition(true, null, -1, false);
            }

            var colon = text.LastIndexOf(':');
            if (colon > 0 && RunIds.IsValid(text[..colon]))
            {
                var runId = text[..colon];
                var rest = text[(colon + 1)..];
                if (rest == Done)
                {
                    return new ThreadStreamPosition(false, runId, -1, true);
                }

                if (long.TryParse(rest, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var sequence))
                {
                    return new ThreadStreamPosition(false, runId, sequence, false);
                }
            }

            throw new ApiProblemException(ApiProblem.Unprocessable("header.Last-Event-ID", "must be '-' (from the start) or the id of an event of this thread's stream ({run_id}:{n})"));
        }
    }
}
