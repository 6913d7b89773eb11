using AgentFunctions.Core.Assistants;
using AgentFunctions.Core.Stores;
using AgentFunctions.Storage.Owners;
using AgentFunctions.Storage.Stores;
using AgentFunctions.Storage.Tables;
using Azure;

namespace AgentFunctions.Storage.Assistants;

/// <summary>An assistant's row: PartitionKey = owner key, RowKey = assistant id; texts and JSON objects as (large) strings.</summary>
internal sealed class AssistantEntity : ITableRow<AssistantEntity>
{
    public const string GraphIdProperty = "GraphId";

    public string PartitionKey { get; set; } = string.Empty;

    public string RowKey { get; set; } = string.Empty;

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    public string OwnerId { get; set; } = string.Empty;

    public string GraphId { get; set; } = string.Empty;

    public string Name { get; set; } = string.Empty;

    public string? Description { get; set; }

    public string? Config { get; set; }

    public string? Context { get; set; }

    public string? Metadata { get; set; }

    public int Version { get; set; } = 1;

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>The row of <paramref name="assistant"/>; its owner, id and graph id are checked here, before they are stored.</summary>
    /// <exception cref="ArgumentException">The owner, assistant id or graph id is not valid, or the name is null.</exception>
    public static AssistantEntity From(Assistant assistant) => new()
    {
        PartitionKey = OwnerKey.ToPartitionKey(assistant.OwnerId),
        RowKey = ResourceIds.Validate(assistant.AssistantId, "assistant"),
        OwnerId = assistant.OwnerId,
        GraphId = ResourceIds.Validate(assistant.GraphId, "graph"),
        Name = assistant.Name ?? throw new ArgumentException("An assistant needs a name.", nameof(assistant)),
        Description = assistant.Description,
        Config = StoredJson.Write(assistant.Config),
        Context = StoredJson.Write(assistant.Context),
        Metadata = StoredJson.Write(assistant.Metadata),
        Version = assistant.Version,
        CreatedAt = assistant.CreatedAt,
        UpdatedAt = assistant.UpdatedAt,
    };

    /// <exception cref="FormatException">The row does not hold a valid assistant.</exception>
    public Assistant ToAssistant() => new()
    {
        AssistantId = RowKey,
        OwnerId = OwnerId,
        GraphId = GraphId,
        Name = Name,
        Description = Description,
        Config = StoredJson.ReadObject(Config, nameof(Config)),
        Context = StoredJson.ReadObject(Context, nameof(Context)),
        Metadata = StoredJson.ReadObject(Metadata, nameof(Metadata)),
        Version = Version,
        CreatedAt = CreatedAt,
        UpdatedAt = UpdatedAt,
        ETag = ETag,
    };

    public void WriteProperties(TableEntityWriter writer)
    {
        writer.WriteString(nameof(OwnerId), OwnerId);
        writer.WriteString(GraphIdProperty, GraphId);
        writer.WriteLargeString(nameof(Name), Name);
        writer.WriteLargeString(nameof(Description), Description);
        writer.WriteLargeString(nameof(Config), Config);
        writer.WriteLargeString(nameof(Context), Context);
        writer.WriteLargeString(nameof(Metadata), Metadata);
        writer.WriteInt32(nameof(Version), Version);
        writer.WriteDateTimeOffset(nameof(CreatedAt), CreatedAt);
        writer.WriteDateTimeOffset(nameof(UpdatedAt), UpdatedAt);
    }

    public static AssistantEntity ReadEntity(TableEntityReader reader) => new()
    {
        OwnerId = reader.GetString(nameof(OwnerId)) ?? string.Empty,
        GraphId = reader.GetString(GraphIdProperty) ?? string.Empty,
        Name = reader.GetLargeString(nameof(Name)) ?? string.Empty,
        Description = reader.GetLargeString(nameof(Description)),
        Config = reader.GetLargeString(nameof(Config)),
        Context = reader.GetLargeString(nameof(Context)),
        Metadata = reader.GetLargeString(nameof(Metadata)),
        Version = reader.GetInt32(nameof(Version)) ?? 1,
        CreatedAt = reader.GetDateTimeOffset(nameof(CreatedAt)) ?? default,
        UpdatedAt = reader.GetDateTimeOffset(nameof(UpdatedAt)) ?? default,
    };
}
