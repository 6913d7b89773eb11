using System.ClientModel;
using System.ClientModel.Primitives;
using Azure.Core;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;

namespace AgentFunctions.OpenAI;

/// <summary>
/// Builds the <c>openai</c> model: the OpenAI SDK's <see cref="ChatClient"/> for <see cref="OpenAIModelOptions"/>,
/// as an <see cref="IChatClient"/> through Microsoft.Extensions.AI.OpenAI, with the service's failures
/// surfacing as <see cref="Azure.RequestFailedException"/>s.
/// </summary>
public static class OpenAIChatClientFactory
{
    private const string UserAgentApplicationId = "AgentFunctions";

    /// <summary>
    /// Checks <paramref name="options"/> and builds a client for them. It authenticates with
    /// <see cref="OpenAIModelOptions.ApiKey"/> when one is set, and otherwise with a bearer token
    /// from <paramref name="credential"/> for <see cref="OpenAIModelOptions.TokenScope"/>. Build
    /// one client and share it: it is safe for concurrent use. Function calls are returned to the
    /// caller, not invoked: the agent loop runs the tools itself.
    /// </summary>
    /// <exception cref="ArgumentException">The options are incomplete or contradictory; the message lists every problem.</exception>
    public static IChatClient Create(OpenAIModelOptions options, TokenCredential? credential = null) =>
        Create(options, credential, transport: null);

    /// <summary>As <see cref="Create(OpenAIModelOptions, TokenCredential?)"/>, for settings read from <paramref name="section"/> (such as <c>Models:fast</c>), which its messages name.</summary>
    internal static IChatClient Create(OpenAIModelOptions options, TokenCredential? credential, string section) =>
        Create(options, credential, transport: null, section);

    /// <summary>As <see cref="Create(OpenAIModelOptions, TokenCredential?)"/>, over <paramref name="transport"/> when one is given (tests).</summary>
    internal static IChatClient Create(OpenAIModelOptions options, TokenCredential? credential, PipelineTransport? transport, string section = OpenAIModelOptions.SectionName)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = Validate(options, credential is not null, section);
        if (errors.Count > 0)
        {
            throw new ArgumentException(
                "The OpenAI model settings are invalid: " + string.Join(" ", errors), nameof(options));
        }

        var clientOptions = new OpenAIClientOptions
        {
            RetryPolicy = new ClientRetryPolicy(options.MaxRetries),
            UserAgentApplicationId = UserAgentApplicationId,
        };
        if (options.Endpoint is not null)
        {
            clientOptions.Endpoint = options.Endpoint;
        }

        if (options.NetworkTimeout is { } timeout)
        {
            clientOptions.NetworkTimeout = timeout;
        }

        if (transport is not null)
        {
            clientOptions.Transport = transport;
        }

        // An Azure.Core TokenCredential is a System.ClientModel AuthenticationTokenProvider, so the
        // SDK's own BearerTokenPolicy asks it for a token on each request; the credential caches
        // (managed identity and the other MSAL-based ones do; the Azure CLI's does not, by design).
        // The constructor that takes an authentication policy is marked for evaluation; it is the
        // SDK's one way to authenticate with something other than an API key.
        var apiKey = string.IsNullOrWhiteSpace(options.ApiKey) ? null : options.ApiKey;
#pragma warning disable OPENAI001
        var chatClient = apiKey is not null
            ? new ChatClient(options.Model!, new ApiKeyCredential(apiKey), clientOptions)
            : new ChatClient(options.Model!, new BearerTokenPolicy(credential!, options.TokenScope), clientOptions);
#pragma warning restore OPENAI001
        return new OpenAIServiceErrorChatClient(chatClient.AsIChatClient(), apiKey);
    }

    /// <summary>Every problem with <paramref name="options"/>, each as one sentence; empty when they are usable.</summary>
    internal static List<string> Validate(OpenAIModelOptions options, bool hasCredential, string section = OpenAIModelOptions.SectionName)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Model))
        {
            errors.Add($"{section}:Model is required: name the model (on Azure OpenAI, the deployment) to call.");
        }

        if (options.Endpoint is { } endpoint)
        {
            if (!endpoint.IsAbsoluteUri)
            {
                errors.Add($"{section}:Endpoint '{endpoint}' is not an absolute URI: give the full base address, such as https://<resource>.openai.azure.com/openai/v1/.");
            }
            else if (endpoint.Scheme != Uri.UriSchemeHttps && endpoint.Scheme != Uri.UriSchemeHttp)
            {
                errors.Add($"{section}:Endpoint '{endpoint}' must be an http or https address.");
            }
        }

        var hasKey = !string.IsNullOrWhiteSpace(options.ApiKey);
        if (hasKey && options.UseEntraId)
        {
            errors.Add($"{section}:ApiKey and {section}:UseEntraId are both set: choose one way to authenticate.");
        }
        else if (!hasKey && options.UseEntraId && !hasCredential)
        {
            errors.Add($"{section}:UseEntraId is set but no TokenCredential was given to authenticate with.");
        }
        else if (!hasKey && !hasCredential)
        {
            errors.Add($"{section}:ApiKey is not set and no TokenCredential was given: set an API key, or set {section}:UseEntraId and supply a credential.");
        }

        if (!hasKey && hasCredential)
        {
            if (string.IsNullOrWhiteSpace(options.TokenScope))
            {
                errors.Add($"{section}:TokenScope is empty: Entra ID needs the scope to request a token for.");
            }

            // A bearer token is a credential for every deployment of the resource: never in clear
            // text (the SDK's BearerTokenPolicy refuses it too, loopback included; here it is said at startup).
            if (options.Endpoint is { IsAbsoluteUri: true } address && address.Scheme == Uri.UriSchemeHttp)
            {
                errors.Add($"{section}:Endpoint '{address}' is not https: Entra ID tokens are only sent over TLS.");
            }
        }

        if (options.MaxRetries < 0)
        {
            errors.Add($"{section}:MaxRetries must not be negative.");
        }

        if (options.NetworkTimeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            errors.Add($"{section}:NetworkTimeout must be positive.");
        }

        return errors;
    }
}
