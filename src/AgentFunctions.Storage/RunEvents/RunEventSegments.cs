using System.Globalization;
using System.Text.Json;
using AgentFunctions.Core.RunEvents;
using AgentFunctions.Storage.Stores;
using AgentFunctions.Storage.Tables;

namespace AgentFunctions.Storage.RunEvents;

/// <summary>
/// The keys of a run's rows and the encoding of events in a segment: one line per event,
/// <c>{event name}\t{data as compact JSON}\n</c>, in sequence order from the segment's first sequence
/// number (the row key), so sequence numbers are not repeated. Compact JSON has no raw control
/// characters and event names may not have any, so tab and newline cannot occur inside a field.
/// An event whose line is longer than one row (<see cref="RunEventLogOptions.MaxSegmentCharsLimit"/>)
/// is cut into pieces (<see cref="Cut"/>): the first in its head row, the others in part rows (<see cref="PartKey"/>).
/// </summary>
internal static class RunEventSegments
{
    /// <summary>The end marker's row key: letters sort after the digits of every segment's key.</summary>
    public const string EndKey = "end";

    /// <summary>The table service's own bytes of one row in a transaction (multipart headers, URL, keys, property names), with a margin.</summary>
    public const int RowOverheadBytes = 1024;

    /// <summary>The length of a segment's key: a sequence number, zero-padded.</summary>
    public const int KeyLength = 19;

    /// <summary>The length of a large event's write id, in lowercase hex digits.</summary>
    public const int WriteIdLength = 8;

    /// <summary>
    /// The most bytes a large event's piece takes in a request body. The service counts an entity's strings as
    /// UTF-16 (a piece of <see cref="RunEventLogOptions.MaxSegmentCharsLimit"/> characters is under its 1 MiB), but
    /// Azurite counts an upserted entity's JSON as sent, where a non-ASCII character takes six bytes.
    /// </summary>
    public const int MaxPieceRequestBytes = 1_000_000;

    private const int PartNumberLength = 4;

    public static string Key(long firstSequence) => firstSequence.ToString("D19", CultureInfo.InvariantCulture);

    /// <summary>
    /// The key of part <paramref name="part"/> (1, 2…) of the large event <paramref name="sequence"/>, written
    /// under <paramref name="writeId"/>: the event's own key, the write id and the part number (four digits).
    /// It sorts after the event's head row and before the next segment's key, whatever the write id.
    /// </summary>
    public static string PartKey(long sequence, string writeId, int part)
        => string.Concat(Key(sequence), writeId, part.ToString("D4", CultureInfo.InvariantCulture));

    /// <summary>A fresh write id for the parts of one large event.</summary>
    public static string NewWriteId() => Guid.NewGuid().ToString("N")[..WriteIdLength];

    /// <summary>The sequence number a segment's, head's or part's key starts with.</summary>
    public static long SequenceOf(string rowKey) => long.Parse(rowKey.AsSpan(0, KeyLength), NumberStyles.None, CultureInfo.InvariantCulture);

    /// <summary>Whether <paramref name="rowKey"/> is a part's key, and its write id and part number.</summary>
    public static bool TryParsePart(string rowKey, out string writeId, out int part)
    {
        writeId = string.Empty;
        part = 0;
        if (rowKey.Length != KeyLength + WriteIdLength + PartNumberLength
            || !int.TryParse(rowKey.AsSpan(rowKey.Length - PartNumberLength), NumberStyles.None, CultureInfo.InvariantCulture, out part))
        {
            return false;
        }

        writeId = rowKey.Substring(KeyLength, WriteIdLength);
        return true;
    }

    /// <summary>One event's line, and the size of its data as compact JSON in bytes of UTF-8.</summary>
    /// <exception cref="ArgumentException">The name is empty or has control characters, or the data is not a JSON value.</exception>
    public static string Encode(RunEvent runEvent, out int dataBytes)
    {
        if (string.IsNullOrEmpty(runEvent.Event) || runEvent.Event.Any(char.IsControl))
        {
            throw new ArgumentException("A run event's name is not empty and has no control characters.", nameof(runEvent));
        }

        if (runEvent.Data.ValueKind == JsonValueKind.Undefined)
        {
            throw new ArgumentException("A run event's data is a JSON value (null is written as JSON null).", nameof(runEvent));
        }

        return string.Concat(runEvent.Event, "\t", StoredJson.Write(runEvent.Data, out dataBytes), "\n");
    }

