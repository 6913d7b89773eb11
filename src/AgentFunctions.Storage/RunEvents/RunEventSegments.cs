using System.Globalization;
using System.Text.Json;
using AgentFunctions.Core.RunEvents;
using AgentFunctions.Storage.Stores;

namespace AgentFunctions.Storage.RunEvents;

/// <summary>
/// The keys of a run's rows and the encoding of events in a segment: one line per event,
/// <c>{event name}\t{data as compact JSON}\n</c>, in sequence order from the segment's first sequence
/// number (the row key), so sequence numbers are not repeated. Compact JSON has no raw control
/// characters and event names may not have any, so tab and newline cannot occur inside a field.
/// </summary>
internal static class RunEventSegments
{
    /// <summary>The end marker's row key: letters sort after the digits of every segment's key.</summary>
    public const string EndKey = "end";

    /// <summary>The table service's own bytes of one row in a transaction (multipart headers, URL, keys, property names), with a margin.</summary>
    public const int RowOverheadBytes = 1024;

    public static string Key(long firstSequence) => firstSequence.ToString("D19", CultureInfo.InvariantCulture);

    public static long SequenceOf(string rowKey) => long.Parse(rowKey, NumberStyles.None, CultureInfo.InvariantCulture);

    /// <summary>One event's line.</summary>
    /// <exception cref="ArgumentException">The name is empty or has control characters, or the data is not a JSON value.</exception>
    public static string Encode(RunEvent runEvent)
    {
        if (string.IsNullOrEmpty(runEvent.Event) || runEvent.Event.Any(char.IsControl))
        {
            throw new ArgumentException("A run event's name is not empty and has no control characters.", nameof(runEvent));
        }

        if (runEvent.Data.ValueKind == JsonValueKind.Undefined)
        {
            throw new ArgumentException("A run event's data is a JSON value (null is written as JSON null).", nameof(runEvent));
        }

        return string.Concat(runEvent.Event, "\t", StoredJson.Write(runEvent.Data), "\n");
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
