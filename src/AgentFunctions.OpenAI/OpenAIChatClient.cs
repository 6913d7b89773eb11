using System.ClientModel;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using OpenAI.Chat;
using AIChatMessage = Microsoft.Extensions.AI.ChatMessage;
using OpenAIChatMessage = OpenAI.Chat.ChatMessage;

namespace AgentFunctions.OpenAI;

/// <summary>
/// An <see cref="IChatClient"/> over the OpenAI SDK's <see cref="ChatClient"/> (chat completions).
/// Streaming yields text deltas as they arrive, each tool call once, whole, when its fragments
/// are complete, and the token usage of the final chunk. Failures of the service surface as
/// <see cref="Azure.RequestFailedException"/> with the status and the service's error message.
/// </summary>
public sealed class OpenAIChatClient : IChatClient
{
    public const string ProviderName = "openai";

    private readonly ChatClient _chatClient;
    private readonly string _model;
    private readonly Uri _endpoint;
    private readonly string? _secret;
    private readonly ChatClientMetadata _metadata;

    /// <summary>
    /// Wraps <paramref name="chatClient"/>, whose model is the default of every request. Prefer
    /// <see cref="OpenAIChatClientFactory.Create"/>, which also masks its API key in error messages.
    /// </summary>
    public OpenAIChatClient(ChatClient chatClient)
        : this(chatClient, secret: null)
    {
    }

    // The secret (an API key) is redacted from any error message this client raises.
    internal OpenAIChatClient(ChatClient chatClient, string? secret)
    {
        ArgumentNullException.ThrowIfNull(chatClient);
        _chatClient = chatClient;
#pragma warning disable OPENAI001 // Model and Endpoint are marked for evaluation; they are plain getters of what the client was built with.
        _model = chatClient.Model;
        _endpoint = chatClient.Endpoint;
#pragma warning restore OPENAI001
        _secret = string.IsNullOrEmpty(secret) ? null : secret;
        _metadata = new ChatClientMetadata(ProviderName, _endpoint, _model);
    }

    public async Task<ChatResponse> GetResponseAsync(
        IEnumerable<AIChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var request = OpenAIRequestMapper.ToOpenAIMessages(messages, options);
        var completionOptions = OpenAIRequestMapper.ToCompletionOptions(options, _model, this);

        ChatCompletion completion;
        try
        {
            completion = (await _chatClient.CompleteChatAsync(request, completionOptions, cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (ClientResultException e)
        {
            throw OpenAIServiceErrors.ToRequestFailed(e, _endpoint, _secret);
        }

        return OpenAIResponseMapper.ToChatResponse(completion);
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<AIChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var request = OpenAIRequestMapper.ToOpenAIMessages(messages, options);
        var completionOptions = OpenAIRequestMapper.ToCompletionOptions(options, _model, this);
        return StreamAsync(request, completionOptions, cancellationToken);
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(ChatClientMetadata))
        {
            return _metadata;
        }

        if (serviceType == typeof(ChatClient))
        {
            return _chatClient;
        }

        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    public void Dispose()
    {
        // The SDK's ChatClient holds no resources of its own; its pipeline is shared.
    }

    private async IAsyncEnumerable<ChatResponseUpdate> StreamAsync(
        List<OpenAIChatMessage> request,
        ChatCompletionOptions completionOptions,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var chunks = _chatClient.CompleteChatStreamingAsync(request, completionOptions, cancellationToken);
        var enumerator = chunks.GetAsyncEnumerator(cancellationToken);
        await using (enumerator.ConfigureAwait(false))
        {
            var toolCalls = new StreamingToolCallAssembler();
            var identity = new StreamIdentity();
            while (true)
            {
                // The request is sent, and a failure status seen, on the first MoveNext; a yield
                // cannot sit inside a try with a catch, so only the move is guarded.
                bool moved;
                try
                {
                    moved = await enumerator.MoveNextAsync().ConfigureAwait(false);
                }
                catch (ClientResultException e)
                {
                    throw OpenAIServiceErrors.ToRequestFailed(e, _endpoint, _secret);
                }

                if (!moved)
                {
                    break;
                }

                var update = OpenAIResponseMapper.ToChatResponseUpdate(enumerator.Current, toolCalls, identity);
                if (update is not null)
                {
                    yield return update;
                }
            }

            // A server that ends the stream without a finish reason still gets its tool calls out.
            if (toolCalls.HasPending)
            {
                var update = identity.NewUpdate();
                foreach (var call in toolCalls.Complete())
                {
                    update.Contents.Add(call);
                }

                yield return update;
            }
        }
    }
}
