using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace AgentFunctions.Core.Telemetry;

/// <summary>
/// The library's one <see cref="ActivitySource"/> and one <see cref="Meter"/>, both named
/// <see cref="Name"/>. Spans and instruments are created from these; with nothing listening they cost
/// a null check.
/// </summary>
public static class AgentTelemetry
{
    /// <summary>The name of the source and the meter ("AgentFunctions"): what an exporter subscribes to.</summary>
    public const string Name = "AgentFunctions";

    public static ActivitySource Source { get; } = new(Name, typeof(AgentTelemetry).Assembly.GetName().Version?.ToString());

    public static Meter Meter { get; } = new(Name, typeof(AgentTelemetry).Assembly.GetName().Version?.ToString());

    /// <summary>
    /// The W3C <c>traceparent</c> of the current span when it is one of ours (to carry in a queued message, so
    /// that whoever handles it can link to it); null otherwise, and when nothing listens.
    /// </summary>
    public static string? CurrentTraceParent()
        => Activity.Current is { IdFormat: ActivityIdFormat.W3C } current && current.Source == Source ? current.Id : null;
}
