using System.Globalization;
using AgentFunctions.Storage.Tables;
using Azure;

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
/// snapshot, which is all it takes to materialise that checkpoint's state.
/// </summary>
internal static class CheckpointKeys
{
    public const char Block = 'b';
    public const char Delta = 'd';
    public const char Snapshot = 'f';

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

/// <summary>A <c>c</c> row: one checkpoint's description, and the writer's bookkeeping for the next write.</summary>
internal sealed class CheckpointRow : ITableEntity<CheckpointRow>
{
    public const string KindSnapshot = "S";
    public const string KindDelta = "D";

    public string PartitionKey { get; set; } = string.Empty;

    public string RowKey { get; set; } = string.Empty;

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    public string Id { get; set; } = string.Empty;

    public string? ParentId { get; set; }

    public long Seq { get; set; }

    public int Step { get; set; }

    public string Source { get; set; } = string.Empty;

    public string Metadata { get; set; } = "{}";

    public string? Writes { get; set; }

    public string? WritesNode { get; set; }

    public string Next { get; set; } = "[]";

    public string Tasks { get; set; } = "[]";

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary><see cref="KindSnapshot"/>: the state is in a snapshot; <see cref="KindDelta"/>: the delta is in a block or its own rows.</summary>
    public string Kind { get; set; } = KindDelta;

    /// <summary>The newest snapshot on this checkpoint's chain, and its size in characters.</summary>
    public long SnapSeq { get; set; }

    public long SnapChars { get; set; }

    /// <summary>Characters of delta and rows written since that snapshot.</summary>
    public long SinceSnapChars { get; set; }

    public int RowsSinceSnap { get; set; }

    /// <summary>The open block (its first sequence, or 0 for none), its property count and characters.</summary>
    public long BlockSeq { get; set; }

    public int BlockProps { get; set; }

    public long BlockChars { get; set; }

    public static CheckpointRow ReadEntity(TableEntityReader reader) => new()
    {
        Id = reader.GetString(nameof(Id)) ?? string.Empty,
        ParentId = reader.GetString(nameof(ParentId)),
        Seq = reader.GetInt64(nameof(Seq)) ?? 0,
        Step = reader.GetInt32(nameof(Step)) ?? 0,
        Source = reader.GetString(nameof(Source)) ?? string.Empty,
        Metadata = reader.GetLargeString(nameof(Metadata)) ?? "{}",
        Writes = reader.GetLargeString(nameof(Writes)),
        WritesNode = reader.GetString(nameof(WritesNode)),
        Next = reader.GetString(nameof(Next)) ?? "[]",
        Tasks = reader.GetLargeString(nameof(Tasks)) ?? "[]",
        CreatedAt = reader.GetDateTimeOffset(nameof(CreatedAt)) ?? default,
        Kind = reader.GetString(nameof(Kind)) ?? KindDelta,
        SnapSeq = reader.GetInt64(nameof(SnapSeq)) ?? 0,
        SnapChars = reader.GetInt64(nameof(SnapChars)) ?? 0,
        SinceSnapChars = reader.GetInt64(nameof(SinceSnapChars)) ?? 0,
        RowsSinceSnap = reader.GetInt32(nameof(RowsSinceSnap)) ?? 0,
        BlockSeq = reader.GetInt64(nameof(BlockSeq)) ?? 0,
        BlockProps = reader.GetInt32(nameof(BlockProps)) ?? 0,
        BlockChars = reader.GetInt64(nameof(BlockChars)) ?? 0,
    };

    public void WriteProperties(TableEntityWriter writer)
    {
        writer.WriteString(nameof(Id), Id);
        writer.WriteString(nameof(ParentId), ParentId);
        writer.WriteInt64(nameof(Seq), Seq);
        writer.WriteInt32(nameof(Step), Step);
        writer.WriteString(nameof(Source), Source);
        writer.WriteLargeString(nameof(Metadata), Metadata);
        writer.WriteLargeString(nameof(Writes), Writes);
        writer.WriteString(nameof(WritesNode), WritesNode);
        writer.WriteString(nameof(Next), Next);
        writer.WriteLargeString(nameof(Tasks), Tasks);
        writer.WriteDateTimeOffset(nameof(CreatedAt), CreatedAt);
        writer.WriteString(nameof(Kind), Kind);
        writer.WriteInt64(nameof(SnapSeq), SnapSeq);
        writer.WriteInt64(nameof(SnapChars), SnapChars);
        writer.WriteInt64(nameof(SinceSnapChars), SinceSnapChars);
        writer.WriteInt32(nameof(RowsSinceSnap), RowsSinceSnap);
        writer.WriteInt64(nameof(BlockSeq), BlockSeq);
        writer.WriteInt32(nameof(BlockProps), BlockProps);
        writer.WriteInt64(nameof(BlockChars), BlockChars);
    }
}
