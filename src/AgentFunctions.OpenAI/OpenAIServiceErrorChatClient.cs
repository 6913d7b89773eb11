using System.ClientModel;
using System.ClientModel.Primitives;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Azure;
using Microsoft.Extensions.AI;

namespace AgentFunctions.OpenAI;

/// <summary>
/// Turns the OpenAI SDK's <see cref="ClientResultException"/>, which the Microsoft.Extensions.AI.OpenAI
/// client lets through, into a <see cref="RequestFailedException"/> whose message names the status
/// and the service's own error message (OpenAI's <c>{"error": {"message", "type", "code"}}</c>, or
/// the looser shapes of compatible servers), with any occurrence of the API key masked. A run that
/// fails on the model ends with that message, so it must be clear and must not leak the key.
/// </summary>
internal sealed class OpenAIServiceErrorChatClient : DelegatingChatClient
{
    private const string Redacted = "[REDACTED]";

    private readonly Uri? _endpoint;
    private readonly string? _secret;

    // The secret (an API key) is redacted from any error message this client raises.
    public OpenAIServiceErrorChatClient(IChatClient innerClient, string? secret)
        : base(innerClient)
    {
        _endpoint = innerClient.GetService<ChatClientMetadata>()?.ProviderUri;
        _secret = string.IsNullOrEmpty(secret) ? null : secret;
    }

    public override async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        try
        {
            return await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        }
        catch (ClientResultException e)
        {
            throw ToRequestFailed(e, _endpoint, _secret);
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var enumerator = base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        await using (enumerator.ConfigureAwait(false))
        {
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
                    throw ToRequestFailed(e, _endpoint, _secret);
                }

                if (!moved)
                {
                    yield break;
                }

                yield return enumerator.Current;
            }
        }
    }

    private static RequestFailedException ToRequestFailed(ClientResultException exception, Uri? endpoint, string? secret)
    {
        var response = exception.GetRawResponse();
        if (response is null)
        {
            // No answer at all: a network failure, whose text names the endpoint but never a header.
            var reason = exception.InnerException?.Message ?? exception.Message;
            return new RequestFailedException(
                0,
                Redact($"The model service at {endpoint} could not be reached: {reason}", secret),
                errorCode: null,
                exception.InnerException);
        }

        var (message, code) = ReadError(response);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"The model service answered {response.Status}");
        if (!string.IsNullOrEmpty(response.ReasonPhrase))
        {
            text.Append(CultureInfo.InvariantCulture, $" ({response.ReasonPhrase})");
        }

        text.Append(": ").Append(message ?? "no error message was given.");
        if (code is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $" [code: {code}]");
        }

        if (response.Headers.TryGetValue("x-request-id", out var requestId) && !string.IsNullOrEmpty(requestId))
        {
            text.Append(CultureInfo.InvariantCulture, $" [request id: {requestId}]");
        }

        // The SDK's own exception repeats the response body; it stays attached only when that
        // body cannot leak the key.
        var inner = secret is not null && exception.Message.Contains(secret, StringComparison.Ordinal) ? null : exception;
        return new RequestFailedException(response.Status, Redact(text.ToString(), secret), code, inner);
    }

    private static (string? Message, string? Code) ReadError(PipelineResponse response)
    {
        BinaryData content;
        try
        {
            content = response.Content;
        }
        catch (InvalidOperationException)
        {
            return (null, null); // The body was not buffered.
        }

        if (content.IsEmpty)
        {
            return (null, null);
        }

        try
        {
            using var document = JsonDocument.Parse(content);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, null);
            }

            if (root.TryGetProperty("error", out var error))
            {
                if (error.ValueKind == JsonValueKind.String)
                {
                    return (error.GetString(), null);
                }

                if (error.ValueKind == JsonValueKind.Object)
                {
                    return (ReadString(error, "message"), ReadString(error, "code") ?? ReadString(error, "type"));
                }
            }

            return (ReadString(root, "message") ?? ReadString(root, "detail"), ReadString(root, "code"));
        }
        catch (JsonException)
        {
            return (Truncate(content.ToString()), null);
        }
    }

    private static string? ReadString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        }
        : null;

    // A body that is not JSON (an HTML error page from a proxy) is shown only in part.
    private static string Truncate(string text) => text.Length <= 500 ? text : string.Concat(text.AsSpan(0, 500), "…");

    private static string Redact(string text, string? secret) =>
        secret is null ? text : text.Replace(secret, Redacted, StringComparison.Ordinal);
}
