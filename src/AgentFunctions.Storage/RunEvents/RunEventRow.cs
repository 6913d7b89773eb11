using AgentFunctions.Storage.Tables;
using Azure;

namespace AgentFunctions.Storage.RunEvents;

/// <summary>
/// A row of a run's partition in the run events table: a segment of consecutive events, or the end marker.
/// </summary>
/// <remarks>
/// <para>
/// A segment's RowKey is its first sequence number, zero-padded to 19 digits
/// (<see cref="RunEventSegments.Key"/>), so that segments sort in order. Properties: <c>N</c> the number
/// of events, <c>L</c> the last sequence number (readers filter on it to start inside the right
/// segment), <c>E</c> the events, encoded by <see cref="RunEventSegments"/>, over as many properties as
/// they need (<c>E</c>, <c>E_1</c>…).
/// </para>
/// <para>
/// The end marker's RowKey is <c>end</c>, which sorts after every segment; it is written in the same
/// transaction as the log's last segments. Its <c>L</c> is <see cref="long.MaxValue"/> so that every
/// reader's filter keeps it, and <c>Q</c> is the log's last sequence number (-1 for an empty log).
/// </para>
/// </remarks>
internal sealed class RunEventRow : ITableEntity<RunEventRow>
{
    public string PartitionKey { get; set; } = string.Empty;

    public string RowKey { get; set; } = string.Empty;

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    public int Count { get; set; }

    public long Last { get; set; }

    public string? Events { get; set; }

    /// <summary>The end marker's last sequence number of the log.</summary>
    public long? EndSequence { get; set; }

    public bool IsEnd => RowKey == RunEventSegments.EndKey;

    public long First => RunEventSegments.SequenceOf(RowKey);

    public static RunEventRow Segment(string partition, long first, int count, string events) => new()
    {
        PartitionKey = partition,
        RowKey = RunEventSegments.Key(first),
        Count = count,
        Last = first + count - 1,
        Events = events,
    };

    public static RunEventRow End(string partition, long lastSequence) => new()
    {
        PartitionKey = partition,
        RowKey = RunEventSegments.EndKey,
        Last = long.MaxValue,
        EndSequence = lastSequence,
    };

    public static RunEventRow ReadEntity(TableEntityReader reader) => new()
    {
        Count = reader.GetInt32("N") ?? 0,
        Last = reader.GetInt64("L") ?? -1,
        Events = reader.GetLargeString("E"),
        EndSequence = reader.GetInt64("Q"),
    };

    public void WriteProperties(TableEntityWriter writer)
    {
        writer.WriteInt32("N", Count);
        writer.WriteInt64("L", Last);
        writer.WriteLargeString("E", Events);
        writer.WriteInt64("Q", EndSequence);
    }

    /// <summary>Whether <paramref name="other"/> holds exactly what this row holds (an earlier attempt of the same write).</summary>
    public bool SameContent(RunEventRow other)
        => RowKey == other.RowKey && Count == other.Count && Last == other.Last && EndSequence == other.EndSequence
            && string.Equals(Events ?? string.Empty, other.Events ?? string.Empty, StringComparison.Ordinal);
}
