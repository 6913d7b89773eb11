using Microsoft.Extensions.Logging;

namespace AgentFunctions.Mcp;

/// <summary>
/// The assembly's source-generated logs, in one place and in event id order, so that an id is chosen in sight of
/// every other: ILogger extension methods, so that a call reads <c>logger.McpServerConnected(...)</c>.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 600, Level = LogLevel.Information, Message = "MCP server {Server} connected: {ServerName}, protocol {ProtocolVersion}")]
    public static partial void McpServerConnected(this ILogger logger, string server, string? serverName, string? protocolVersion);

    [LoggerMessage(EventId = 601, Level = LogLevel.Debug, Message = "MCP server {Server}: {Count} tools listed")]
    public static partial void McpToolsListed(this ILogger logger, string server, int count);

    [LoggerMessage(EventId = 602, Level = LogLevel.Warning, Message = "MCP server {Server}: its tool {Tool} is not offered, its name is not one a model accepts once prefixed (letters, digits, '_', '-', 64 at most) or is listed twice")]
    public static partial void McpToolSkipped(this ILogger logger, string server, string tool);

    [LoggerMessage(EventId = 603, Level = LogLevel.Warning, Message = "MCP server {Server}: its tool list could not be read ({Reason}); runs go on with the tools last read (or none), and the list is tried again in {RetrySeconds} s")]
    public static partial void McpToolListFailed(this ILogger logger, string server, string reason, double retrySeconds);

    [LoggerMessage(EventId = 604, Level = LogLevel.Warning, Message = "MCP server {Server}: the call of {Tool} failed ({Reason}); the model is told")]
    public static partial void McpCallFailed(this ILogger logger, string server, string tool, string reason);

    [LoggerMessage(EventId = 605, Level = LogLevel.Warning, Message = "MCP server {Server}: the call of {Tool} did not answer within {Seconds} s; the model is told")]
    public static partial void McpCallTimedOut(this ILogger logger, string server, string tool, double seconds);

    [LoggerMessage(EventId = 606, Level = LogLevel.Debug, Message = "MCP server {Server}: its tool list changed")]
    public static partial void McpToolListChanged(this ILogger logger, string server);

    [LoggerMessage(EventId = 607, Level = LogLevel.Debug, Message = "MCP server {Server}: closing a session failed")]
    public static partial void McpSessionCloseFailed(this ILogger logger, string server, Exception exception);
}
