using System.Globalization;

namespace AgentFunctions.Storage.Checkpoints;

/// <summary>
/// The row keys of a thread's partition in the checkpoints table. Sequence numbers are inverted
/// (<c>long.MaxValue - seq</c>, 19 digits) so that the newest rows come first in the service's order.
/// <list type="bullet">
/// <item><c>c{inv}</c>: one row per checkpoint, its description without state (history reads these).</item>
/// <item><c>s{inv}b</c>: a block: the deltas of several consecutive checkpoints, one property each (<c>D{seq - first}</c>).</item>
/// <item><c>s{inv}d</c>: a delta too large for a block, with its parts <c>s{inv}d{write}{k}</c>.</item>
/// <item><c>s{inv}f</c>: a full snapshot of the state, with its parts <c>s{inv}f{write}{k}</c>.</item>
/// </list>
/// Reading the <c>s</c> range newest first from a checkpoint meets every delta back to the nearest
/// snapshot, which is all it takes to materialise that checkpoint's state. A snapshot that compaction
/// wrote inside an open block names that block (<c>From</c>), and reading goes on down to it.
/// The row <c>a</c> is the thread's compaction mark (<see cref="Mark"/>), and the row <c>h{partition}</c> a copy of its
/// newest checkpoint's row (<see cref="Head"/>).
/// </summary>
internal static class CheckpointKeys
{
    public const char Block = 'b';
    public const char Delta = 'd';
    public const char Snapshot = 'f';

    /// <summary>The compaction mark's row: it sorts just before the checkpoint rows, so one query reads it and the latest checkpoint.</summary>
    public const string Mark = "a";

    /// <summary>
    /// The head row's key: the newest checkpoint's <c>c</c> row again, written in the same transaction, so the head is a
    /// point read, not a query. It sorts outside every range that is read or deleted by key (<c>a</c>–<c>d</c>, <c>s</c>),
    /// and it names its partition so that no two threads share it: the emulator finds a row by its row key first and
    /// then looks through every row of the table with that key, so a key that every thread had would cost more the more
    /// threads the table holds (the service itself finds it by both keys).
    /// </summary>
    public static string Head(string partition) => HeadPrefix + partition;

    public const char HeadPrefix = 'h';

    /// <summary>The table's marker (<see cref="Stores.TableFormat"/>): every thread with checkpoints has its head row.</summary>
    public const string HeadsKept = "heads";

    public static string Partition(string ownerKey, string threadId) => ownerKey + "|" + threadId;

    public static string Inverted(long sequence) => (long.MaxValue - sequence).ToString("D19", CultureInfo.InvariantCulture);

    public static string Checkpoint(long sequence) => "c" + Inverted(sequence);

    public static string State(long sequence, char kind) => "s" + Inverted(sequence) + kind;

    public static string StatePart(long sequence, char kind, string writeId, int part)
        => State(sequence, kind) + writeId + part.ToString("D3", CultureInfo.InvariantCulture);

    public static long SequenceOf(string rowKey) => long.MaxValue - long.Parse(rowKey.AsSpan(1, 19), CultureInfo.InvariantCulture);

    /// <summary>Parses an <c>s</c> row key: its sequence, kind, and (for parts) write id and part number.</summary>
    public static (long Sequence, char Kind, string? WriteId, int Part) ParseState(string rowKey)
    {
        var sequence = SequenceOf(rowKey);
        var kind = rowKey[20];
        if (rowKey.Length == 21)
        {
            return (sequence, kind, null, 0);
        }

        var writeId = rowKey[21..^3];
        return (sequence, kind, writeId, int.Parse(rowKey.AsSpan(rowKey.Length - 3), CultureInfo.InvariantCulture));
    }
}
