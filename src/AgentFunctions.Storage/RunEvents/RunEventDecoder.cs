using System.Text;
using AgentFunctions.Core.RunEvents;

namespace AgentFunctions.Storage.RunEvents;

/// <summary>
/// Turns the rows of one scan of a run's partition, in key order, into its events after a sequence number:
/// a segment's events at once, a large event once its head and every one of its parts have been read (see
/// <see cref="RunEventRow"/>). Parts that no head read before them names are skipped: parts written ahead
/// of their head, parts left by a write that failed, and parts of an event at or before the sequence asked for.
/// One instance per scan.
/// </summary>
internal sealed class RunEventDecoder(long afterSequence)
{
    private RunEventRow? _head;
    private StringBuilder? _line;
    private int _nextPart;

    /// <summary>Whether a large event's head has been read and some of its parts have not.</summary>
    public bool Pending => _head is not null;

    /// <summary>How many parts of the pending large event are still to be read (0 when none is pending).</summary>
    public int PartsToCome => _head is { Parts: { } parts } ? parts - _nextPart + 1 : 0;

    /// <summary>The events that <paramref name="row"/>, the next row of the scan, completes.</summary>
    /// <exception cref="FormatException">The row breaks the encoding: a large event's parts are missing or out of order, or a segment is malformed.</exception>
    public IEnumerable<RunEvent> Decode(RunEventRow row)
    {
        if (row.IsPart)
        {
            return AddPart(row) is { } completed ? [completed] : [];
        }

        if (_head is { } head)
        {
            throw Incomplete(head);
        }

        if (row.IsHead)
        {
            if (row.Last > afterSequence)
            {
                _head = row;
                _line = new StringBuilder(row.Events);
                _nextPart = 1;
            }

            return [];
        }

        return RunEventSegments.Decode(row, afterSequence);
    }

    /// <summary>Ends the scan: its rows are all read.</summary>
    /// <exception cref="FormatException">A large event's head was read but not all its parts.</exception>
    public void EndOfRows()
    {
        if (_head is { } head)
        {
            throw Incomplete(head);
        }
    }

    private RunEvent? AddPart(RunEventRow row)
    {
        if (_head is not { } head
            || !RunEventSegments.TryParsePart(row.RowKey, out var writeId, out var part)
            || !string.Equals(writeId, head.WriteId, StringComparison.Ordinal)
            || !row.RowKey.StartsWith(head.RowKey, StringComparison.Ordinal))
        {
            return null; // a part of no event being read
        }

        if (part != _nextPart)
        {
            throw Incomplete(head);
        }

        _line!.Append(row.Events);
        if (_nextPart++ < head.Parts)
        {
            return null;
        }

        var line = _line.ToString();
        _head = null;
        _line = null;
        return RunEventSegments.DecodeLarge(head, line);
    }

    private FormatException Incomplete(RunEventRow head)
        => new($"Event {head.First} of run '{head.PartitionKey}' has {head.Parts} parts after its head, but part {_nextPart} was not read in order; the log may have been deleted while it was read.");
}
