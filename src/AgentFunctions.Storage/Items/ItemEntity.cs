using AgentFunctions.Core.Items;
using AgentFunctions.Storage.Owners;
using AgentFunctions.Storage.Stores;
using AgentFunctions.Storage.Tables;
using Azure;

namespace AgentFunctions.Storage.Items;

/// <summary>An item's row: PartitionKey = owner key, RowKey = namespace and key (<see cref="ItemKeys"/>); the value as a (large) string.</summary>
internal sealed class ItemEntity : ITableRow<ItemEntity>
{
    public const string ExpiresAtProperty = "ExpiresAt";

    public string PartitionKey { get; set; } = string.Empty;

    public string RowKey { get; set; } = string.Empty;

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    public string? Value { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset? ExpiresAt { get; set; }

    public double? TtlMinutes { get; set; }

    public static ItemEntity From(string ownerId, StoreItem item) => new()
    {
        PartitionKey = OwnerKey.ToPartitionKey(ownerId),
        RowKey = ItemKeys.RowKey(item.Namespace, item.Key),
        Value = StoredJson.Write(item.Value),
        CreatedAt = item.CreatedAt,
        UpdatedAt = item.UpdatedAt,
        ExpiresAt = item.ExpiresAt,
        TtlMinutes = item.TtlMinutes,
    };

    /// <exception cref="FormatException">The row does not hold a valid item.</exception>
    public StoreItem ToItem()
    {
        var (itemNamespace, key) = ItemKeys.Parse(RowKey);
        return new StoreItem
        {
            Namespace = itemNamespace,
            Key = key,
            Value = StoredJson.ReadObject(Value, "value"),
            CreatedAt = CreatedAt,
            UpdatedAt = UpdatedAt,
            ExpiresAt = ExpiresAt,
            TtlMinutes = TtlMinutes,
        };
    }

    public bool IsExpired(DateTimeOffset now) => ExpiresAt is { } expires && expires <= now;

    public void WriteProperties(TableEntityWriter writer)
    {
        writer.WriteLargeString(nameof(Value), Value);
        writer.WriteDateTimeOffset(nameof(CreatedAt), CreatedAt);
        writer.WriteDateTimeOffset(nameof(UpdatedAt), UpdatedAt);
        writer.WriteDateTimeOffset(ExpiresAtProperty, ExpiresAt);
        writer.WriteDouble(nameof(TtlMinutes), TtlMinutes);
    }

    public static ItemEntity ReadEntity(TableEntityReader reader) => new()
    {
        Value = reader.GetLargeString(nameof(Value)),
        CreatedAt = reader.GetDateTimeOffset(nameof(CreatedAt)) ?? default,
        UpdatedAt = reader.GetDateTimeOffset(nameof(UpdatedAt)) ?? default,
        ExpiresAt = reader.GetDateTimeOffset(ExpiresAtProperty),
        TtlMinutes = reader.GetDouble(nameof(TtlMinutes)),
    };
}
