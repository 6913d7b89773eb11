using System.Globalization;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace AgentFunctions.Storage.Queues;

/// <summary>
/// One queue of the Queue service. Get it from <see cref="QueueServiceClient.GetQueueClient"/>; it
/// shares that client's pipeline. Message bodies travel Base64-encoded in the message text, as the
/// Azure Functions queue trigger expects them.
/// </summary>
public class QueueClient
{
    /// <summary>The time-to-live of a message that never expires (sent as -1).</summary>
    public static readonly TimeSpan MessageNeverExpires = TimeSpan.FromSeconds(-1);

    private const string ErrorCodeHeader = "x-ms-error-code";
    private const string MetadataPrefix = "x-ms-meta-";

    private static readonly StatusCodeClassifier CreateClassifier = new([201, 204, 409]);
    private static readonly StatusCodeClassifier DeleteClassifier = new([204, 404]);

    private readonly HttpPipeline _pipeline;

    internal QueueClient(Uri queueUri, string name, HttpPipeline pipeline)
    {
        Uri = queueUri;
        Name = name;
        _pipeline = pipeline;
    }

    /// <summary>For mocking.</summary>
    protected QueueClient()
    {
        Uri = null!;
        Name = null!;
        _pipeline = null!;
    }

    /// <summary>The queue's name.</summary>
    public virtual string Name { get; }

    /// <summary>The queue's URI.</summary>
    public virtual Uri Uri { get; }

    internal HttpPipeline Pipeline => _pipeline;

    /// <summary>Creates the queue unless it exists.</summary>
    /// <param name="metadata">Metadata of a queue this call creates (names are C# identifiers, values ASCII); an existing queue's metadata is left as it is.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>True when this call created the queue, false when it already existed.</returns>
    public virtual async Task<Response<bool>> CreateIfNotExistsAsync(IDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        using var message = CreateMessage(RequestMethod.Put, path: null);
        message.ResponseClassifier = CreateClassifier;
        if (metadata is not null)
        {
            foreach (var (name, value) in metadata)
            {
                ValidateMetadata(name, value, nameof(metadata));
                message.Request.Headers.SetValue(MetadataPrefix + name, value);
            }
        }

        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        var response = message.Response;
        return response.Status switch
        {
            201 => Response.FromValue(true, response),
            204 => Response.FromValue(false, response), // exists, with the same metadata
            409 when ErrorCode(response) == "QueueAlreadyExists" => Response.FromValue(false, response), // exists, other metadata
            _ => throw new RequestFailedException(response),
        };
    }

    /// <summary>Deletes the queue and its messages, if it exists.</summary>
    /// <returns>True when this call deleted the queue, false when there was none.</returns>
    public virtual async Task<Response<bool>> DeleteIfExistsAsync(CancellationToken cancellationToken = default)
    {
        using var message = CreateMessage(RequestMethod.Delete, path: null);
        message.ResponseClassifier = DeleteClassifier;
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        var response = message.Response;
        return response.Status switch
        {
            204 => Response.FromValue(true, response),
            404 when ErrorCode(response) == "QueueNotFound" => Response.FromValue(false, response),
            _ => throw new RequestFailedException(response),
        };
    }

    /// <summary>Reads the queue's approximate message count and metadata.</summary>
    /// <exception cref="RequestFailedException">The queue does not exist (404, <c>QueueNotFound</c>), or another failure.</exception>
    public virtual async Task<Response<QueueProperties>> GetPropertiesAsync(CancellationToken cancellationToken = default)
    {
        using var message = CreateMessage(RequestMethod.Get, path: null);
        message.Request.Uri.AppendQuery("comp", "metadata");
        var response = await SendAsync(message, 200, cancellationToken).ConfigureAwait(false);

        var count = response.Headers.TryGetValue("x-ms-approximate-messages-count", out var countText)
            && long.TryParse(countText, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
                ? parsed
                : throw QueueXml.Unexpected(response, "an x-ms-approximate-messages-count header");
        var metadata = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in response.Headers)
        {
            if (header.Name.StartsWith(MetadataPrefix, StringComparison.OrdinalIgnoreCase))
            {
                metadata[header.Name[MetadataPrefix.Length..]] = header.Value;
            }
        }

        return Response.FromValue(new QueueProperties(count, metadata), response);
    }

