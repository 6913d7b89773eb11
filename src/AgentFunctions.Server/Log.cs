namespace AgentFunctions.Server;

/// <summary>
/// The assembly's source-generated logs, in one place and in event id order, so that an id is chosen in sight of
/// every other: ILogger extension methods, so that a call reads <c>logger.NoAuthentication(...)</c>.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Auth:Mode is None: every request acts as one local user. Set Auth:Mode to Jwt, ApiKey or EasyAuth before exposing this server.")]
    public static partial void NoAuthentication(this ILogger logger);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Browsers on any origin may call this local server (loopback only, Auth:Mode None). Set Http:CorsOrigins to choose origins; a server reachable from other machines allows none unless told.")]
    public static partial void LocalBrowsersAllowed(this ILogger logger);
}
