using AgentFunctions.Core.Paging;
using AgentFunctions.Core.Stores;
using Azure;
using Azure.Data.Tables;

namespace AgentFunctions.Storage.Tables;

/// <summary>
/// The stores' rows on the SDK's <see cref="TableClient"/>: each row converted to and from the SDK's
/// <see cref="TableEntity"/> dictionary by its own code, queries mapped page by page (still lazy), and
/// what the SDK has no call for: deleting every entity a filter matches, and naming a transaction's table
/// for its storage span.
/// </summary>
internal static class TableRows
{
    private static readonly string[] KeysOnly = ["PartitionKey", "RowKey"];

    /// <summary>The row as the SDK's entity: its keys, ETag and the properties it writes.</summary>
    public static TableEntity ToEntity(this ITableRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        TableKeys.ValidateKey(row.PartitionKey, "PartitionKey");
        TableKeys.ValidateKey(row.RowKey, "RowKey");
        var entity = new TableEntity(row.PartitionKey, row.RowKey) { ETag = row.ETag };
        row.WriteProperties(new TableEntityWriter(entity));
        CheckSize(entity);
        return entity;
    }

    /// <summary>Refuses, before anything is sent, an entity the service would refuse for its size (a client's too-large value).</summary>
    /// <exception cref="ValueTooLargeException">The entity is over 1 MiB or has more than 252 properties.</exception>
    private static void CheckSize(TableEntity entity)
    {
        var properties = entity.Keys.Count(name => !TableLimits.IsSystemProperty(name));
        var bytes = TableLimits.EntityBytes(entity);
        if (bytes <= TableLimits.MaxEntityBytes && properties <= TableLimits.MaxEntityProperties)
        {
            return;
        }

        // A large string is split across properties named Name, Name_1, Name_2…: name the value, not its parts.
        var largest = entity
            .Where(p => !TableLimits.IsSystemProperty(p.Key))
            .GroupBy(p => ValueName(p.Key), StringComparer.Ordinal)
            .Select(g => (Name: g.Key, Bytes: g.Sum(p => TableLimits.PropertyBytes(p.Key, p.Value))))
            .MaxBy(v => v.Bytes);
        throw new ValueTooLargeException(
            $"The record is too large to store: {bytes:N0} bytes in {properties} properties, where a record holds at most "
            + $"{TableLimits.MaxEntityBytes:N0} bytes (1 MiB, strings counted as 2 bytes per character) in {TableLimits.MaxEntityProperties} properties. "
            + $"Its largest value, '{System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(largest.Name)}', takes {largest.Bytes:N0} bytes. Nothing was written.");
    }

    private static string ValueName(string property)
    {
        var underscore = property.LastIndexOf('_');
        return underscore > 0 && property.AsSpan(underscore + 1).IndexOfAnyExceptInRange('0', '9') < 0 ? property[..underscore] : property;
    }

    /// <summary>
    /// An action of an entity-group transaction on <paramref name="row"/>. A delete or update without an ETag
    /// applies to any version (<see cref="ETag.All"/>).
    /// </summary>
    public static TableTransactionAction Action(TableTransactionActionType type, ITableRow row, ETag etag = default)
        => Action(type, row.ToEntity(), etag);

    /// <inheritdoc cref="Action(TableTransactionActionType, ITableRow, ETag)"/>
    public static TableTransactionAction Action(TableTransactionActionType type, ITableEntity entity, ETag etag = default)
        => new(type, entity, etag == default && type is TableTransactionActionType.Delete or TableTransactionActionType.UpdateMerge or TableTransactionActionType.UpdateReplace ? ETag.All : etag);

    /// <summary>The row an entity the service returned holds.</summary>
    /// <exception cref="FormatException">A property has the wrong type.</exception>
    public static T ToRow<T>(this TableEntity entity)
        where T : ITableRow<T>
    {
        ArgumentNullException.ThrowIfNull(entity);
        var row = T.ReadEntity(new TableEntityReader(entity));
        row.PartitionKey = entity.PartitionKey;
        row.RowKey = entity.RowKey;
        row.Timestamp = entity.Timestamp;
        row.ETag = entity.ETag;
        return row;
    }