    /// <summary>
    /// Cuts the line of an event larger than a row into the pieces of its head and parts: at most
    /// <see cref="RunEventLogOptions.MaxSegmentCharsLimit"/> characters and <see cref="MaxPieceRequestBytes"/>
    /// bytes as sent (<see cref="TableLimits.RequestBytes(char)"/>) each, never inside a surrogate pair.
    /// </summary>
    /// <returns>The pieces, in order, and the bytes each takes in a request body.</returns>
    public static (string[] Pieces, long[] Bytes) Cut(string line)
    {
        var pieces = new List<string>();
        var sizes = new List<long>();
        var start = 0;
        while (start < line.Length)
        {
            var end = start;
            long bytes = 0;
            var limit = Math.Min(line.Length, start + RunEventLogOptions.MaxSegmentCharsLimit);
            while (end < limit && bytes + TableLimits.RequestBytes(line[end]) <= MaxPieceRequestBytes)
            {
                bytes += TableLimits.RequestBytes(line[end++]);
            }

            if (end < line.Length && char.IsHighSurrogate(line[end - 1]))
            {
                bytes -= TableLimits.RequestBytes(line[--end]);
            }

            pieces.Add(line[start..end]);
            sizes.Add(bytes);
            start = end;
        }

        return ([.. pieces], [.. sizes]);
    }

    /// <summary>The events of a segment with a sequence number above <paramref name="afterSequence"/>.</summary>
    /// <exception cref="FormatException">The row's events are not in the encoding above.</exception>
    public static IEnumerable<RunEvent> Decode(RunEventRow row, long afterSequence)
    {
        if (row.IsEnd || row.Last <= afterSequence || row.Events is not { } events)
        {
            yield break;
        }

        var sequence = row.First;
        var start = 0;
        while (start < events.Length)
        {
            var end = events.IndexOf('\n', start);
            if (end < 0)
            {
                throw new FormatException($"Segment {row.RowKey} of run '{row.PartitionKey}' ends inside an event.");
            }

            if (sequence > afterSequence)
            {
                yield return Parse(row, sequence, events.AsSpan(start, end - start));
            }

            sequence++;
            start = end + 1;
        }
    }

    /// <summary>The large event that starts in <paramref name="head"/>, from its whole line (the head's piece and its parts').</summary>
    /// <exception cref="FormatException">The line is not in the encoding above.</exception>
    public static RunEvent DecodeLarge(RunEventRow head, string line)
    {
        if (line.Length == 0 || line[^1] != '\n' || line.IndexOf('\n') != line.Length - 1)
        {
            throw new FormatException($"Event {head.First} of run '{head.PartitionKey}' is not one line.");
        }

        return Parse(head, head.First, line.AsSpan(0, line.Length - 1));
    }

    private static RunEvent Parse(RunEventRow row, long sequence, ReadOnlySpan<char> line)
    {
        var tab = line.IndexOf('\t');
        if (tab <= 0)
        {
            throw new FormatException($"Event {sequence} of run '{row.PartitionKey}' has no name.");
        }

        try
        {
            return new RunEvent(sequence, Name(line[..tab]), JsonElement.Parse(line[(tab + 1)..]));
        }
        catch (JsonException e)
        {
            throw new FormatException($"Event {sequence} of run '{row.PartitionKey}' does not hold valid JSON.", e);
        }
    }

    /// <summary>The event's name, without a new string for the names the protocol defines.</summary>
    private static string Name(ReadOnlySpan<char> name) => name switch
    {
        RunEvent.Messages => RunEvent.Messages,
        RunEvent.MessagesPartial => RunEvent.MessagesPartial,
        RunEvent.MessagesComplete => RunEvent.MessagesComplete,
        RunEvent.MessagesMetadata => RunEvent.MessagesMetadata,
        RunEvent.Values => RunEvent.Values,
        RunEvent.Updates => RunEvent.Updates,
        RunEvent.Metadata => RunEvent.Metadata,
        RunEvent.Checkpoints => RunEvent.Checkpoints,
        RunEvent.Tasks => RunEvent.Tasks,
        RunEvent.Debug => RunEvent.Debug,
        RunEvent.Custom => RunEvent.Custom,
        RunEvent.Error => RunEvent.Error,
        _ => name.ToString(),
    };
}
