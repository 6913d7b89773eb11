using System.Diagnostics.Metrics;

namespace AgentFunctions.Core.Telemetry;

/// <summary>
/// The library's instruments, all on <see cref="AgentTelemetry.Meter"/>. Durations are in seconds, as the
/// OpenTelemetry conventions have them; the model-call instruments are the conventions' <c>gen_ai.client.*</c>.
/// With nothing listening, recording costs a check.
/// </summary>
public static class AgentMetrics
{
    private static readonly IReadOnlyList<double> SecondsBuckets =
        [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

    private static readonly IReadOnlyList<long> TokenBuckets =
        [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304];

    /// <summary>Runs that ended, by <see cref="TelemetryAttributes.RunStatus"/>.</summary>
    public static Counter<long> Runs { get; } = AgentTelemetry.Meter.CreateCounter<long>(
        "agentfunctions.runs", "{run}", "Runs that ended, by status.");

    /// <summary>From a run's start (before its turn on the thread is taken) to its end, by <see cref="TelemetryAttributes.RunStatus"/>.</summary>
    public static Histogram<double> RunDuration { get; } = AgentTelemetry.Meter.CreateHistogram(
        "agentfunctions.run.duration", "s", "From a run's start to its end.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });

    /// <summary>From a run's start to its first event (what a streaming client waits for before it sees anything).</summary>
    public static Histogram<double> TimeToFirstEvent { get; } = AgentTelemetry.Meter.CreateHistogram(
        "agentfunctions.run.time_to_first_event", "s", "From a run's start to its first event.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });

    /// <summary>Tokens per model call, by <see cref="TelemetryAttributes.GenAITokenType"/> (<c>input</c>, <c>output</c>).</summary>
    public static Histogram<long> TokenUsage { get; } = AgentTelemetry.Meter.CreateHistogram(
        "gen_ai.client.token.usage", "{token}", "Tokens used per model call.", advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = TokenBuckets });

    /// <summary>How long a model call took, to its last streamed update.</summary>
    public static Histogram<double> ModelCallDuration { get; } = AgentTelemetry.Meter.CreateHistogram(
        "gen_ai.client.operation.duration", "s", "How long a model call took.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });

    /// <summary>Bytes of checkpoint rows written to storage (as sent), by <see cref="TelemetryAttributes.CheckpointKind"/>.</summary>
    public static Counter<long> CheckpointBytesWritten { get; } = AgentTelemetry.Meter.CreateCounter<long>(
        "agentfunctions.checkpoint.bytes_written", "By", "Bytes of checkpoint rows written, by kind (snapshot or delta).");
}
