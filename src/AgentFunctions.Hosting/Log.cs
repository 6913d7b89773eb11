using Microsoft.Extensions.Logging;

namespace AgentFunctions.Hosting;

/// <summary>
/// The assembly's source-generated logs, in one place and in event id order, so that an id is chosen in sight of
/// every other: ILogger extension methods, so that a call reads <c>logger.CronSweepFailed(...)</c>.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 724, Level = LogLevel.Error, Message = "The cron sweep failed; the next one carries on")]
    public static partial void CronSweepFailed(this ILogger logger, Exception exception);
}
