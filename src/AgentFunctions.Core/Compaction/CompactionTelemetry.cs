using System.Diagnostics.Metrics;
using AgentFunctions.Core.Telemetry;

namespace AgentFunctions.Core.Compaction;

/// <summary>Compaction's and retention's instruments, on the library's meter (<see cref="AgentTelemetry.Meter"/>).</summary>
internal static class CompactionTelemetry
{
    /// <summary>The span of one compaction request's handling.</summary>
    public const string CompactSpan = "compact_thread";

    /// <summary>The span of one thread deletion's handling (the sweep's, resumed from the queue).</summary>
    public const string DeleteThreadSpan = "delete_thread";

    /// <summary>The span of one run of the retention sweep.</summary>
    public const string SweepSpan = "retention_sweep";

    public const string ThreadIdTag = "agentfunctions.thread.id";
    public const string OutcomeTag = "agentfunctions.compaction.outcome";

    public static readonly Counter<long> Requested = AgentTelemetry.Meter.CreateCounter<long>(
        "agentfunctions.compaction.requested", "{request}", "Compactions requested at the end of a run.");

    public static readonly Counter<long> Handled = AgentTelemetry.Meter.CreateCounter<long>(
        "agentfunctions.compaction.handled", "{request}", "Compaction requests handled, by outcome.");

    public static readonly Counter<long> CheckpointsDeleted = AgentTelemetry.Meter.CreateCounter<long>(
        "agentfunctions.compaction.checkpoints_deleted", "{checkpoint}", "Checkpoints deleted by compaction.");

    public static readonly Counter<long> RowsDeleted = AgentTelemetry.Meter.CreateCounter<long>(
        "agentfunctions.compaction.rows_deleted", "{row}", "Checkpoint and state rows deleted by compaction.");

    public static readonly Counter<long> RunEventLogsDeleted = AgentTelemetry.Meter.CreateCounter<long>(
        "agentfunctions.compaction.run_event_logs_deleted", "{run}", "Runs whose persisted events compaction deleted.");

    public static readonly Histogram<double> Duration = AgentTelemetry.Meter.CreateHistogram<double>(
        "agentfunctions.compaction.duration", "s", "How long handling a compaction request took.");

    public static readonly Counter<long> ThreadsDeleted = AgentTelemetry.Meter.CreateCounter<long>(
        "agentfunctions.retention.threads_deleted", "{thread}", "Expired threads deleted with everything they own.");

    public static readonly Counter<long> RunsFailed = AgentTelemetry.Meter.CreateCounter<long>(
        "agentfunctions.retention.runs_failed", "{run}", "Abandoned runs (lease long expired) ended as failed.");
}
