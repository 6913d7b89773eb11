using AgentFunctions.Storage.Queues;
using AgentFunctions.Storage.Stores;
using AgentFunctions.Storage.Tables;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Hosting.Configuration;

/// <summary>
/// The <c>Storage</c> section: where the storage account is and how to reach it, in the first form found:
/// <list type="number">
/// <item><see cref="ConnectionString"/>, else <c>AGENTFUNCTIONS_STORAGE_CONNECTION_STRING</c>, else
/// <c>AzureWebJobsStorage</c> as a connection string (key, SAS, or <c>UseDevelopmentStorage=true</c>);</item>
/// <item>identity-based: <see cref="TableEndpoint"/> and <see cref="QueueEndpoint"/> (or the Functions
/// convention <c>AzureWebJobsStorage:tableServiceUri</c> / <c>queueServiceUri</c>), with a managed identity
/// (<see cref="ClientId"/> or <c>AzureWebJobsStorage:clientId</c> for a user-assigned one) or the
/// developer's Azure sign-in.</item>
/// </list>
/// </summary>
public sealed class StorageOptions
{
    public const string SectionName = "Storage";

    public string? ConnectionString { get; set; }

    public string? TableEndpoint { get; set; }

    public string? QueueEndpoint { get; set; }

    /// <summary>The client id of a user-assigned managed identity; none for the system-assigned one or the developer's sign-in.</summary>
    public string? ClientId { get; set; }

    /// <summary>Put before every table and queue name (letters and digits), so that several deployments or test runs can share one account.</summary>
    public string Prefix { get; set; } = string.Empty;

    /// <summary>Fills what the section leaves out from the other names the hosts read (the Functions convention, the server's variable).</summary>
    internal static void ApplyFallbacks(StorageOptions options, IConfiguration configuration)
    {
        options.ConnectionString = First(options.ConnectionString, configuration["AGENTFUNCTIONS_STORAGE_CONNECTION_STRING"], configuration["AzureWebJobsStorage"]);
        if (options.ConnectionString is not null)
        {
            // A connection string wins: the identity-based settings are not read.
            return;
        }

        options.TableEndpoint = First(options.TableEndpoint, configuration["AzureWebJobsStorage:tableServiceUri"]);
        options.QueueEndpoint = First(options.QueueEndpoint, configuration["AzureWebJobsStorage:queueServiceUri"]);
        options.ClientId = First(options.ClientId, configuration["AzureWebJobsStorage:clientId"]);
    }

    private static string? First(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));
}

/// <summary>The storage account as configured (<see cref="StorageOptions"/>, validated at start): its clients and the deployment's names.</summary>
public sealed class StorageSettings
{
    private readonly string? _connectionString;
    private readonly Lazy<TokenCredential?> _credential;

    public StorageSettings(IOptions<StorageOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var value = options.Value;
        _connectionString = string.IsNullOrWhiteSpace(value.ConnectionString) ? null : value.ConnectionString;
        TableEndpoint = _connectionString is null && value.TableEndpoint is { } table ? new Uri(table) : null;
        QueueEndpoint = _connectionString is null && value.QueueEndpoint is { } queue ? new Uri(queue) : null;
        var clientId = value.ClientId;
        _credential = new(() => _connectionString is not null ? null
            : clientId is null ? new DefaultAzureCredential() : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId)));
        Names = new StorageNames(value.Prefix);
    }

    public Uri? TableEndpoint { get; }

    public Uri? QueueEndpoint { get; }

    /// <summary>The identity storage is reached with; null with a connection string.</summary>
    public TokenCredential? Credential => _credential.Value;

    /// <summary>The deployment's table and queue names.</summary>
    public StorageNames Names { get; }

    public string Prefix => Names.Prefix;

    /// <summary>
    /// The Table service client (the SDK's): from the connection string, which the SDK reads (account key, SAS or
    /// <c>UseDevelopmentStorage=true</c>), else the table endpoint with the token credential. Retries and
    /// diagnostics are the SDK's <see cref="TableClientOptions"/>; a storage span per call is added.
    /// </summary>
    public TableServiceClient CreateTableService(TableClientOptions? options = null)
    {
        options = (options ?? new TableClientOptions()).AddStorageTracing();
        return _connectionString is not null ? new TableServiceClient(_connectionString, options) : new TableServiceClient(TableEndpoint!, Credential!, options);
    }

    /// <summary>
    /// The Queue service client, in <see cref="QueueWireFormat"/>: the connection string as it is (key, SAS, or
    /// <c>UseDevelopmentStorage=true</c>), else the queue endpoint with the identity.
    /// </summary>
    /// <param name="logger">Where a message that is not in the wire format is reported.</param>
    public QueueServiceClient CreateQueueService(ILogger? logger = null)
    {
        var options = QueueWireFormat.CreateClientOptions(logger);
        return _connectionString is not null ? new QueueServiceClient(_connectionString, options) : new QueueServiceClient(QueueEndpoint!, Credential!, options);
    }

    /// <summary>A table's name with the prefix.</summary>
    public string TableName(string name) => Names.Table(name);

    /// <summary>A queue's name with the prefix (queues are lowercase).</summary>
    public string QueueName(string name) => Names.Queue(name);
}
