using AgentFunctions.Storage.Tables;
using Azure;

namespace AgentFunctions.Storage.Runs;

/// <summary>
/// A thread's queue row (RowKey <see cref="RunKeys.Queue"/>, or <see cref="RunKeys.LegacyQueue"/>): the ids of its active runs in the order
/// they run, the first one running or next. Every change of a run between active and ended changes this
/// row in the same entity-group transaction, under its ETag, so the queue names exactly the thread's
/// active runs. <see cref="LastCreatedAt"/> is the creation time of the run queued last: a new run is
/// never created before it, so creation times follow the queue's order whatever the writers' clocks say.
/// </summary>
internal sealed class RunQueueEntity : ITableRow<RunQueueEntity>
{
    private const char Separator = ',';

    public string PartitionKey { get; set; } = string.Empty;

    public string RowKey { get; set; } = string.Empty;

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    /// <summary>The run ids, first to last.</summary>
    public List<string> Runs { get; set; } = [];

    public DateTimeOffset? LastCreatedAt { get; set; }

    public void WriteProperties(TableEntityWriter writer)
    {
        writer.WriteString(nameof(Runs), string.Join(Separator, Runs));
        writer.WriteDateTimeOffset(nameof(LastCreatedAt), LastCreatedAt);
    }

    public static RunQueueEntity ReadEntity(TableEntityReader reader) => new()
    {
        Runs = [.. (reader.GetString(nameof(Runs)) ?? string.Empty).Split(Separator, StringSplitOptions.RemoveEmptyEntries)],
        LastCreatedAt = reader.GetDateTimeOffset(nameof(LastCreatedAt)),
    };
}
