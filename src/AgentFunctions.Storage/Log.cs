using Microsoft.Extensions.Logging;

namespace AgentFunctions.Storage;

/// <summary>
/// The assembly's source-generated logs, in one place and in event id order, so that an id is chosen in sight of
/// every other: ILogger extension methods, so that a call reads <c>logger.ReceiveFailed(...)</c>.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Warning, Message = "Receiving from queue {Queue} failed; retrying")]
    public static partial void ReceiveFailed(this ILogger logger, string queue, Exception exception);

    [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "Handling message {MessageId} of queue {Queue} failed (delivery {DequeueCount})")]
    public static partial void HandlerFailed(this ILogger logger, string queue, string messageId, long dequeueCount, Exception exception);

    [LoggerMessage(EventId = 302, Level = LogLevel.Error, Message = "Message {MessageId} of queue {Queue} moved to the poison queue after {DequeueCount} deliveries: {Reason}")]
    public static partial void MessagePoisoned(this ILogger logger, string queue, string messageId, long dequeueCount, string reason);

    [LoggerMessage(EventId = 303, Level = LogLevel.Warning, Message = "Renewing the visibility of message {MessageId} of queue {Queue} failed; it may be delivered again")]
    public static partial void RenewFailed(this ILogger logger, string queue, string messageId, Exception exception);

    [LoggerMessage(EventId = 304, Level = LogLevel.Error, Message = "Message {MessageId} of queue {Queue} moved to the poison queue at delivery {DequeueCount}: its text is not Base64")]
    public static partial void MessageNotBase64(this ILogger logger, string queue, string messageId, long dequeueCount);
}
