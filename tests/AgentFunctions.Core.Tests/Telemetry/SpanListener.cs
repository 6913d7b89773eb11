using System.Collections.Concurrent;
using System.Diagnostics;
using AgentFunctions.Core.Telemetry;

namespace AgentFunctions.Core.Tests.Telemetry;

/// <summary>Listens to the library's source for one test and keeps the spans that ended, with how often each was reported ended.</summary>
internal sealed class SpanListener : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly ConcurrentDictionary<ActivitySpanId, int> _stops = new();

    public SpanListener()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == AgentTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                Stopped.Enqueue(activity);
                _stops.AddOrUpdate(activity.SpanId, 1, (_, n) => n + 1);
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public ConcurrentQueue<Activity> Stopped { get; } = new();

    public int Stops(ActivitySpanId spanId) => _stops.GetValueOrDefault(spanId);

    public void Dispose() => _listener.Dispose();
}
