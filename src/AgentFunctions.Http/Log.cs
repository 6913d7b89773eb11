using Microsoft.Extensions.Logging;

namespace AgentFunctions.Http;

/// <summary>
/// The assembly's source-generated logs, in one place and in event id order, so that an id is chosen in sight of
/// every other: ILogger extension methods, so that a call reads <c>logger.RequestFailed(...)</c>.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 500, Level = LogLevel.Error, Message = "Request {Method} {Path} failed")]
    public static partial void RequestFailed(this ILogger logger, string method, string path, Exception exception);

    [LoggerMessage(EventId = 510, Level = LogLevel.Error, Message = "A run's event stream failed; the client got a generic error event")]
    public static partial void EventStreamFailed(this ILogger logger, Exception exception);

    [LoggerMessage(EventId = 524, Level = LogLevel.Warning, Message = "The temporary thread {ThreadId} of a stateless run with a webhook could not be given its expiry; retention keeps it")]
    public static partial void TemporaryThreadNotExpired(this ILogger logger, string threadId, Exception exception);

    [LoggerMessage(EventId = 530, Level = LogLevel.Debug, Message = "A JSON array response stopped after {Items} items: the client went away")]
    public static partial void JsonArrayClientLeft(this ILogger logger, long items);

    [LoggerMessage(EventId = 531, Level = LogLevel.Error, Message = "A JSON array response failed after {Items} items; the connection was cut")]
    public static partial void JsonArrayWriteFailed(this ILogger logger, long items, Exception exception);

    [LoggerMessage(EventId = 540, Level = LogLevel.Debug, Message = "A history stream stopped after {Lines} lines: the client went away")]
    public static partial void HistoryStreamClientLeft(this ILogger logger, long lines);

    [LoggerMessage(EventId = 541, Level = LogLevel.Error, Message = "A history stream failed after {Lines} lines; the connection was cut")]
    public static partial void HistoryStreamFailed(this ILogger logger, long lines, Exception exception);

    [LoggerMessage(EventId = 701, Level = LogLevel.Information, Message = "The webhook of run {RunId} was delivered (attempt {Attempt})")]
    public static partial void WebhookDelivered(this ILogger logger, string runId, int attempt);

    [LoggerMessage(EventId = 702, Level = LogLevel.Warning, Message = "The webhook of run {RunId} failed (attempt {Attempt}: {Failure}); trying again in {Delay}")]
    public static partial void WebhookRetrying(this ILogger logger, string runId, int attempt, string failure, TimeSpan delay);

    [LoggerMessage(EventId = 703, Level = LogLevel.Error, Message = "The webhook of run {RunId} was given up after {Attempt} attempts (last: {Failure})")]
    public static partial void WebhookAbandoned(this ILogger logger, string runId, int attempt, string failure);

    [LoggerMessage(EventId = 704, Level = LogLevel.Information, Message = "The webhook of run {RunId} was not delivered: the run was deleted")]
    public static partial void WebhookRunGone(this ILogger logger, string runId);
}
