using Azure;

namespace AgentFunctions.Storage.Tables;

/// <summary>
/// A row type of the stores: its keys, the service's timestamp and ETag, and how it writes its own properties
/// (no reflection). It is sent as the SDK's <see cref="Azure.Data.Tables.TableEntity"/> (<see cref="TableRows.ToEntity"/>),
/// which is also how a property split over <c>Name</c>, <c>Name_1</c>… (<see cref="LargeStrings"/>) is written.
/// Deliberately not an <see cref="Azure.Data.Tables.ITableEntity"/>: the SDK would write it by reflection.
/// </summary>
internal interface ITableRow
{
    /// <summary>The partition key.</summary>
    string PartitionKey { get; set; }

    /// <summary>The row key, unique within the partition.</summary>
    string RowKey { get; set; }

    /// <summary>When the service last changed the entity (set on reads; ignored on writes).</summary>
    DateTimeOffset? Timestamp { get; set; }

    /// <summary>The entity's ETag (set on reads; pass it to updates and deletes for optimistic concurrency).</summary>
    ETag ETag { get; set; }

    /// <summary>Writes the row's own properties (not its keys, timestamp or ETag).</summary>
    void WriteProperties(TableEntityWriter writer);
}

/// <summary>A row type that can also be read back, property by property, without reflection.</summary>
/// <typeparam name="TSelf">The row type itself.</typeparam>
internal interface ITableRow<TSelf> : ITableRow
    where TSelf : ITableRow<TSelf>
{
    /// <summary>
    /// Creates a row from the properties the service returned. <see cref="TableRows.ToRow{T}"/> sets
    /// <see cref="ITableRow.PartitionKey"/>, <see cref="ITableRow.RowKey"/>, <see cref="ITableRow.Timestamp"/>
    /// and <see cref="ITableRow.ETag"/> afterwards.
    /// </summary>
    static abstract TSelf ReadEntity(TableEntityReader reader);
}
