using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using AgentFunctions.Core.Paging;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace AgentFunctions.Storage.Tables;

/// <summary>
/// One table of the Table service: create and delete it, write, read, query and delete its
/// entities, and submit entity-group transactions. Keys and names are validated before any
/// request is sent; failures are <see cref="RequestFailedException"/>s with the service's status and error code.
/// </summary>
public class TableClient
{
    /// <summary>The most entities the service returns in one page.</summary>
    public const int MaxPageSize = 1000;

    /// <summary>The most operations in one entity-group transaction.</summary>
    public const int MaxTransactionActions = 100;

    private const string AcceptJson = "application/json;odata=minimalmetadata";
    // The default encoder: every non-ASCII character goes as a \uXXXX escape, so the body is ASCII.
    // Azurite corrupts a multi-byte UTF-8 character that a network read splits; ASCII cannot be split.
    internal static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    /// <summary>
    /// The bytes a string property takes in a request body as this client writes it (the default JSON
    /// encoder): printable ASCII as itself, a backslash as two, and quotes, HTML-sensitive, control and
    /// non-ASCII characters as a six-byte <c>\uXXXX</c>. For keeping transactions under the service's 4 MiB.
    /// </summary>
    public static long RequestBytes(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        long bytes = 0;
        foreach (var c in text)
        {
            bytes += RequestBytes(c);
        }

        return bytes;
    }

    /// <summary>The bytes one character of a string property takes in a request body (see <see cref="RequestBytes(string)"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int RequestBytes(char c)
        => c == '\\' ? 2
            : c is < ' ' or > '~' or '"' or '<' or '>' or '&' or '\'' or '+' or '`' ? 6
            : 1;

    private readonly HttpPipeline _pipeline = null!;
    private readonly Uri _endpoint = null!;
    private readonly string _basePath = null!;

    /// <summary>For mocking.</summary>
    protected TableClient()
    {
    }

    /// <summary>A client for one table of the account a connection string names.</summary>
    public TableClient(string connectionString, string tableName, TableClientOptions? options = null)
        : this(new TableServiceClient(connectionString, options), tableName)
    {
    }

    private TableClient(TableServiceClient service, string tableName)
        : this(ExtractPipeline(service, tableName, out var endpoint), endpoint, tableName)
    {
    }

    internal TableClient(HttpPipeline pipeline, Uri endpoint, string tableName)
    {
        TableKeys.ValidateTableName(tableName);
        _pipeline = pipeline;
        _endpoint = endpoint;
        _basePath = endpoint.AbsolutePath.TrimEnd('/');
        Name = tableName;
    }

    /// <summary>The table's name.</summary>
    public virtual string Name { get; } = null!;

