using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace AgentFunctions.Storage.Queues;

/// <summary>
/// A storage account's Queue service. Holds the one HTTP pipeline (retries, authentication,
/// logging) that every <see cref="QueueClient"/> it hands out shares; create it once and keep it.
/// </summary>
public class QueueServiceClient
{
    private readonly HttpPipeline _pipeline;

    /// <summary>Connects with a storage connection string (account key, SAS, or <c>UseDevelopmentStorage=true</c>).</summary>
    /// <exception cref="FormatException">The connection string is malformed.</exception>
    public QueueServiceClient(string connectionString, QueueClientOptions? options = null)
        : this(StorageConnectionString.Parse(connectionString), options ?? new QueueClientOptions())
    {
    }

    /// <summary>Connects to <paramref name="serviceEndpoint"/> with Shared Key authorization.</summary>
    public QueueServiceClient(Uri serviceEndpoint, StorageSharedKeyCredential credential, QueueClientOptions? options = null)
        : this(serviceEndpoint, StoragePipeline.SharedKey(Required(credential), StorageService.Queue), options ?? new QueueClientOptions())
    {
    }

    /// <summary>Connects to <paramref name="serviceEndpoint"/> (https) with Microsoft Entra ID tokens for <c>https://storage.azure.com/.default</c>.</summary>
    /// <exception cref="ArgumentException"><paramref name="serviceEndpoint"/> is not https; bearer tokens are only sent over TLS.</exception>
    public QueueServiceClient(Uri serviceEndpoint, TokenCredential credential, QueueClientOptions? options = null)
        : this(RequireHttps(serviceEndpoint), StoragePipeline.Token(Required(credential)), options ?? new QueueClientOptions())
    {
    }

    /// <summary>Connects to <paramref name="serviceEndpoint"/> with a shared access signature appended to every request.</summary>
    public QueueServiceClient(Uri serviceEndpoint, AzureSasCredential credential, QueueClientOptions? options = null)
        : this(serviceEndpoint, StoragePipeline.Sas(Required(credential)), options ?? new QueueClientOptions())
    {
    }

    /// <summary>For mocking.</summary>
    protected QueueServiceClient()
    {
        _pipeline = null!;
        Uri = null!;
    }

    private QueueServiceClient(StorageConnectionString connection, QueueClientOptions options)
        : this(connection.QueueEndpoint, StoragePipeline.FromConnectionString(connection, StorageService.Queue), options)
    {
    }

    private QueueServiceClient(Uri serviceEndpoint, HttpPipelinePolicy? authentication, QueueClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(serviceEndpoint);
        if (!serviceEndpoint.IsAbsoluteUri || (serviceEndpoint.Scheme != Uri.UriSchemeHttps && serviceEndpoint.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException($"The Queue service endpoint must be an absolute http(s) URI: '{serviceEndpoint}'.", nameof(serviceEndpoint));
        }

        Uri = serviceEndpoint;
        _pipeline = StoragePipeline.Build(options, options.VersionString, authentication, StorageService.Queue);
    }

    /// <summary>The Queue service endpoint, e.g. <c>https://account.queue.core.windows.net</c> or, path-style, <c>http://127.0.0.1:10001/devstoreaccount1</c>.</summary>
    public virtual Uri Uri { get; }

    /// <summary>The pipeline, shared by every queue client of this service client.</summary>
    internal HttpPipeline Pipeline => _pipeline;

    /// <summary>A client for the queue <paramref name="queueName"/>, on this service client's pipeline. Sends no request.</summary>
    /// <exception cref="ArgumentException"><paramref name="queueName"/> is not a valid queue name; the message says why.</exception>
    public virtual QueueClient GetQueueClient(string queueName)
    {
        QueueLimits.ValidateName(queueName, nameof(queueName));
        return new QueueClient(AppendPath(Uri, queueName), queueName, _pipeline);
    }

    /// <summary>Appends a segment to the endpoint's path, keeping any path (account name) and query it has.</summary>
    internal static Uri AppendPath(Uri endpoint, string segment)
    {
        var builder = new UriBuilder(endpoint);
        builder.Path = builder.Path.TrimEnd('/') + "/" + Uri.EscapeDataString(segment);
        return builder.Uri;
    }

    private static T Required<T>(T credential)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(credential);
        return credential;
    }

    private static Uri RequireHttps(Uri serviceEndpoint)
    {
        ArgumentNullException.ThrowIfNull(serviceEndpoint);
        return serviceEndpoint.IsAbsoluteUri && serviceEndpoint.Scheme == Uri.UriSchemeHttps
            ? serviceEndpoint
            : throw new ArgumentException(
                $"A token credential needs an https endpoint (bearer tokens are only sent over TLS): '{serviceEndpoint}'.", nameof(serviceEndpoint));
    }
}
