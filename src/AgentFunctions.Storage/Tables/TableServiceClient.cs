using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace AgentFunctions.Storage.Tables;

/// <summary>
/// The Table service of one storage account. Create one per account and process; its
/// <see cref="GetTableClient"/> clients share its pipeline (connections, retries, authentication).
/// </summary>
public class TableServiceClient
{
    private readonly HttpPipeline _pipeline = null!;
    private readonly Uri _endpoint = null!;

    /// <summary>For mocking.</summary>
    protected TableServiceClient()
    {
    }

    /// <summary>A client for the account a connection string names, authenticated as it says (key or SAS).</summary>
    public TableServiceClient(string connectionString, TableClientOptions? options = null)
        : this(StorageConnectionString.Parse(connectionString), options)
    {
    }

    /// <summary>A client for the account a parsed connection string names.</summary>
    public TableServiceClient(StorageConnectionString connection, TableClientOptions? options = null)
        : this(connection?.TableEndpoint!, connection is null ? null : StoragePipeline.FromConnectionString(connection, StorageService.Table), options)
    {
    }

    /// <summary>A client authenticated with the account key (Shared Key).</summary>
    public TableServiceClient(Uri endpoint, StorageSharedKeyCredential credential, TableClientOptions? options = null)
        : this(endpoint, StoragePipeline.SharedKey(Required(credential), StorageService.Table), options)
    {
    }

    /// <summary>A client authenticated with Entra ID (a managed identity, a developer's sign-in, a service principal).</summary>
    public TableServiceClient(Uri endpoint, TokenCredential credential, TableClientOptions? options = null)
        : this(endpoint, StoragePipeline.Token(Required(credential)), options)
    {
    }

    /// <summary>A client authenticated with a shared access signature.</summary>
    public TableServiceClient(Uri endpoint, AzureSasCredential credential, TableClientOptions? options = null)
        : this(endpoint, StoragePipeline.Sas(Required(credential)), options)
    {
    }

    private TableServiceClient(Uri endpoint, HttpPipelinePolicy? authentication, TableClientOptions? options)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        _endpoint = endpoint;
        _pipeline = StoragePipeline.Build(options ?? new TableClientOptions(), TableClientOptions.ServiceVersion, authentication, StorageService.Table);
    }

    /// <summary>The Table service endpoint.</summary>
    public virtual Uri Uri => _endpoint;

    /// <summary>A client for one table, sharing this client's pipeline.</summary>
    /// <exception cref="ArgumentException">The table name is not valid.</exception>
    public virtual TableClient GetTableClient(string tableName) => new(_pipeline, _endpoint, tableName);

    /// <summary>Creates a table unless it exists.</summary>
    public virtual Task<Response> CreateTableIfNotExistsAsync(string tableName, CancellationToken cancellationToken = default)
        => GetTableClient(tableName).CreateIfNotExistsAsync(cancellationToken);

    /// <summary>Deletes a table and everything in it; a table that does not exist is not an error.</summary>
    public virtual Task<Response> DeleteTableAsync(string tableName, CancellationToken cancellationToken = default)
        => GetTableClient(tableName).DeleteAsync(cancellationToken);

    private static T Required<T>(T value)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(value);
        return value;
    }
}