    /// <summary>Creates the table unless it exists.</summary>
    public virtual async Task<Response> CreateIfNotExistsAsync(CancellationToken cancellationToken = default)
    {
        using var message = CreateMessage(RequestMethod.Post, "/Tables");
        message.Request.Headers.SetValue("Prefer", "return-no-content");
        SetJsonContent(message.Request, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("TableName", Name);
            writer.WriteEndObject();
        });
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        return response.Status is 201 or 204 or 409 ? response : throw new RequestFailedException(response);
    }

    /// <summary>Deletes the table and everything in it; a table that does not exist is not an error.</summary>
    public virtual async Task<Response> DeleteAsync(CancellationToken cancellationToken = default)
    {
        using var message = CreateMessage(RequestMethod.Delete, $"/Tables('{Uri.EscapeDataString(Name)}')");
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        return response.Status is 204 or 404 ? response : throw new RequestFailedException(response);
    }

    /// <summary>Inserts an entity; an entity with the same keys is a 409 (EntityAlreadyExists). The response's ETag is the new entity's.</summary>
    public virtual async Task<Response> AddEntityAsync<T>(T entity, CancellationToken cancellationToken = default)
        where T : ITableEntity
    {
        ValidateEntity(entity);
        using var message = CreateMessage(RequestMethod.Post, "/" + Name);
        message.Request.Headers.SetValue("Prefer", "return-no-content");
        SetJsonContent(message.Request, writer => WriteEntity(writer, entity));
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        return response.Status is 201 or 204 ? response : throw new RequestFailedException(response);
    }

    /// <summary>Inserts the entity or, when it exists, merges into or replaces it.</summary>
    public virtual Task<Response> UpsertEntityAsync<T>(T entity, TableUpdateMode mode = TableUpdateMode.Merge, CancellationToken cancellationToken = default)
        where T : ITableEntity
        => WriteEntityAsync(entity, mode, ifMatch: null, cancellationToken);

    /// <summary>
    /// Updates an existing entity only when its ETag still is <paramref name="ifMatch"/>
    /// (<see cref="ETag.All"/> for any): a stale ETag is a 412 (UpdateConditionNotSatisfied), an absent entity a 404.
    /// </summary>
    public virtual Task<Response> UpdateEntityAsync<T>(T entity, ETag ifMatch, TableUpdateMode mode = TableUpdateMode.Merge, CancellationToken cancellationToken = default)
        where T : ITableEntity
        => WriteEntityAsync(entity, mode, ifMatch.Equals(default(ETag)) ? ETag.All : ifMatch, cancellationToken);

    /// <summary>
    /// Deletes an entity, only when its ETag still is <paramref name="ifMatch"/> (default: any).
    /// An entity that does not exist is not an error; a stale ETag is a 412.
    /// </summary>
    public virtual async Task<Response> DeleteEntityAsync(string partitionKey, string rowKey, ETag ifMatch = default, CancellationToken cancellationToken = default)
    {
        using var message = CreateMessage(RequestMethod.Delete, EntityPath(partitionKey, rowKey));
        message.Request.Headers.SetValue("If-Match", (ifMatch.Equals(default(ETag)) ? ETag.All : ifMatch).ToString());
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        return response.Status is 204 or 404 ? response : throw new RequestFailedException(response);
    }

    /// <summary>Reads one entity; absent is a response without a value, not an exception.</summary>
    public virtual async Task<NullableResponse<T>> GetEntityIfExistsAsync<T>(
        string partitionKey, string rowKey, IEnumerable<string>? selectProperties = null, CancellationToken cancellationToken = default)
        where T : ITableEntity<T>
    {
        using var message = CreateMessage(RequestMethod.Get, EntityPath(partitionKey, rowKey));
        AppendSelect(message.Request, selectProperties);
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (response.Status == 404)
        {
            return new StorageNullableResponse<T>(response, default);
        }

        if (response.Status != 200)
        {
            throw new RequestFailedException(response);
        }

        using var document = JsonDocument.Parse(response.Content.ToMemory());
        var entity = Read<T>(document.RootElement);
        if (entity.ETag.Equals(default(ETag)) && response.Headers.ETag is { } etag)
        {
            entity.ETag = etag;
        }

        return new StorageNullableResponse<T>(response, entity);
    }

    /// <summary>
    /// Queries the table. Nothing is sent until the result is enumerated; each page is requested when
    /// the consumer reaches it, and enumeration stops requesting when the consumer stops.
    /// <c>AsPages(continuationToken, pageSizeHint)</c> resumes from an opaque token of an earlier page.
    /// </summary>
    /// <param name="filter">An OData filter, built with <see cref="TableFilter.Create"/>; null for every entity.</param>
    /// <param name="maxPerPage">Entities per page (at most 1,000, the service's maximum); a page size hint overrides it.</param>
    /// <param name="selectProperties">The properties to return; null for all.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    public virtual AsyncPageable<T> QueryAsync<T>(string? filter = null, int? maxPerPage = null, IEnumerable<string>? selectProperties = null, CancellationToken cancellationToken = default)
        where T : ITableEntity<T>
    {
        ValidatePageSize(maxPerPage, nameof(maxPerPage));
        var selected = selectProperties?.ToArray();
        return AsyncPageables.Create<T>((token, pageSizeHint, ct) => QueryPageAsync<T>(filter, pageSizeHint ?? maxPerPage, selected, token, ct), cancellationToken);
    }

    /// <summary>
    /// Submits up to 100 operations on one partition as one entity-group transaction: all are applied
    /// or none is. A failure is a <see cref="TableTransactionFailedException"/> naming the failing action.
    /// </summary>
    public virtual async Task<Response<IReadOnlyList<TableTransactionResult>>> SubmitTransactionAsync(
        IEnumerable<TableTransactionAction> actions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actions);
        var list = actions.ToList();
        TableTransaction.Validate(list);

        using var message = CreateMessage(RequestMethod.Post, "/$batch");
        var batch = TableTransaction.CreateBody(list, action => EntityUri(action), WriteEntity);
        message.Request.Headers.SetValue(HttpHeader.Names.ContentType, batch.ContentType);
        message.Request.Content = RequestContent.Create(batch.Body);
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (response.Status != 202)
        {
            throw new RequestFailedException(response);
        }

        return Response.FromValue(TableTransaction.ReadResults(response, list.Count), response);
    }

    /// <summary>
    /// Deletes every entity <paramref name="filter"/> matches, a page at a time (so memory stays bounded
    /// however many there are), in transactions of up to 100 per partition. Returns how many it deleted.
    /// Not atomic as a whole: run it again to finish after a failure.
    /// </summary>
    public virtual async Task<int> DeleteEntitiesAsync(string filter, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(filter);
        var deleted = 0;
        while (true)
        {
            List<TableEntity>? keys = null;
            await foreach (var page in QueryAsync<TableEntity>(filter, selectProperties: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).AsPages().ConfigureAwait(false))
            {
                keys = [.. page.Values];
                break;
            }

            if (keys is not { Count: > 0 })
            {
                return deleted;
            }

            foreach (var partition in keys.GroupBy(k => k.PartitionKey, StringComparer.Ordinal))
            {
                foreach (var chunk in partition.Chunk(MaxTransactionActions))
                {
                    await SubmitTransactionAsync(
                        chunk.Select(key => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(key.PartitionKey, key.RowKey))),
                        cancellationToken).ConfigureAwait(false);
                }
            }

            deleted += keys.Count;
        }
    }

    private async Task<Page<T>> QueryPageAsync<T>(string? filter, int? top, string[]? select, string? continuationToken, CancellationToken cancellationToken)
        where T : ITableEntity<T>
    {
        ValidatePageSize(top, "pageSizeHint");
        using var message = CreateMessage(RequestMethod.Get, "/" + Name + "()");
        var uri = message.Request.Uri;
        if (!string.IsNullOrEmpty(filter))
        {
            uri.AppendQuery("$filter", filter, escapeValue: true);
        }

        if (top is { } t)
        {
            uri.AppendQuery("$top", t.ToString(System.Globalization.CultureInfo.InvariantCulture), escapeValue: false);
        }

        AppendSelect(message.Request, select);
        if (continuationToken is not null)
        {
            var (nextPartition, nextRow) = TableContinuation.Decode(continuationToken);
            if (nextPartition is not null)
            {
                uri.AppendQuery("NextPartitionKey", nextPartition, escapeValue: true);
            }

            if (nextRow is not null)
            {
                uri.AppendQuery("NextRowKey", nextRow, escapeValue: true);
            }
        }

        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (response.Status != 200)
        {
            throw new RequestFailedException(response);
        }

        var values = new List<T>();
        using (var document = JsonDocument.Parse(response.Content.ToMemory()))
        {
            if (document.RootElement.TryGetProperty("value", out var items))
            {
                values.Capacity = items.GetArrayLength();
                foreach (var item in items.EnumerateArray())
                {
                    values.Add(Read<T>(item));
                }
            }
        }

        response.Headers.TryGetValue("x-ms-continuation-NextPartitionKey", out var npk);
        response.Headers.TryGetValue("x-ms-continuation-NextRowKey", out var nrk);
        return Page<T>.FromValues(values, TableContinuation.Encode(npk, nrk), response);
    }

    private async Task<Response> WriteEntityAsync<T>(T entity, TableUpdateMode mode, ETag? ifMatch, CancellationToken cancellationToken)
        where T : ITableEntity
    {
        ValidateEntity(entity);
        using var message = CreateMessage(mode == TableUpdateMode.Merge ? RequestMethod.Patch : RequestMethod.Put, EntityPath(entity.PartitionKey, entity.RowKey));
        if (ifMatch is { } etag)
        {
            message.Request.Headers.SetValue("If-Match", etag.ToString());
        }

        SetJsonContent(message.Request, writer => WriteEntity(writer, entity));
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        return response.Status == 204 ? response : throw new RequestFailedException(response);
    }

    private static T Read<T>(JsonElement element)
        where T : ITableEntity<T>
    {
        var reader = new TableEntityReader(element);
        var entity = T.ReadEntity(reader);
        entity.PartitionKey = reader.PartitionKey ?? string.Empty;
        entity.RowKey = reader.RowKey ?? string.Empty;
        entity.Timestamp = reader.Timestamp;
        entity.ETag = reader.ETag;
        return entity;
    }

    private HttpMessage CreateMessage(RequestMethod method, string path)
    {
        var message = _pipeline.CreateMessage();
        StoragePipeline.SetResource(message, Name);
        var request = message.Request;
        request.Method = method;
        request.Uri.Reset(_endpoint);
        request.Uri.AppendPath(path, escape: false);
        request.Headers.SetValue("Accept", AcceptJson);
        request.Headers.SetValue("DataServiceVersion", "3.0");
        request.Headers.SetValue("MaxDataServiceVersion", "3.0;NetFx");
        return message;
    }

    private async ValueTask<Response> SendAsync(HttpMessage message, CancellationToken cancellationToken)
    {
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return message.Response;
    }

    private string EntityPath(string partitionKey, string rowKey)
    {
        TableKeys.ValidateKey(partitionKey, "PartitionKey");
        TableKeys.ValidateKey(rowKey, "RowKey");
        return $"/{Name}(PartitionKey='{EscapeKey(partitionKey)}',RowKey='{EscapeKey(rowKey)}')";
    }

    private Uri EntityUri(TableTransactionAction action)
    {
        var path = action.ActionType == TableTransactionActionType.Add
            ? "/" + Name
            : EntityPath(action.Entity.PartitionKey, action.Entity.RowKey);
        return new UriBuilder(_endpoint) { Path = _basePath + path, Query = string.Empty }.Uri;
    }

    private static string EscapeKey(string key) => Uri.EscapeDataString(key.Replace("'", "''", StringComparison.Ordinal));

    private static void ValidateEntity<T>(T entity)
        where T : ITableEntity
    {
        ArgumentNullException.ThrowIfNull(entity);
        TableKeys.ValidateKey(entity.PartitionKey, "PartitionKey");
        TableKeys.ValidateKey(entity.RowKey, "RowKey");
    }

    private static void ValidatePageSize(int? size, string parameterName)
    {
        if (size is < 1 or > MaxPageSize)
        {
            throw new ArgumentOutOfRangeException(parameterName, size, $"A page has 1 to {MaxPageSize} entities.");
        }
    }

    private static void AppendSelect(Request request, IEnumerable<string>? select)
    {
        if (select is not null && string.Join(',', select) is { Length: > 0 } list)
        {
            request.Uri.AppendQuery("$select", list, escapeValue: true);
        }
    }

    private static void WriteEntity(Utf8JsonWriter writer, ITableEntity entity)
    {
        writer.WriteStartObject();
        writer.WriteString("PartitionKey", entity.PartitionKey);
        writer.WriteString("RowKey", entity.RowKey);
        entity.WriteProperties(new TableEntityWriter(writer));
        writer.WriteEndObject();
    }

    private static void SetJsonContent(Request request, Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(writer);
        }

        request.Headers.SetValue(HttpHeader.Names.ContentType, "application/json");
        request.Content = RequestContent.Create(buffer.WrittenMemory);
    }

    private static HttpPipeline ExtractPipeline(TableServiceClient service, string tableName, out Uri endpoint)
    {
        var client = service.GetTableClient(tableName);
        endpoint = client._endpoint;
        return client._pipeline;
    }
}
