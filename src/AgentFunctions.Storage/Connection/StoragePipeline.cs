using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace AgentFunctions.Storage;

/// <summary>Builds the Azure.Core pipeline of a storage client: a span per call, version header, retries, authentication, error details.</summary>
internal static class StoragePipeline
{
    /// <summary>The scope a <see cref="TokenCredential"/> is asked for, for the Table and Queue services alike.</summary>
    public const string TokenScope = "https://storage.azure.com/.default";

    public static HttpPipeline Build(ClientOptions options, string serviceVersion, HttpPipelinePolicy? authentication, StorageService service)
    {
        var pipelineOptions = new HttpPipelineOptions(options)
        {
            RequestFailedDetailsParser = new StorageErrorParser(),
        };
        pipelineOptions.PerCallPolicies.Add(new StorageTracingPolicy(service));
        pipelineOptions.PerCallPolicies.Add(new VersionPolicy(serviceVersion));
        if (authentication is not null)
        {
            pipelineOptions.PerRetryPolicies.Add(authentication);
        }

        return HttpPipelineBuilder.Build(pipelineOptions);
    }

    /// <summary>Names the table or queue <paramref name="message"/> addresses, for its span.</summary>
    public static void SetResource(HttpMessage message, string resource) => message.SetProperty(StorageTracingPolicy.ResourceProperty, resource);

    public static HttpPipelinePolicy SharedKey(StorageSharedKeyCredential credential, StorageService service) => new SharedKeyPolicy(credential, service);

    public static HttpPipelinePolicy Token(TokenCredential credential) => new BearerTokenAuthenticationPolicy(credential, TokenScope);

    public static HttpPipelinePolicy Sas(AzureSasCredential credential) => new SasPolicy(credential);

    /// <summary>The authentication a connection string implies: its key, else its SAS, else none (for public or proxy-authenticated endpoints).</summary>
    public static HttpPipelinePolicy? FromConnectionString(StorageConnectionString connection, StorageService service)
        => connection.SharedKeyCredential is { } key ? SharedKey(key, service)
            : connection.SharedAccessSignature is { } sas ? Sas(new AzureSasCredential(sas))
            : null;

    private sealed class VersionPolicy(string version) : HttpPipelineSynchronousPolicy
    {
        public override void OnSendingRequest(HttpMessage message) => message.Request.Headers.SetValue("x-ms-version", version);
    }
}