    /// <summary>One row, or null when there is none (a point read; not-found is a value).</summary>
    public static async Task<T?> GetRowIfExistsAsync<T>(
        this TableClient table, string partitionKey, string rowKey, IEnumerable<string>? select = null, CancellationToken cancellationToken = default)
        where T : class, ITableRow<T>
    {
        ArgumentNullException.ThrowIfNull(table);
        TableKeys.ValidateKey(partitionKey, nameof(partitionKey));
        TableKeys.ValidateKey(rowKey, nameof(rowKey));
        var response = await table.GetEntityIfExistsAsync<TableEntity>(partitionKey, rowKey, select, cancellationToken).ConfigureAwait(false);
        return response.HasValue ? response.Value!.ToRow<T>() : null;
    }

    /// <summary>
    /// The SDK's query, each page's entities read as rows. Nothing is sent until it is enumerated, each page is
    /// one request made when the consumer reaches it, and <c>AsPages(continuationToken, pageSizeHint)</c>
    /// resumes from an earlier page's token (a token not made by a query is an <see cref="ArgumentException"/>,
    /// before any request).
    /// </summary>
    public static AsyncPageable<T> QueryRowsAsync<T>(
        this TableClient table, string filter, int? maxPerPage = null, IEnumerable<string>? select = null, CancellationToken cancellationToken = default)
        where T : ITableRow<T>
    {
        ArgumentNullException.ThrowIfNull(table);
        return AsyncPageables.Create<T>(
            async (token, pageSizeHint, ct) =>
            {
                var page = await FirstPageAsync(table.QueryAsync<TableEntity>(filter, maxPerPage, select, ct), token, pageSizeHint).ConfigureAwait(false);
                var rows = new List<T>(page.Values.Count);
                foreach (var entity in page.Values)
                {
                    rows.Add(entity.ToRow<T>());
                }

                return Page<T>.FromValues(rows, page.ContinuationToken, page.GetRawResponse());
            },
            cancellationToken);
    }

    /// <summary>The first page of <paramref name="pageable"/> from <paramref name="continuationToken"/>: exactly one request.</summary>
    /// <exception cref="ArgumentException">The token was not made by a query.</exception>
    public static async Task<Page<T>> FirstPageAsync<T>(AsyncPageable<T> pageable, string? continuationToken, int? pageSizeHint)
        where T : notnull
    {
        ArgumentNullException.ThrowIfNull(pageable);
        ValidateContinuation(continuationToken);
        await foreach (var page in pageable.AsPages(continuationToken, pageSizeHint).ConfigureAwait(false))
        {
            return page;
        }

        throw new InvalidOperationException("A query returned no page.");
    }

    /// <summary>
    /// Submits an entity-group transaction (<see cref="TableClient.SubmitTransactionAsync"/>), naming the table for
    /// its storage span: a transaction request's URI does not name it.
    /// </summary>
    public static async Task<Response<IReadOnlyList<Response>>> SubmitNamedTransactionAsync(
        this TableClient table, IEnumerable<TableTransactionAction> actions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        using var name = StorageTracingPolicy.NameResource(table.Name);
        return await table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Deletes every entity <paramref name="filter"/> matches, a page of keys at a time (so memory stays bounded
    /// however many there are), in transactions of up to 100 per partition. Returns how many it deleted.
    /// Not atomic as a whole: run it again to finish after a failure.
    /// </summary>
    public static async Task<int> DeleteEntitiesAsync(this TableClient table, string filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentException.ThrowIfNullOrEmpty(filter);
        var deleted = 0;
        while (true)
        {
            var page = await FirstPageAsync(table.QueryAsync<TableEntity>(filter, TableLimits.MaxPageSize, KeysOnly, cancellationToken), null, null).ConfigureAwait(false);
            if (page.Values.Count == 0)
            {
                return deleted;
            }

            foreach (var partition in page.Values.GroupBy(k => k.PartitionKey, StringComparer.Ordinal))
            {
                foreach (var chunk in partition.Chunk(TableLimits.MaxTransactionActions))
                {
                    await table.SubmitNamedTransactionAsync(
                        chunk.Select(key => Action(TableTransactionActionType.Delete, new TableEntity(key.PartitionKey, key.RowKey))),
                        cancellationToken).ConfigureAwait(false);
                }
            }

            deleted += page.Values.Count;
        }
    }

    /// <summary>
    /// A query's continuation token as the SDK makes it: the service's next partition key and next row key,
    /// separated by one space (the row key may be empty).
    /// </summary>
    private static void ValidateContinuation(string? token)
    {
        if (token is null)
        {
            return;
        }

        var space = token.IndexOf(' ', StringComparison.Ordinal);
        if (space < 1 || token.IndexOf(' ', space + 1) >= 0 || token.Any(char.IsControl))
        {
            throw new ArgumentException("The continuation token is not valid.", nameof(token));
        }
    }
}
