using System.Diagnostics;

namespace AgentFunctions.Core.Telemetry;

/// <summary>How an invocation ended.</summary>
public enum InvocationOutcome
{
    /// <summary>It did its work and its response (if any) was written; a server status of 500 or more still marks the span as an error.</summary>
    Completed,

    /// <summary>It failed: the span's status is error, with the exception as an event.</summary>
    Failed,

    /// <summary>The caller went away or the host shut down: marked as cancelled, not as an error.</summary>
    Cancelled,
}

/// <summary>
/// The trace of one invocation (an HTTP request, a queue message), for any host's middleware: the ASP.NET Core
/// middleware of the server, the queue pump, the Functions worker middleware. <see cref="Start"/> opens the
/// invocation's span before the handler runs, parented on the caller's W3C <c>traceparent</c> when there is one
/// (else a new trace; a host's own ambient activity is never the parent, since nothing exports it); one of
/// <see cref="Complete"/>, <see cref="Fail"/>, <see cref="Cancel"/> or <see cref="End"/> ends it, exactly once
/// (later calls do nothing and return false).
/// </summary>
/// <remarks>
/// <para>
/// End it from the flow that started it, once the response has been completely written (an async middleware
/// that awaits the whole response, then ends the trace, does this): <see cref="Activity.Current"/> is then what
/// it was before <see cref="Start"/>. Called from any other flow (a completion callback on the server's own
/// context), it still ends the span once, but leaves that flow's <see cref="Activity.Current"/> as it found it,
/// rather than overwriting it with this invocation's parent as <see cref="Activity.Stop"/> alone would.
/// </para>
/// <para>With nothing listening to <see cref="AgentTelemetry.Source"/>, no span is created and this costs one small object.</para>
/// </remarks>
/// <example>
/// A host's middleware, in its own async method (so that start and end share its flow):
/// <code>
/// var trace = InvocationTrace.Start(name, ActivityKind.Server, traceParent, traceState);
/// try
/// {
///     await next(context);            // the handler, and then the whole response
///     trace.Complete(statusCode);
/// }
/// catch (OperationCanceledException) when (callerGone.IsCancellationRequested)
/// {
///     trace.Cancel();
///     throw;
/// }
/// catch (Exception e)
/// {
///     trace.Fail(e);
///     throw;
/// }
/// </code>
/// </example>
public sealed class InvocationTrace
{
    /// <summary>The invocation whose flow this is: set by <see cref="Start"/>, seen by every flow it starts, reset by the end.</summary>
    private static readonly AsyncLocal<InvocationTrace?> Flow = new();

    private readonly Activity? _previous;
    private readonly InvocationTrace? _previousFlow;
    private int _ended;

    private InvocationTrace(Activity? activity, Activity? previous, InvocationTrace? previousFlow)
    {
        Activity = activity;
        _previous = previous;
        _previousFlow = previousFlow;
    }

    /// <summary>The invocation's span; null when nobody listens or it was not sampled.</summary>
    public Activity? Activity { get; }

    /// <summary>Whether the invocation has been ended.</summary>
    public bool IsEnded => Volatile.Read(ref _ended) != 0;

    /// <summary>Starts an invocation's span in the calling flow and makes it <see cref="Activity.Current"/> there.</summary>
    /// <param name="name">The span's name (an HTTP host may rename it once the route is known, through <see cref="Activity"/>).</param>
    /// <param name="kind"><see cref="ActivityKind.Server"/> for a request, <see cref="ActivityKind.Consumer"/> for a message.</param>
    /// <param name="traceParent">The caller's W3C <c>traceparent</c>; ignored when missing or malformed.</param>
    /// <param name="traceState">The caller's W3C <c>tracestate</c>.</param>
    /// <param name="tags">Attributes known at the start (seen by samplers).</param>
    /// <param name="links">Spans this invocation follows from.</param>
    public static InvocationTrace Start(
        string name, ActivityKind kind, string? traceParent = null, string? traceState = null,
        IEnumerable<KeyValuePair<string, object?>>? tags = null, IEnumerable<ActivityLink>? links = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var previous = Activity.Current;
        var previousFlow = Flow.Value;
        Activity? activity = null;
        if (AgentTelemetry.Source.HasListeners())
        {
            _ = ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var parent);

            // Without a caller's context, StartActivity would take the ambient activity as the parent: clear it first.
            Activity.Current = null;
            activity = AgentTelemetry.Source.StartActivity(name, kind, parent, tags, links);
            if (activity is null)
            {
                Activity.Current = previous;
            }
        }

