using AgentFunctions.Core.Stores;
using AgentFunctions.Core.Threads;
using AgentFunctions.Storage.Owners;
using AgentFunctions.Storage.Stores;
using AgentFunctions.Storage.Tables;
using Azure;

namespace AgentFunctions.Storage.Threads;

/// <summary>A thread's row: PartitionKey = owner key, RowKey = thread id; JSON objects as (large) strings.</summary>
internal sealed class ThreadEntity : ITableRow<ThreadEntity>
{
    public const string StatusProperty = "Status";

    public string PartitionKey { get; set; } = string.Empty;

    public string RowKey { get; set; } = string.Empty;

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    public string OwnerId { get; set; } = string.Empty;

    public string Status { get; set; } = ThreadStatusNames.Idle;

    public string? Metadata { get; set; }

    public string? Config { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset? ExpiresAt { get; set; }

    /// <summary>The row of <paramref name="thread"/>; its owner and id are checked here, before they become keys.</summary>
    /// <exception cref="ArgumentException">The owner or thread id is not valid.</exception>
    public static ThreadEntity From(AgentThread thread) => new()
    {
        PartitionKey = OwnerKey.ToPartitionKey(thread.OwnerId),
        RowKey = ResourceIds.Validate(thread.ThreadId, "thread"),
        OwnerId = thread.OwnerId,
        Status = thread.Status.ToWireName(),
        Metadata = StoredJson.Write(thread.Metadata),
        Config = StoredJson.Write(thread.Config),
        CreatedAt = thread.CreatedAt,
        UpdatedAt = thread.UpdatedAt,
        ExpiresAt = thread.ExpiresAt,
    };

    /// <exception cref="FormatException">The row does not hold a valid thread.</exception>
    public AgentThread ToThread() => new()
    {
        ThreadId = RowKey,
        OwnerId = OwnerId,
        Status = ThreadStatusNames.TryParse(Status, out var status) ? status : throw new FormatException($"'{Status}' is not a thread status."),
        Metadata = StoredJson.ReadObject(Metadata, nameof(Metadata)),
        Config = StoredJson.ReadObject(Config, nameof(Config)),
        CreatedAt = CreatedAt,
        UpdatedAt = UpdatedAt,
        ExpiresAt = ExpiresAt,
        ETag = ETag,
    };

    public void WriteProperties(TableEntityWriter writer)
    {
        writer.WriteString(nameof(OwnerId), OwnerId);
        writer.WriteString(StatusProperty, Status);
        writer.WriteLargeString(nameof(Metadata), Metadata);
        writer.WriteLargeString(nameof(Config), Config);
        writer.WriteDateTimeOffset(nameof(CreatedAt), CreatedAt);
        writer.WriteDateTimeOffset(nameof(UpdatedAt), UpdatedAt);
        writer.WriteDateTimeOffset(nameof(ExpiresAt), ExpiresAt);
    }

    public static ThreadEntity ReadEntity(TableEntityReader reader) => new()
    {
        OwnerId = reader.GetString(nameof(OwnerId)) ?? string.Empty,
        Status = reader.GetString(StatusProperty) ?? ThreadStatusNames.Idle,
        Metadata = reader.GetLargeString(nameof(Metadata)),
        Config = reader.GetLargeString(nameof(Config)),
        CreatedAt = reader.GetDateTimeOffset(nameof(CreatedAt)) ?? default,
        UpdatedAt = reader.GetDateTimeOffset(nameof(UpdatedAt)) ?? default,
        ExpiresAt = reader.GetDateTimeOffset(nameof(ExpiresAt)),
    };
}