    /// <summary>Puts a message on the queue, its body Base64-encoded in the message text.</summary>
    /// <param name="body">The body; at most 48 KiB, which is 64 KiB once encoded.</param>
    /// <param name="visibilityDelay">How long the message stays invisible, 0 seconds (the default) to 7 days, and less than <paramref name="timeToLive"/>.</param>
    /// <param name="timeToLive">How long the message lives: at least 1 second, or <see cref="MessageNeverExpires"/>; the service's default is 7 days.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="ArgumentException">The body is too large, or a time is out of range; nothing was sent.</exception>
    /// <exception cref="RequestFailedException">The service refused the message (e.g. 404 <c>QueueNotFound</c>).</exception>
    public virtual async Task<Response<SendReceipt>> SendMessageAsync(
        BinaryData body, TimeSpan? visibilityDelay = null, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default)
    {
        var text = QueueLimits.EncodeBody(body, nameof(body));
        int? delaySeconds = visibilityDelay is { } delay ? QueueLimits.VisibilitySeconds(delay, TimeSpan.Zero, nameof(visibilityDelay)) : null;
        int? ttlSeconds = timeToLive is { } ttl ? QueueLimits.TimeToLiveSeconds(ttl, nameof(timeToLive)) : null;
        var effectiveTtl = ttlSeconds ?? (int)TimeSpan.FromDays(7).TotalSeconds;
        if (delaySeconds is { } d && effectiveTtl != -1 && d >= effectiveTtl)
        {
            throw new ArgumentOutOfRangeException(
                nameof(visibilityDelay), visibilityDelay, "A message's visibility delay must be shorter than its time-to-live (7 days unless given).");
        }

        using var message = CreateMessage(RequestMethod.Post, "messages");
        if (delaySeconds is { } seconds)
        {
            message.Request.Uri.AppendQuery("visibilitytimeout", seconds.ToString(CultureInfo.InvariantCulture));
        }

        if (ttlSeconds is { } ttlValue)
        {
            message.Request.Uri.AppendQuery("messagettl", ttlValue.ToString(CultureInfo.InvariantCulture));
        }

        SetXmlContent(message.Request, text);
        var response = await SendAsync(message, 201, cancellationToken).ConfigureAwait(false);
        var fields = QueueXml.ReadMessageList(response) is [var single] ? single : throw QueueXml.Unexpected(response, "exactly one QueueMessage");
        return Response.FromValue(
            new SendReceipt(
                QueueXml.Required(fields, "MessageId", response),
                QueueXml.Required(fields, "PopReceipt", response),
                QueueXml.RequiredTime(fields, "InsertionTime", response),
                QueueXml.RequiredTime(fields, "ExpirationTime", response),
                QueueXml.RequiredTime(fields, "TimeNextVisible", response)),
            response);
    }

