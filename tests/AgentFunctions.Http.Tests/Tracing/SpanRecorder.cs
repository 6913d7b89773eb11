using System.Collections.Concurrent;
using System.Diagnostics;
using AgentFunctions.Core.Telemetry;

namespace AgentFunctions.Http.Tests.Tracing;

/// <summary>
/// An <see cref="ActivityListener"/> on the library's source that records every span it sees end. Listeners are
/// process-wide, so tests pick their own spans out by trace id (each request sends its own <c>traceparent</c>).
/// </summary>
public sealed class SpanRecorder : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ConcurrentDictionary<ActivitySpanId, int> _stops = new();
    private readonly ConcurrentDictionary<ActivityTraceId, TaskCompletionSource<Activity>> _invocations = new();

    public SpanRecorder()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == AgentTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = Stopped,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>A new caller's context: a <c>traceparent</c> header value, and its trace and span ids.</summary>
    public static (string Header, ActivityTraceId TraceId, ActivitySpanId SpanId) NewTraceParent()
    {
        var traceId = ActivityTraceId.CreateRandom();
        var spanId = ActivitySpanId.CreateRandom();
        return ($"00-{traceId}-{spanId}-01", traceId, spanId);
    }

    /// <summary>The spans of one trace that have ended so far.</summary>
    public IReadOnlyList<Activity> Trace(ActivityTraceId traceId) => _stopped.Where(a => a.TraceId == traceId).ToList();

    /// <summary>Every span that has ended so far.</summary>
    public IReadOnlyList<Activity> All() => [.. _stopped];

    /// <summary>How many times a span was reported ended.</summary>
    public int Stops(ActivitySpanId spanId) => _stops.GetValueOrDefault(spanId);

    /// <summary>Whether the invocation (server or consumer) span of a trace has ended.</summary>
    public bool InvocationEnded(ActivityTraceId traceId) => _invocations.TryGetValue(traceId, out var ended) && ended.Task.IsCompleted;

    /// <summary>The invocation span of a trace, once it has ended (a guard of a minute against a hang, not a timing).</summary>
    public Task<Activity> InvocationAsync(ActivityTraceId traceId)
        => Invocation(traceId).Task.WaitAsync(TimeSpan.FromMinutes(1));

    public void Dispose() => _listener.Dispose();

    private TaskCompletionSource<Activity> Invocation(ActivityTraceId traceId)
        => _invocations.GetOrAdd(traceId, _ => new TaskCompletionSource<Activity>(TaskCreationOptions.RunContinuationsAsynchronously));

    private void Stopped(Activity activity)
    {
        _stopped.Enqueue(activity);
        _stops.AddOrUpdate(activity.SpanId, 1, (_, n) => n + 1);
        if (activity.Kind is ActivityKind.Server or ActivityKind.Consumer)
        {
            Invocation(activity.TraceId).TrySetResult(activity);
        }
    }
}
