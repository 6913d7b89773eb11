using System.Collections.Concurrent;
using System.Diagnostics;
using AgentFunctions.Core.Telemetry;

namespace AgentFunctions.Storage.Tests.Telemetry;

/// <summary>Listens to the library's source for one test and keeps the spans that ended (tests pick theirs out by queue or table name).</summary>
internal sealed class StorageSpans : IDisposable
{
    private readonly ActivityListener _listener;

    public StorageSpans()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == AgentTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = Stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public ConcurrentQueue<Activity> Stopped { get; } = new();

    public IReadOnlyList<Activity> On(string resource)
        => Stopped.Where(s => (string?)s.GetTagItem(TelemetryAttributes.StorageResource) == resource || (string?)s.GetTagItem(TelemetryAttributes.MessagingDestinationName) == resource).ToList();

    public void Dispose() => _listener.Dispose();
}
