using AgentFunctions.Storage.Tables;
using Azure;

namespace AgentFunctions.Storage.RunEvents;

/// <summary>
/// A row of a run's partition in the run events table: a segment of consecutive events, the head or a part
/// of an event larger than a row, or the end marker.
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
/// An event whose line is longer than <see cref="RunEventLogOptions.MaxSegmentCharsLimit"/> characters is
/// cut into pieces of at most that many (and at most <see cref="RunEventSegments.MaxPieceRequestBytes"/> as
/// sent, see <see cref="RunEventSegments.Cut"/>). Its head row is a segment of that one event (same key, <c>N</c> 1,
/// <c>L</c> its sequence number) whose <c>E</c> holds the first piece, with <c>W</c>, the write id of its
/// parts, and <c>P</c>, how many parts follow. Part <c>k</c> (1 to <c>P</c>) holds the next piece in
/// <c>E</c>, with <c>N</c> 0 and the same <c>L</c>, under the key
/// <see cref="RunEventSegments.PartKey"/>: the head's key, the write id and <c>k</c> in four digits, so
/// the parts sort right after their head and before the next segment. The head is written last (or in the
/// same transaction as the parts): readers take an event from its head and the parts with its write id,
/// and skip parts that no head names (written ahead by a write that has not completed, or left by one that
/// failed), so no one sees part of an event.
/// </para>
/// <para>
/// The end marker's RowKey is <c>end</c>, which sorts after every segment; it is written in the same
/// transaction as the log's last segments. Its <c>L</c> is <see cref="long.MaxValue"/> so that every
/// reader's filter keeps it, and <c>Q</c> is the log's last sequence number (-1 for an empty log).
/// </para>
/// </remarks>
internal sealed class RunEventRow : ITableRow<RunEventRow>
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

    /// <summary>A large event's head: the write id of its parts.</summary>
    public string? WriteId { get; set; }

    /// <summary>A large event's head: how many parts follow it.</summary>
    public int? Parts { get; set; }

    public bool IsEnd => RowKey == RunEventSegments.EndKey;

    /// <summary>Whether this is a part of a large event (its key is longer than a segment's).</summary>
    public bool IsPart => RowKey.Length > RunEventSegments.KeyLength;

    /// <summary>Whether this is the head of a large event: a segment of one event whose parts follow.</summary>
    public bool IsHead => Parts is > 0 && !IsPart;

    public long First => RunEventSegments.SequenceOf(RowKey);

    public static RunEventRow Segment(string partition, long first, int count, string events) => new()
    {
        PartitionKey = partition,
        RowKey = RunEventSegments.Key(first),
        Count = count,
        Last = first + count - 1,
        Events = events,
    };

    public static RunEventRow Head(string partition, long sequence, string writeId, int parts, string firstPiece) => new()
    {
        PartitionKey = partition,
        RowKey = RunEventSegments.Key(sequence),
        Count = 1,
        Last = sequence,
        Events = firstPiece,
        WriteId = writeId,
        Parts = parts,
    };

    public static RunEventRow Part(string partition, long sequence, string writeId, int part, string piece) => new()
    {
        PartitionKey = partition,
        RowKey = RunEventSegments.PartKey(sequence, writeId, part),
        Count = 0,
        Last = sequence,
        Events = piece,
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
        WriteId = reader.GetString("W"),
        Parts = reader.GetInt32("P"),
    };

    public void WriteProperties(TableEntityWriter writer)
    {
        writer.WriteInt32("N", Count);
        writer.WriteInt64("L", Last);
        writer.WriteLargeString("E", Events);
        writer.WriteInt64("Q", EndSequence);
        writer.WriteString("W", WriteId);
        writer.WriteInt32("P", Parts);
    }

    /// <summary>Whether <paramref name="other"/> holds exactly what this row holds (an earlier attempt of the same write).</summary>
    public bool SameContent(RunEventRow other)
        => RowKey == other.RowKey && Count == other.Count && Last == other.Last && EndSequence == other.EndSequence
            && WriteId == other.WriteId && Parts == other.Parts
            && string.Equals(Events ?? string.Empty, other.Events ?? string.Empty, StringComparison.Ordinal);
}
