using AgentFunctions.Storage.Queues;
using AgentFunctions.Storage.Tables;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Hosting;

/// <summary>
/// Where the storage account is and how to reach it, from configuration, in the first form found:
/// <list type="number">
/// <item><c>Storage:ConnectionString</c>, else <c>AGENTFUNCTIONS_STORAGE_CONNECTION_STRING</c>, else
/// <c>AzureWebJobsStorage</c> as a connection string (key, SAS, or <c>UseDevelopmentStorage=true</c>);</item>
/// <item>identity-based: <c>Storage:TableEndpoint</c> and <c>Storage:QueueEndpoint</c> (or the Functions
/// convention <c>AzureWebJobsStorage:tableServiceUri</c> / <c>queueServiceUri</c>), with a managed identity
/// (<c>Storage:ClientId</c> or <c>AzureWebJobsStorage:clientId</c> for a user-assigned one) or the
/// developer's Azure sign-in.</item>
/// </list>
/// <c>Storage:Prefix</c> (letters and digits) is put before every table and queue name, so that several
/// deployments or test runs can share one account.
/// </summary>
public sealed class StorageSettings
{
    private readonly string? _connectionString;

    private StorageSettings(string? connectionString, Uri? tableEndpoint, Uri? queueEndpoint, TokenCredential? credential, string prefix)
    {
        _connectionString = connectionString;
        TableEndpoint = tableEndpoint;
        QueueEndpoint = queueEndpoint;
        Credential = credential;
        Prefix = prefix;
    }

    public Uri? TableEndpoint { get; }

    public Uri? QueueEndpoint { get; }

    public TokenCredential? Credential { get; }

    public string Prefix { get; }

    public static StorageSettings From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var prefix = configuration["Storage:Prefix"] ?? string.Empty;
        if (!prefix.All(char.IsAsciiLetterOrDigit) || (prefix.Length > 0 && !char.IsAsciiLetter(prefix[0])))
        {
            throw new InvalidOperationException("Storage:Prefix must be letters and digits, starting with a letter.");
        }

        var connectionString = First(configuration["Storage:ConnectionString"], configuration["AGENTFUNCTIONS_STORAGE_CONNECTION_STRING"], configuration["AzureWebJobsStorage"]);
        if (connectionString is not null)
        {
            return new StorageSettings(connectionString, null, null, null, prefix);
        }

        var table = First(configuration["Storage:TableEndpoint"], configuration["AzureWebJobsStorage:tableServiceUri"]);
        var queue = First(configuration["Storage:QueueEndpoint"], configuration["AzureWebJobsStorage:queueServiceUri"]);
        if (table is null || queue is null)
        {
            throw new InvalidOperationException(
                "No storage is configured: set Storage:ConnectionString (or AGENTFUNCTIONS_STORAGE_CONNECTION_STRING, or AzureWebJobsStorage), " +
                "or Storage:TableEndpoint and Storage:QueueEndpoint for a managed identity.");
        }

        var clientId = First(configuration["Storage:ClientId"], configuration["AzureWebJobsStorage:clientId"]);
        TokenCredential credential = clientId is null ? new DefaultAzureCredential() : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
        return new StorageSettings(null, new Uri(table), new Uri(queue), credential, prefix);
    }

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
    public string TableName(string name) => Prefix + name;

    /// <summary>A queue's name with the prefix (queues are lowercase).</summary>
    public string QueueName(string name) => (Prefix + name).ToLowerInvariant();

    private static string? First(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));
}
