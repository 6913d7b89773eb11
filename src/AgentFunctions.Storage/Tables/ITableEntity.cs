using Azure;

namespace AgentFunctions.Storage.Tables;

/// <summary>An entity of a table: its keys, the service's timestamp and ETag, and how its properties are written.</summary>
public interface ITableEntity
{
    /// <summary>The partition key.</summary>
    string PartitionKey { get; set; }

    /// <summary>The row key, unique within the partition.</summary>
    string RowKey { get; set; }

    /// <summary>When the service last changed the entity (set on reads; ignored on writes).</summary>
    DateTimeOffset? Timestamp { get; set; }

    /// <summary>The entity's ETag (set on reads; pass it to updates and deletes for optimistic concurrency).</summary>
    ETag ETag { get; set; }

    /// <summary>Writes the entity's own properties (not its keys, timestamp or ETag).</summary>
    void WriteProperties(TableEntityWriter writer);
}

/// <summary>An entity type that can also be read back, property by property, without reflection.</summary>
/// <typeparam name="TSelf">The entity type itself.</typeparam>
public interface ITableEntity<TSelf> : ITableEntity
    where TSelf : ITableEntity<TSelf>
{
    /// <summary>
    /// Creates an entity from the properties the service returned. The client sets
    /// <see cref="ITableEntity.PartitionKey"/>, <see cref="ITableEntity.RowKey"/>,
    /// <see cref="ITableEntity.Timestamp"/> and <see cref="ITableEntity.ETag"/> afterwards.
    /// </summary>
    static abstract TSelf ReadEntity(TableEntityReader reader);
}
