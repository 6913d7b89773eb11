using System.Globalization;
using AgentFunctions.Storage.Tables;
using Azure;

namespace AgentFunctions.Storage.Checkpoints;

/// <summary>
/// A <c>c</c> row: one checkpoint's description, and the writer's bookkeeping for the next write.
/// There is one per checkpoint, so its properties have one-letter names and empty values are not
/// written: on a thread of short messages these rows are a large part of what is stored.
/// </summary>
/// <remarks>
/// Properties: <c>Q</c> sequence, <c>T</c> created, <c>P</c> parent id (a fork's) or <c>R</c> the
/// milliseconds since the parent was created (the parent is the previous checkpoint, whose id that
/// rebuilds), <c>S</c> source, <c>I</c> step, <c>M</c> metadata JSON, <c>W</c> writes JSON, <c>O</c>
/// the node whose output is this checkpoint's delta or <c>X</c> the node whose output is the next
/// checkpoint's delta (writes stored once, as that delta), <c>N</c> next nodes JSON, <c>K</c> tasks
/// JSON, <c>B</c> bookkeeping. The checkpoint id is not stored: it is rebuilt from the sequence and
/// the creation time it encodes.
/// </remarks>
internal sealed class CheckpointRow : ITableRow<CheckpointRow>
{
    public const string KindSnapshot = "S";
    public const string KindDelta = "D";

    public string PartitionKey { get; set; } = string.Empty;

    public string RowKey { get; set; } = string.Empty;

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    public string Id => Core.Checkpoints.CheckpointIds.Create(Seq, CreatedAt);

    public string? ParentId { get; set; }

    /// <summary>When the parent is the previous checkpoint: the milliseconds between their creation times.</summary>
    public long? ParentDeltaMs { get; set; }

    public long Seq { get; set; }

    public int Step { get; set; }

    public string Source { get; set; } = string.Empty;

    public string Metadata { get; set; } = "{}";

    public string? Writes { get; set; }

    public string? WritesNode { get; set; }

    /// <summary>The node whose output is the next checkpoint's delta, when the writes are exactly that.</summary>
    public string? WritesNextNode { get; set; }

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

    /// <summary>The open block (its first sequence, or 0 for none), its property count, and its size in bytes as sent.</summary>
    public long BlockSeq { get; set; }

    public int BlockProps { get; set; }

    public long BlockChars { get; set; }

    /// <summary>This row as the thread's head row (<see cref="CheckpointKeys.Head"/>) stores it.</summary>
    public CheckpointRow AsHead()
    {
        var head = (CheckpointRow)MemberwiseClone();
        head.RowKey = CheckpointKeys.Head(PartitionKey);
        head.ETag = default;
        return head;
    }

    /// <summary>Whether this row was read from the head row (its ETag is the head row's), not from the checkpoint's own row.</summary>
    public bool IsHeadRow => RowKey.StartsWith(CheckpointKeys.HeadPrefix);

    public static CheckpointRow ReadEntity(TableEntityReader reader)
    {
        var created = reader.GetDateTimeOffset("T") ?? default;
        var seq = reader.GetInt64("Q") ?? 0;
        var parentDelta = reader.GetInt64("R");
        var row = new CheckpointRow
        {
            Seq = seq,
            CreatedAt = created,
            ParentDeltaMs = parentDelta,
            ParentId = parentDelta is { } ms ? Core.Checkpoints.CheckpointIds.Create(seq - 1, created.AddMilliseconds(-ms)) : reader.GetString("P"),
            Source = reader.GetString("S") ?? "loop",
            Step = reader.GetInt32("I") ?? 0,
            Metadata = reader.GetLargeString("M") ?? "{}",
            Writes = reader.GetLargeString("W") is { Length: > 0 } writes ? writes : null,
            WritesNode = reader.GetString("O"),
            WritesNextNode = reader.GetString("X") is { Length: > 0 } nextNode ? nextNode : null,
            Next = reader.GetString("N") ?? "[]",
            Tasks = reader.GetLargeString("K") ?? "[]",
        };

        var bookkeeping = (reader.GetString("B") ?? KindDelta).Split(',');
        row.Kind = bookkeeping[0];
        if (bookkeeping.Length == 8)
        {
            row.SnapSeq = Long(bookkeeping[1]);
            row.SnapChars = Long(bookkeeping[2]);
            row.SinceSnapChars = Long(bookkeeping[3]);
            row.RowsSinceSnap = (int)Long(bookkeeping[4]);
            row.BlockSeq = Long(bookkeeping[5]);
            row.BlockProps = (int)Long(bookkeeping[6]);
            row.BlockChars = Long(bookkeeping[7]);
        }

        return row;
    }

    public void WriteProperties(TableEntityWriter writer)
    {
        writer.WriteInt64("Q", Seq);
        writer.WriteDateTimeOffset("T", CreatedAt);
        if (ParentDeltaMs is { } delta)
        {
            writer.WriteInt64("R", delta);
        }
        else
        {
            writer.WriteString("P", ParentId);
        }

        writer.WriteString("S", Source == "loop" ? null : Source);
        writer.WriteInt32("I", Step == 0 ? null : Step);
        writer.WriteLargeString("M", Metadata == "{}" ? null : Metadata);
        writer.WriteLargeString("W", Writes);
        writer.WriteString("O", WritesNode);
        writer.WriteString("N", Next == "[]" ? null : Next);
        writer.WriteLargeString("K", Tasks == "[]" ? null : Tasks);
        writer.WriteString("B", string.Join(',', Kind, Str(SnapSeq), Str(SnapChars), Str(SinceSnapChars), Str(RowsSinceSnap), Str(BlockSeq), Str(BlockProps), Str(BlockChars)));
    }

    private static long Long(string value) => long.Parse(value, CultureInfo.InvariantCulture);

    private static string Str(long value) => value.ToString(CultureInfo.InvariantCulture);
}