        var trace = new InvocationTrace(activity, previous, previousFlow);
        Flow.Value = trace;
        return trace;
    }

    /// <summary>
    /// Runs one invocation inside its trace, for a host whose invocations have no response to wait for (a queue
    /// message, a timer): started before <paramref name="invocation"/>, ended when it returns (completed), throws
    /// (failed, and the exception goes on), or is cancelled through <paramref name="cancellationToken"/> (cancelled).
    /// </summary>
    public static async Task RunAsync(
        string name, ActivityKind kind, Func<Task> invocation, string? traceParent = null, string? traceState = null,
        IEnumerable<KeyValuePair<string, object?>>? tags = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        var trace = Start(name, kind, traceParent, traceState, tags);
        try
        {
            await invocation().ConfigureAwait(false);
            trace.Complete();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            trace.Cancel();
            throw;
        }
        catch (Exception e)
        {
            trace.Fail(e);
            throw;
        }
    }

    /// <summary>Ends the invocation as completed; a <paramref name="statusCode"/> of 500 or more on a server span marks it as an error.</summary>
    /// <returns>False when it had already ended.</returns>
    public bool Complete(int? statusCode = null) => End(InvocationOutcome.Completed, statusCode);

    /// <summary>Ends the invocation as failed with <paramref name="exception"/> (an error status and an exception event).</summary>
    /// <returns>False when it had already ended.</returns>
    public bool Fail(Exception exception, int? statusCode = null)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return End(InvocationOutcome.Failed, statusCode, exception);
    }

    /// <summary>Ends the invocation as cancelled (the caller went away, or the host is stopping): not an error.</summary>
    /// <returns>False when it had already ended.</returns>
    public bool Cancel(int? statusCode = null) => End(InvocationOutcome.Cancelled, statusCode);

    /// <summary>Ends the invocation with <paramref name="outcome"/>, once; restores <see cref="Activity.Current"/> in the starting flow.</summary>
    /// <param name="outcome">How it ended.</param>
    /// <param name="statusCode">The response's status code, for an HTTP invocation.</param>
    /// <param name="exception">The failure, for <see cref="InvocationOutcome.Failed"/>.</param>
    /// <returns>False when it had already ended (nothing is changed then).</returns>
    public bool End(InvocationOutcome outcome, int? statusCode = null, Exception? exception = null)
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
        {
            return false;
        }

        var inStartingFlow = Flow.Value == this;
        if (Activity is { } activity)
        {
            Describe(activity, outcome, statusCode, exception);
            var current = Activity.Current;
            activity.Stop();
            Restore(inStartingFlow ? _previous : current);
        }

        if (inStartingFlow)
        {
            Flow.Value = _previousFlow;
        }

        return true;
    }

    private static void Describe(Activity activity, InvocationOutcome outcome, int? statusCode, Exception? exception)
    {
        if (statusCode is { } status)
        {
            activity.SetTag(TelemetryAttributes.HttpResponseStatusCode, status);
        }

        switch (outcome)
        {
            case InvocationOutcome.Failed:
                activity.SetTag(TelemetryAttributes.InvocationOutcome, "failed");
                activity.SetTag(TelemetryAttributes.ErrorType, exception?.GetType().FullName ?? statusCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "_OTHER");
                activity.SetStatus(ActivityStatusCode.Error, exception?.GetType().Name);
                if (exception is not null)
                {
                    activity.AddException(exception);
                }

                break;
            case InvocationOutcome.Cancelled:
                activity.SetTag(TelemetryAttributes.InvocationOutcome, "cancelled");
                break;
            default:
                activity.SetTag(TelemetryAttributes.InvocationOutcome, "completed");
                if (statusCode >= 500 && activity.Kind == ActivityKind.Server)
                {
                    activity.SetTag(TelemetryAttributes.ErrorType, statusCode.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    activity.SetStatus(ActivityStatusCode.Error);
                }

                break;
        }
    }

    /// <summary>Sets <see cref="Activity.Current"/>, unless that activity has stopped meanwhile (then nothing is current).</summary>
    private static void Restore(Activity? activity) => Activity.Current = activity is { IsStopped: true } ? null : activity;
}
