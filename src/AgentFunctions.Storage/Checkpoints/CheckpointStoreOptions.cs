namespace AgentFunctions.Storage.Checkpoints;

/// <summary>How the checkpoint store trades storage for read cost.</summary>
public sealed class CheckpointStoreOptions
{
    public const string SectionName = "Checkpoints";

    /// <summary>The checkpoints table.</summary>
    public string TableName { get; set; } = "checkpoints";

    /// <summary>
    /// A full snapshot is written once the deltas since the last one reach (factor - 1) times its size:
    /// snapshots then add at most factor / (factor - 1) times the state's size to storage, in all.
    /// </summary>
    public int SnapshotGrowthFactor { get; set; } = 8;

    /// <summary>Deltas smaller than this, in characters, never trigger a snapshot on their own.</summary>
    public long MinSnapshotChars { get; set; } = 16_000;

    /// <summary>
    /// The most <c>s</c> rows between two snapshots, so that materialising any checkpoint reads at
    /// most one page (1,000 rows) of them.
    /// </summary>
    public int MaxRowsBetweenSnapshots { get; set; } = 500;

    /// <summary>The largest step, in UTF-8 bytes of its delta and description.</summary>
    public long MaxStepBytes { get; set; } = 4 * 1024 * 1024;
}
