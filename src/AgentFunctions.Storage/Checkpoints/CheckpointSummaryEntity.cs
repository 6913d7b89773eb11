using System.Runtime.Serialization;
using Azure;
using Azure.Data.Tables;

namespace AgentFunctions.Storage.Checkpoints;

/// <summary>
/// The columns of a <c>c</c> row (<see cref="CheckpointRow"/>) that a checkpoint's summary needs, read by the SDK's
/// typed query with <see cref="Columns"/> as its <c>$select</c>: metadata-only history paging, without the
/// bookkeeping and without turning every row into a <see cref="TableEntity"/> first.
/// </summary>
/// <remarks>
/// A value split across properties (<c>M</c>, <c>M_1</c>, ... by <see cref="Tables.LargeStrings"/>) does not fit a
/// typed entity: the first part of each large column is selected, and a row that has one (<see cref="IsSplit"/>) is
/// read again whole, by a point read, as a <see cref="CheckpointRow"/>.
/// </remarks>
internal sealed class CheckpointSummaryEntity : ITableEntity
{
    /// <summary>The <c>$select</c>: every column of a summary, and the second part of each column that may be split.</summary>
    public static readonly IReadOnlyList<string> Columns = ["Q", "T", "R", "P", "S", "I", "M", "W", "O", "X", "N", "K", "M_1", "W_1", "K_1"];

    public string PartitionKey { get; set; } = string.Empty;

    public string RowKey { get; set; } = string.Empty;

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    [DataMember(Name = "Q")]
    public long? Sequence { get; set; }

    [DataMember(Name = "T")]
    public DateTimeOffset? Created { get; set; }

    [DataMember(Name = "R")]
    public long? ParentDeltaMs { get; set; }

    [DataMember(Name = "P")]
    public string? ParentId { get; set; }

    [DataMember(Name = "S")]
    public string? Source { get; set; }

    [DataMember(Name = "I")]
    public int? Step { get; set; }

    [DataMember(Name = "M")]
    public string? Metadata { get; set; }

    [DataMember(Name = "W")]
    public string? Writes { get; set; }

    [DataMember(Name = "O")]
    public string? WritesNode { get; set; }

    [DataMember(Name = "X")]
    public string? WritesNextNode { get; set; }

    [DataMember(Name = "N")]
    public string? Next { get; set; }

    [DataMember(Name = "K")]
    public string? Tasks { get; set; }

    [DataMember(Name = "M_1")]
    public string? MetadataPart1 { get; set; }

    [DataMember(Name = "W_1")]
    public string? WritesPart1 { get; set; }

    [DataMember(Name = "K_1")]
    public string? TasksPart1 { get; set; }

    /// <summary>Whether a column continues in more properties: then the row must be read whole.</summary>
    public bool IsSplit => MetadataPart1 is not null || WritesPart1 is not null || TasksPart1 is not null;

    /// <summary>The row's summary columns as <see cref="CheckpointRow.ReadEntity"/> reads them (the bookkeeping is not read).</summary>
    public CheckpointRow ToRow()
    {
        var seq = Sequence ?? 0;
        var created = Created ?? default;
        // The keys are not selected; the row needs neither for a summary.
        return new CheckpointRow
        {
            Seq = seq,
            CreatedAt = created,
            ParentDeltaMs = ParentDeltaMs,
            ParentId = ParentDeltaMs is { } ms ? Core.Checkpoints.CheckpointIds.Create(seq - 1, created.AddMilliseconds(-ms)) : ParentId,
            Source = Source ?? "loop",
            Step = Step ?? 0,
            Metadata = Metadata ?? "{}",
            Writes = Writes is { Length: > 0 } ? Writes : null,
            WritesNode = WritesNode,
            WritesNextNode = WritesNextNode is { Length: > 0 } ? WritesNextNode : null,
            Next = Next ?? "[]",
            Tasks = Tasks ?? "[]",
        };
    }
}
