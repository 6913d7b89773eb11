namespace AgentFunctions.OpenAI;

/// <summary>
/// Settings of the <c>openai</c> model provider: which chat-completions service to call, with
/// which model, and how to authenticate. The same settings reach OpenAI itself, any
/// OpenAI-compatible server, and Azure OpenAI through its v1 endpoint
/// (<c>https://&lt;resource&gt;.openai.azure.com/openai/v1/</c>).
/// </summary>
public sealed class OpenAIModelOptions
{
    public const string SectionName = "OpenAI";

    /// <summary>The scope of the Entra ID token that Azure OpenAI accepts.</summary>
    public const string DefaultTokenScope = "https://cognitiveservices.azure.com/.default";

    /// <summary>
    /// The service's base address, up to and including the API version segment
    /// (<c>.../v1/</c>); <c>chat/completions</c> is appended to it. Null means OpenAI's own.
    /// </summary>
    public Uri? Endpoint { get; set; }

    /// <summary>
    /// The API key, sent as <c>Authorization: Bearer</c>. A server that needs no key still
    /// needs some value here (any placeholder), unless Entra ID is used instead.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>The model (or, on Azure OpenAI, the deployment) that requests name by default.</summary>
    public string? Model { get; set; }

    /// <summary>
    /// Authenticate with an Entra ID token from a <c>TokenCredential</c> instead of a key. The
    /// host supplies the credential to <see cref="OpenAIChatClientFactory.Create(OpenAIModelOptions, Azure.Core.TokenCredential?)"/>; it must
    /// not be combined with <see cref="ApiKey"/>, and the endpoint must be https.
    /// </summary>
    public bool UseEntraId { get; set; }

    /// <summary>The scope requested for the Entra ID token.</summary>
    public string TokenScope { get; set; } = DefaultTokenScope;

    /// <summary>
    /// How often a request that failed with a retriable status (408, 429, 5xx) or a network error
    /// is retried, with exponential back-off that honours <c>Retry-After</c>.
    /// </summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>
    /// The longest wait for the service to answer or to send the next bytes of a stream; null
    /// keeps the SDK's default.
    /// </summary>
    public TimeSpan? NetworkTimeout { get; set; }
}
