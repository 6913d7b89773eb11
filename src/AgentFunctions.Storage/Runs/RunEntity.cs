using AgentFunctions.Core.Runs;
using AgentFunctions.Storage.Stores;
using AgentFunctions.Storage.Tables;
using Azure;

namespace AgentFunctions.Storage.Runs;

/// <summary>A run's row: PartitionKey = owner key + "|" + thread id, RowKey = the run id's key (<see cref="RunKeys"/>).</summary>
internal sealed class RunEntity : ITableRow<RunEntity>
{
    public const string StatusProperty = "Status";

    public string PartitionKey { get; set; } = string.Empty;

    public string RowKey { get; set; } = string.Empty;

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    public string OwnerId { get; set; } = string.Empty;

    public string ThreadId { get; set; } = string.Empty;

    public string AssistantId { get; set; } = string.Empty;

    public string Status { get; set; } = string.Empty;

    public string MultitaskStrategy { get; set; } = string.Empty;

    public string? Kwargs { get; set; }

    public string? Metadata { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public string? Error { get; set; }

    public string? CancelRequested { get; set; }

    public string? LeaseOwner { get; set; }

    public DateTimeOffset? LeaseExpiresAt { get; set; }

    public int Attempt { get; set; }

    public bool InRequest { get; set; }

    /// <summary>The row of <paramref name="run"/>, whose ids the caller has checked.</summary>
    public static RunEntity From(AgentRun run, string partition, string rowKey) => new()
    {
        PartitionKey = partition,
        RowKey = rowKey,
        OwnerId = run.OwnerId,
        ThreadId = run.ThreadId,
        AssistantId = run.AssistantId,
        Status = RunNames.Of(run.Status),
        MultitaskStrategy = RunNames.Of(run.MultitaskStrategy),
        Kwargs = StoredJson.Write(run.Kwargs),
        Metadata = StoredJson.Write(run.Metadata),
        CreatedAt = run.CreatedAt,
        UpdatedAt = run.UpdatedAt,
        Error = run.Error,
        CancelRequested = run.CancelRequested is { } action ? RunNames.Of(action) : null,
        LeaseOwner = run.LeaseOwner,
        LeaseExpiresAt = run.LeaseExpiresAt,
        Attempt = run.Attempt,
        InRequest = run.InRequest,
    };

    /// <exception cref="FormatException">The row does not hold a valid run.</exception>
    public AgentRun ToRun() => new()
    {
        RunId = RunKeys.RunIdOf(RowKey),
        OwnerId = OwnerId,
        ThreadId = ThreadId,
        AssistantId = AssistantId,
        Status = RunNames.ParseStatus(Status),
        MultitaskStrategy = RunNames.ParseStrategy(MultitaskStrategy),
        Kwargs = StoredJson.ReadObject(Kwargs, nameof(Kwargs)),
        Metadata = StoredJson.ReadObject(Metadata, nameof(Metadata)),
        CreatedAt = CreatedAt,
        UpdatedAt = UpdatedAt,
        Error = Error,
        CancelRequested = RunNames.ParseCancelAction(CancelRequested),
        LeaseOwner = LeaseOwner,
        LeaseExpiresAt = LeaseExpiresAt,
        Attempt = Attempt,
        InRequest = InRequest,
        ETag = ETag,
    };

    public void WriteProperties(TableEntityWriter writer)
    {
        writer.WriteString(nameof(OwnerId), OwnerId);
        writer.WriteString(nameof(ThreadId), ThreadId);
        writer.WriteString(nameof(AssistantId), AssistantId);
        writer.WriteString(StatusProperty, Status);
        writer.WriteString(nameof(MultitaskStrategy), MultitaskStrategy);
        writer.WriteLargeString(nameof(Kwargs), Kwargs);
        writer.WriteLargeString(nameof(Metadata), Metadata);
        writer.WriteDateTimeOffset(nameof(CreatedAt), CreatedAt);
        writer.WriteDateTimeOffset(nameof(UpdatedAt), UpdatedAt);
        writer.WriteLargeString(nameof(Error), Error);
        writer.WriteString(nameof(CancelRequested), CancelRequested);
        writer.WriteString(nameof(LeaseOwner), LeaseOwner);
        writer.WriteDateTimeOffset(nameof(LeaseExpiresAt), LeaseExpiresAt);
        writer.WriteInt32(nameof(Attempt), Attempt);
        writer.WriteBoolean(nameof(InRequest), InRequest);
    }

    public static RunEntity ReadEntity(TableEntityReader reader) => new()
    {
        OwnerId = reader.GetString(nameof(OwnerId)) ?? string.Empty,
        ThreadId = reader.GetString(nameof(ThreadId)) ?? string.Empty,
        AssistantId = reader.GetString(nameof(AssistantId)) ?? string.Empty,
        Status = reader.GetString(StatusProperty) ?? string.Empty,
        MultitaskStrategy = reader.GetString(nameof(MultitaskStrategy)) ?? string.Empty,
        Kwargs = reader.GetLargeString(nameof(Kwargs)),
        Metadata = reader.GetLargeString(nameof(Metadata)),
        CreatedAt = reader.GetDateTimeOffset(nameof(CreatedAt)) ?? default,
        UpdatedAt = reader.GetDateTimeOffset(nameof(UpdatedAt)) ?? default,
        Error = reader.GetLargeString(nameof(Error)),
        CancelRequested = reader.GetString(nameof(CancelRequested)),
        LeaseOwner = reader.GetString(nameof(LeaseOwner)),
        LeaseExpiresAt = reader.GetDateTimeOffset(nameof(LeaseExpiresAt)),
        Attempt = reader.GetInt32(nameof(Attempt)) ?? 0,
        InRequest = reader.GetBoolean(nameof(InRequest)) ?? false,
    };
}