    /// <summary>Puts a text message on the queue: its UTF-8 bytes, Base64-encoded.</summary>
    /// <inheritdoc cref="SendMessageAsync(BinaryData, TimeSpan?, TimeSpan?, CancellationToken)"/>
    public virtual Task<Response<SendReceipt>> SendMessageAsync(
        string messageText, TimeSpan? visibilityDelay = null, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messageText);
        return SendMessageAsync(BinaryData.FromString(messageText), visibilityDelay, timeToLive, cancellationToken);
    }

    /// <summary>Receives up to <paramref name="maxMessages"/> visible messages and hides them for <paramref name="visibilityTimeout"/>.</summary>
    /// <param name="maxMessages">1 to 32.</param>
    /// <param name="visibilityTimeout">1 second to 7 days; the service's default is 30 seconds.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The messages, none when no message is visible.</returns>
    public virtual async Task<Response<IReadOnlyList<QueueMessage>>> ReceiveMessagesAsync(
        int maxMessages = 1, TimeSpan? visibilityTimeout = null, CancellationToken cancellationToken = default)
    {
        QueueLimits.ValidateMaxMessages(maxMessages, nameof(maxMessages));
        int? timeoutSeconds = visibilityTimeout is { } timeout
            ? QueueLimits.VisibilitySeconds(timeout, TimeSpan.FromSeconds(1), nameof(visibilityTimeout))
            : null;

        using var message = CreateMessage(RequestMethod.Get, "messages");
        message.Request.Uri.AppendQuery("numofmessages", maxMessages.ToString(CultureInfo.InvariantCulture));
        if (timeoutSeconds is { } seconds)
        {
            message.Request.Uri.AppendQuery("visibilitytimeout", seconds.ToString(CultureInfo.InvariantCulture));
        }

        var response = await SendAsync(message, 200, cancellationToken).ConfigureAwait(false);
        var messages = QueueXml.ReadMessageList(response).Select(fields =>
        {
            var text = QueueXml.Required(fields, "MessageText", response);
            return new QueueMessage(
                QueueXml.Required(fields, "MessageId", response),
                QueueXml.Required(fields, "PopReceipt", response),
                text,
                QueueXml.DecodeBody(text),
                QueueXml.RequiredLong(fields, "DequeueCount", response),
                QueueXml.RequiredTime(fields, "InsertionTime", response),
                QueueXml.RequiredTime(fields, "ExpirationTime", response),
                QueueXml.RequiredTime(fields, "TimeNextVisible", response));
        }).ToList();
        return Response.FromValue<IReadOnlyList<QueueMessage>>(messages, response);
    }

    /// <summary>Reads up to <paramref name="maxMessages"/> visible messages without receiving them: they stay visible and their dequeue count is unchanged.</summary>
    /// <param name="maxMessages">1 to 32.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public virtual async Task<Response<IReadOnlyList<PeekedMessage>>> PeekMessagesAsync(int maxMessages = 1, CancellationToken cancellationToken = default)
    {
        QueueLimits.ValidateMaxMessages(maxMessages, nameof(maxMessages));

        using var message = CreateMessage(RequestMethod.Get, "messages");
        message.Request.Uri.AppendQuery("peekonly", "true");
        message.Request.Uri.AppendQuery("numofmessages", maxMessages.ToString(CultureInfo.InvariantCulture));
        var response = await SendAsync(message, 200, cancellationToken).ConfigureAwait(false);
        var messages = QueueXml.ReadMessageList(response).Select(fields =>
        {
            var text = QueueXml.Required(fields, "MessageText", response);
            return new PeekedMessage(
                QueueXml.Required(fields, "MessageId", response),
                text,
                QueueXml.DecodeBody(text),
                QueueXml.RequiredLong(fields, "DequeueCount", response),
                QueueXml.RequiredTime(fields, "InsertionTime", response),
                QueueXml.RequiredTime(fields, "ExpirationTime", response));
        }).ToList();
        return Response.FromValue<IReadOnlyList<PeekedMessage>>(messages, response);
    }

    /// <summary>Changes a received message's visibility timeout and, when <paramref name="body"/> is given, its body.</summary>
    /// <param name="messageId">The message's id.</param>
    /// <param name="popReceipt">The pop receipt from the receive or the last update; it stops being valid once this call succeeds.</param>
    /// <param name="visibilityTimeout">How long from now the message stays invisible, 0 seconds to 7 days.</param>
    /// <param name="body">The new body, or null to keep the current one.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The new pop receipt and when the message becomes visible.</returns>
    /// <exception cref="RequestFailedException">
    /// The pop receipt is stale (400 <c>PopReceiptMismatch</c>), or the message is gone (404 <c>MessageNotFound</c>).
    /// </exception>
    public virtual async Task<Response<UpdateReceipt>> UpdateMessageAsync(
        string messageId, string popReceipt, TimeSpan visibilityTimeout, BinaryData? body = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        ArgumentException.ThrowIfNullOrEmpty(popReceipt);
        var seconds = QueueLimits.VisibilitySeconds(visibilityTimeout, TimeSpan.Zero, nameof(visibilityTimeout));
        var text = body is null ? null : QueueLimits.EncodeBody(body, nameof(body));

        using var message = CreateMessage(RequestMethod.Put, "messages", messageId);
        message.Request.Uri.AppendQuery("popreceipt", popReceipt);
        message.Request.Uri.AppendQuery("visibilitytimeout", seconds.ToString(CultureInfo.InvariantCulture));
        if (text is not null)
        {
            SetXmlContent(message.Request, text);
        }

        var response = await SendAsync(message, 204, cancellationToken).ConfigureAwait(false);
        var newReceipt = response.Headers.TryGetValue("x-ms-popreceipt", out var receipt)
            ? receipt
            : throw QueueXml.Unexpected(response, "an x-ms-popreceipt header");
        var nextVisible = response.Headers.TryGetValue("x-ms-time-next-visible", out var nextText) && QueueXml.ParseTime(nextText) is { } time
            ? time
            : throw QueueXml.Unexpected(response, "an x-ms-time-next-visible header");
        return Response.FromValue(new UpdateReceipt(newReceipt, nextVisible), response);
    }

    /// <summary>Deletes a received message.</summary>
    /// <param name="messageId">The message's id.</param>
    /// <param name="popReceipt">The pop receipt from the receive or the last update.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="RequestFailedException">
    /// The pop receipt is stale (400 <c>PopReceiptMismatch</c>), or the message is gone (404 <c>MessageNotFound</c>).
    /// </exception>
    public virtual async Task<Response> DeleteMessageAsync(string messageId, string popReceipt, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        ArgumentException.ThrowIfNullOrEmpty(popReceipt);

        using var message = CreateMessage(RequestMethod.Delete, "messages", messageId);
        message.Request.Uri.AppendQuery("popreceipt", popReceipt);
        return await SendAsync(message, 204, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes every message of the queue.</summary>
    public virtual async Task<Response> ClearMessagesAsync(CancellationToken cancellationToken = default)
    {
        using var message = CreateMessage(RequestMethod.Delete, "messages");
        return await SendAsync(message, 204, cancellationToken).ConfigureAwait(false);
    }

    private HttpMessage CreateMessage(RequestMethod method, string? path, string? messageId = null)
    {
        var message = _pipeline.CreateMessage();
        StoragePipeline.SetResource(message, Name);
        var request = message.Request;
        request.Method = method;
        request.Uri.Reset(Uri);
        if (path is not null)
        {
            request.Uri.AppendPath("/" + path, escape: false);
        }

        if (messageId is not null)
        {
            request.Uri.AppendPath("/", escape: false);
            request.Uri.AppendPath(messageId, escape: true);
        }

        return message;
    }

    private async Task<Response> SendAsync(HttpMessage message, int expectedStatus, CancellationToken cancellationToken)
    {
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return message.Response.Status == expectedStatus ? message.Response : throw new RequestFailedException(message.Response);
    }

    private static void SetXmlContent(Request request, string messageText)
    {
        request.Headers.SetValue(HttpHeader.Names.ContentType, "application/xml; charset=utf-8");
        request.Content = QueueXml.MessageBody(messageText);
    }

    private static string? ErrorCode(Response response)
        => response.Headers.TryGetValue(ErrorCodeHeader, out var code) ? code : null;

    private static void ValidateMetadata(string name, string value, string paramName)
    {
        if (string.IsNullOrEmpty(name) || !(char.IsAsciiLetter(name[0]) || name[0] == '_') || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            throw new ArgumentException($"A metadata name is a C# identifier (ASCII letters, digits, '_', not starting with a digit): '{name}'.", paramName);
        }

        if (value is null || !value.All(c => c is >= ' ' and <= '~'))
        {
            throw new ArgumentException($"The value of metadata '{name}' must be printable ASCII (it travels as an HTTP header).", paramName);
        }
    }
}
