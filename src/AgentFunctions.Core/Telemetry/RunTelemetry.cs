using System.Diagnostics;
using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Runtime;

namespace AgentFunctions.Core.Telemetry;

/// <summary>
/// One run's span (<c>invoke_agent agent</c>) and its metrics: started where the executor starts the run, in the
/// flow that executes it, so that the model, tool and storage spans of the run are its children.
/// </summary>
internal sealed class RunTelemetry : IDisposable
{
    private readonly Activity? _activity;
    private readonly long _started = Stopwatch.GetTimestamp();
    private bool _sawEvent;
    private bool _ended;

    private RunTelemetry(Activity? activity) => _activity = activity;

    /// <param name="run">The run as created.</param>
    /// <param name="queuedBy">The span that queued a background run: linked, not parented.</param>
    public static RunTelemetry Start(AgentRun run, ActivityContext queuedBy)
    {
        Activity? activity = null;
        if (AgentTelemetry.Source.HasListeners())
        {
            ActivityLink[]? links = queuedBy == default ? null : [new ActivityLink(queuedBy)];
            activity = AgentTelemetry.Source.StartActivity("invoke_agent " + AgentGraph.GraphId, ActivityKind.Internal, default(ActivityContext), links: links);
            if (activity is { IsAllDataRequested: true })
            {
                activity.SetTag(TelemetryAttributes.GenAIOperationName, "invoke_agent");
                activity.SetTag(TelemetryAttributes.GenAIAgentName, AgentGraph.GraphId);
                activity.SetTag(TelemetryAttributes.GenAIAgentId, run.AssistantId);
                activity.SetTag(TelemetryAttributes.GenAIConversationId, run.ThreadId);
                activity.SetTag(TelemetryAttributes.RunId, run.RunId);
            }
        }

        return new RunTelemetry(activity);
    }

    /// <summary>The run's turn came and this executor holds it.</summary>
    public void Held(AgentRun held) => _activity?.SetTag(TelemetryAttributes.RunAttempt, held.Attempt);

    /// <summary>An event of the run: the first one is the time to first event.</summary>
    public void Event()
    {
        if (!_sawEvent)
        {
            _sawEvent = true;
            AgentMetrics.TimeToFirstEvent.Record(Stopwatch.GetElapsedTime(_started).TotalSeconds);
        }
    }

    /// <summary>The run ended with <paramref name="status"/>, or was not this executor's to run (null).</summary>
    public void Ended(RunStatus? status, Exception? failure = null)
    {
        if (_ended)
        {
            return;
        }

        _ended = true;
        var name = StatusName(status);
        if (_activity is { } activity)
        {
            activity.SetTag(TelemetryAttributes.RunStatus, name);
            if (failure is not null)
            {
                activity.SetTag(TelemetryAttributes.ErrorType, failure.GetType().FullName);
                activity.AddException(failure);
            }

            if (status is RunStatus.Error or RunStatus.Timeout)
            {
                activity.SetStatus(ActivityStatusCode.Error, name);
            }
        }

        if (status is not null)
        {
            var tag = new KeyValuePair<string, object?>(TelemetryAttributes.RunStatus, name);
            AgentMetrics.Runs.Add(1, tag);
            AgentMetrics.RunDuration.Record(Stopwatch.GetElapsedTime(_started).TotalSeconds, tag);
        }
    }

    public void Dispose() => _activity?.Dispose();

    private static string StatusName(RunStatus? status) => status switch
    {
        null => "not_run",
        RunStatus.Pending => "pending",
        RunStatus.Running => "running",
        RunStatus.Success => "success",
        RunStatus.Error => "error",
        RunStatus.Timeout => "timeout",
        _ => "interrupted",
    };
}
