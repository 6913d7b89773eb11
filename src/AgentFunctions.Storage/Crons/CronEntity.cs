using AgentFunctions.Core.Crons;
using AgentFunctions.Core.Stores;
using AgentFunctions.Storage.Owners;
using AgentFunctions.Storage.Stores;
using AgentFunctions.Storage.Tables;
using Azure;

namespace AgentFunctions.Storage.Crons;

/// <summary>A cron's row: PartitionKey = owner key, RowKey = cron id.</summary>
internal sealed class CronEntity : ITableRow<CronEntity>
{
    public const string NextRunAtProperty = "NextRunAt";

    /// <summary>The next firing of a cron that fires no more.</summary>
    public static readonly DateTimeOffset Never = new(9999, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public string PartitionKey { get; set; } = string.Empty;

    public string RowKey { get; set; } = string.Empty;

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    public CronJob Cron { get; set; } = null!;

    public static CronEntity From(CronJob cron) => new()
    {
        PartitionKey = OwnerKey.ToPartitionKey(cron.OwnerId),
        RowKey = ResourceIds.Validate(cron.CronId, "cron"),
        Cron = cron,
    };

    public CronJob ToCron() => Cron with { CronId = RowKey, ETag = ETag };

    public void WriteProperties(TableEntityWriter writer)
    {
        writer.WriteString(nameof(CronJob.OwnerId), Cron.OwnerId);
        writer.WriteString(nameof(CronJob.AssistantId), Cron.AssistantId);
        writer.WriteString(nameof(CronJob.ThreadId), Cron.ThreadId);
        writer.WriteString(nameof(CronJob.Schedule), Cron.Schedule);
        writer.WriteString(nameof(CronJob.Timezone), Cron.Timezone);
        writer.WriteLargeString(nameof(CronJob.Payload), StoredJson.Write(Cron.Payload));
        writer.WriteLargeString(nameof(CronJob.Metadata), StoredJson.Write(Cron.Metadata));
        writer.WriteDateTimeOffset(nameof(CronJob.EndTime), Cron.EndTime);
        writer.WriteDateTimeOffset(NextRunAtProperty, Cron.NextRunAt ?? Never);
        writer.WriteBoolean(nameof(CronJob.Enabled), Cron.Enabled);
        writer.WriteString(nameof(CronJob.OnRunCompleted), Cron.OnRunCompleted);
        writer.WriteDateTimeOffset(nameof(CronJob.CreatedAt), Cron.CreatedAt);
        writer.WriteDateTimeOffset(nameof(CronJob.UpdatedAt), Cron.UpdatedAt);
    }

    public static CronEntity ReadEntity(TableEntityReader reader) => new()
    {
        Cron = new CronJob
        {
            CronId = string.Empty,
            OwnerId = reader.GetString(nameof(CronJob.OwnerId)) ?? string.Empty,
            AssistantId = reader.GetString(nameof(CronJob.AssistantId)) ?? string.Empty,
            ThreadId = reader.GetString(nameof(CronJob.ThreadId)),
            Schedule = reader.GetString(nameof(CronJob.Schedule)) ?? string.Empty,
            Timezone = reader.GetString(nameof(CronJob.Timezone)),
            Payload = StoredJson.ReadObject(reader.GetLargeString(nameof(CronJob.Payload)), "payload"),
            Metadata = StoredJson.ReadObject(reader.GetLargeString(nameof(CronJob.Metadata)), "metadata"),
            EndTime = reader.GetDateTimeOffset(nameof(CronJob.EndTime)),
            NextRunAt = reader.GetDateTimeOffset(NextRunAtProperty) is { } next && next < Never ? next : null,
            Enabled = reader.GetBoolean(nameof(CronJob.Enabled)) ?? true,
            OnRunCompleted = reader.GetString(nameof(CronJob.OnRunCompleted)) ?? "delete",
            CreatedAt = reader.GetDateTimeOffset(nameof(CronJob.CreatedAt)) ?? default,
            UpdatedAt = reader.GetDateTimeOffset(nameof(CronJob.UpdatedAt)) ?? default,
        },
    };
}
