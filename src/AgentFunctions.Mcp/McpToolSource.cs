using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using AgentFunctions.Core.Tools;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace AgentFunctions.Mcp;

/// <summary>
/// The tools of one MCP server, reached over Streamable HTTP with the official client. The source connects on first
/// use, reads the tool list once and keeps it until the server says it changed (<c>notifications/tools/list_changed</c>),
/// the session is replaced, or it is older than <see cref="McpToolServerOptions.ToolListMaxAge"/>; it exposes each tool
/// as <c>SERVER__tool</c>. A tool call is bounded by
/// <see cref="McpToolServerOptions.ToolTimeout"/> and cancelled with the caller's token; a server that is down, fails
/// or is too slow makes the call answer an error <see cref="ToolResult"/> (never an exception), and the next call
/// connects afresh.
/// </summary>
/// <remarks>
/// Why <c>__</c>: model APIs accept tool names of <c>^[a-zA-Z0-9_-]{1,64}$</c> only, so '.', '/' and ':' are out;
/// a single '_' or '-' is common inside both server and tool names (<c>get_forecast</c>), so it would not say where
/// the server name ends. Server names may not contain "__" (<see cref="McpToolServerOptions.IsValidName"/>), so the
/// first "__" of an exposed name always ends the server's name.
/// </remarks>
public sealed class McpToolSource : IToolSource, IAsyncDisposable
{
    /// <summary>Between the server's name and the tool's in an exposed tool name.</summary>
    public const string Separator = "__";

    /// <summary>The longest error text a failed call hands back to the model.</summary>
    public const int MaxErrorLength = ToolRegistry.MaxErrorLength;

    private const int MaxToolNameLength = 64;

    private readonly Uri _url;
    private readonly Dictionary<string, string> _headers;
    private readonly TimeSpan _timeout;
    private readonly TimeSpan _listTimeout;
    private readonly TimeSpan _listMaxAge;
    private readonly TimeSpan _listRetryInterval;
    private readonly HttpClient _http;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);

    private McpClient? _client;
    private IReadOnlyList<AIFunction>? _tools;

    // Bumped by the server's list_changed notification and by every new session; the list is read again when it has
    // moved since the list was read.
    private int _changes;
    private int _listedAt = -1;
    private long _listedTimestamp;

    // When the last listing failed (a Stopwatch timestamp; 0 after a success): until ListRetryInterval has passed since,
    // runs get the tools last read without waiting for the server.
    private long _listFailedTimestamp;
    private bool _disposed;

    /// <summary>A source for the server <paramref name="name"/> declared by <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">The settings are invalid; the message lists every problem.</exception>
    public McpToolSource(string name, McpToolServerOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(options);
        var errors = McpToolServerOptions.Validate(name, options);
        if (errors.Count > 0)
        {
            throw new ArgumentException($"The MCP server '{name}' is declared wrongly: {string.Join(" ", errors)}", nameof(options));
        }

        Name = name;
        _url = options.Url!;
        _headers = new Dictionary<string, string>(options.Headers, StringComparer.OrdinalIgnoreCase);
        _timeout = options.ToolTimeout;
        _listTimeout = options.ListTimeout;
        _listMaxAge = options.ToolListMaxAge;
        _listRetryInterval = options.ListRetryInterval;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<McpToolSource>();

        // One connection pool for the source's life, across sessions; each request is bounded by a timeout of ours
        // (the standalone GET stream of server notifications is long-lived, so the client itself has no timeout).
        _http = new HttpClient(new SocketsHttpHandler
        {
            ConnectTimeout = _timeout < _listTimeout ? _listTimeout : _timeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>The server's name, the prefix of its tools' names.</summary>
    public string Name { get; }

    /// <summary>The bound on each request to the server.</summary>
    public TimeSpan ToolTimeout => _timeout;

    /// <summary>The name under which the server's tool <paramref name="toolName"/> is exposed: <c>SERVER__tool</c>.</summary>
    public string ExposedName(string toolName) => Name + Separator + toolName;

    /// <summary>
    /// The server's tools, named <c>SERVER__tool</c>: the cached list, read again first when the server said it
    /// changed. When the server cannot be reached, the last list read (or none) and a warning in the log; the calls of
    /// those tools then answer errors until the server is back.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async ValueTask<IReadOnlyList<AIFunction>> GetToolsAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var tools = Volatile.Read(ref _tools);
        if (tools is not null && IsCurrent())
        {
            return tools;
        }

        if (IsWaitingToRetry())
        {
            return tools ?? [];
        }

        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(_listTimeout);
        McpClient? client = null;
        var entered = false;
        try
        {
            await _gate.WaitAsync(bounded.Token).ConfigureAwait(false);
            entered = true;
            tools = _tools;
            if (tools is not null && IsCurrent())
            {
                return tools;
            }

            if (IsWaitingToRetry())
            {
                return tools ?? []; // the run before this one, waited for, found the server away
            }

            client = await ConnectLockedAsync(bounded.Token).ConfigureAwait(false);
            var listedAt = Volatile.Read(ref _changes);
            var listed = await client.ListToolsAsync(cancellationToken: bounded.Token).ConfigureAwait(false);
            tools = Expose(listed);
            Volatile.Write(ref _listedTimestamp, Stopwatch.GetTimestamp());
            Volatile.Write(ref _tools, tools);
            Volatile.Write(ref _listedAt, listedAt);
            Volatile.Write(ref _listFailedTimestamp, 0);
            _logger.McpToolsListed(Name, tools.Count);
            return tools;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // A server that is away leaves the run with the tools last known, not a failed run.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _logger.McpToolListFailed(Name, Describe(ex, bounded.IsCancellationRequested), _listRetryInterval.TotalSeconds);
            Volatile.Write(ref _listFailedTimestamp, Stopwatch.GetTimestamp());
            if (client is not null)
            {
                DropLocked(client);
            }

            return _tools ?? [];
        }
        finally
        {
            if (entered)
            {
                _gate.Release();
            }
        }
    }

    /// <summary>
    /// Calls the server's tool <paramref name="toolName"/> (exposed as <paramref name="exposedName"/>): its text on
    /// success, an error <see cref="ToolResult"/> when the tool reports an error, the server is down or fails, or the
    /// call outlasts <see cref="ToolTimeout"/>.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    internal async ValueTask<object?> CallToolAsync(
        string toolName, string exposedName, IReadOnlyDictionary<string, object?> arguments, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(_timeout);
        McpClient? client = null;
        try
        {
            client = await GetClientAsync(bounded.Token).ConfigureAwait(false);
            var result = await client.CallToolAsync(toolName, arguments, cancellationToken: bounded.Token).ConfigureAwait(false);
            var text = ResultText(result);
            return result.IsError == true ? ToolResult.Error(Shorten(text.Length == 0 ? $"Tool '{exposedName}' failed." : text)) : text;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException) when (bounded.IsCancellationRequested)
        {
            _logger.McpCallTimedOut(Name, exposedName, _timeout.TotalSeconds);
            await DropAsync(client).ConfigureAwait(false);
            return ToolResult.Error(Shorten(
                $"Tool '{exposedName}' did not answer within {_timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s (MCP server '{Name}')."));
        }
        catch (McpProtocolException ex)
        {
            // The server answered (an unknown tool, invalid arguments, its internal error): the session is fine.
            _logger.McpCallFailed(Name, exposedName, Describe(ex, timedOut: false));
            return ToolResult.Error(Shorten($"Tool '{exposedName}' failed: {ex.Message}"));
        }
#pragma warning disable CA1031 // Any failure to reach the server is reported to the model, not thrown at the agent loop.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _logger.McpCallFailed(Name, exposedName, Describe(ex, timedOut: false));
            await DropAsync(client).ConfigureAwait(false);
            return ToolResult.Error($"Tool '{exposedName}' is unavailable: MCP server '{Name}' could not be reached ({Category(ex)}).");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        var client = Interlocked.Exchange(ref _client, null);
        if (client is not null)
        {
            await DisposeQuietlyAsync(client).ConfigureAwait(false);
        }

        _http.Dispose();
        _gate.Dispose();
    }

    // The last listing failed less than ListRetryInterval ago: runs go on with the tools last read, without waiting for the server.
    private bool IsWaitingToRetry()
        => Volatile.Read(ref _listFailedTimestamp) is var failed and not 0 && Stopwatch.GetElapsedTime(failed) < _listRetryInterval;

    // The list read is still the server's: no change said since, and not older than ToolListMaxAge.
    private bool IsCurrent() =>
        Volatile.Read(ref _listedAt) == Volatile.Read(ref _changes)
        && Stopwatch.GetElapsedTime(Volatile.Read(ref _listedTimestamp)) < _listMaxAge;

    private async ValueTask<McpClient> GetClientAsync(CancellationToken cancellationToken)
    {
        var client = Volatile.Read(ref _client);
        if (client is not null && !client.Completion.IsCompleted)
        {
            return client;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await ConnectLockedAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    // Under _gate: the current session, or a new one when there is none or it ended.
    private async ValueTask<McpClient> ConnectLockedAsync(CancellationToken cancellationToken)
    {
        var client = _client;
        if (client is not null && !client.Completion.IsCompleted)
        {
            return client;
        }

        if (client is not null)
        {
            DropLocked(client);
        }

        var transport = new HttpClientTransport(
            new HttpClientTransportOptions
            {
                Endpoint = _url,
                Name = Name,
                TransportMode = HttpTransportMode.StreamableHttp,
                AdditionalHeaders = _headers,
                ConnectionTimeout = _timeout < _listTimeout ? _listTimeout : _timeout,
            },
            _http,
            _loggerFactory,
            ownsHttpClient: false);
        var options = new McpClientOptions
        {
            ClientInfo = new Implementation { Name = "AgentFunctions", Version = typeof(McpToolSource).Assembly.GetName().Version?.ToString() ?? "1.0.0" },
            InitializationTimeout = _timeout < _listTimeout ? _listTimeout : _timeout,
            Handlers = new McpClientHandlers
            {
                NotificationHandlers =
                [
                    new(NotificationMethods.ToolListChangedNotification, OnToolListChanged),
                ],
            },
        };
        client = await McpClient.CreateAsync(transport, options, _loggerFactory, cancellationToken).ConfigureAwait(false);

        // A new session may serve another tool list (the server restarted, perhaps upgraded): read it again.
        Interlocked.Increment(ref _changes);
        Volatile.Write(ref _client, client);
        _logger.McpServerConnected(Name, client.ServerInfo?.Name, client.NegotiatedProtocolVersion);
        return client;
    }

    private ValueTask OnToolListChanged(JsonRpcNotification notification, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _changes);
        _logger.McpToolListChanged(Name);
        return ValueTask.CompletedTask;
    }

    // After a failure: forget the session (if it is still the current one) so that the next call connects afresh.
    private async ValueTask DropAsync(McpClient? client)
    {
        if (client is not null && Interlocked.CompareExchange(ref _client, null, client) == client)
        {
            await DisposeQuietlyAsync(client).ConfigureAwait(false);
        }
    }

    private void DropLocked(McpClient client)
    {
        if (Interlocked.CompareExchange(ref _client, null, client) == client)
        {
            _ = DisposeQuietlyAsync(client).AsTask();
        }
    }

    private async ValueTask DisposeQuietlyAsync(McpClient client)
    {
        try
        {
            // Ending a session sends a DELETE to a server that may be gone: do not let it hold the caller up.
            await client.DisposeAsync().AsTask().WaitAsync(_timeout).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Closing a broken session can fail in any way; the session is abandoned either way.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _logger.McpSessionCloseFailed(Name, ex);
        }
    }

    private List<AIFunction> Expose(IList<McpClientTool> listed)
    {
        var tools = new List<AIFunction>(listed.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tool in listed)
        {
            var protocolName = tool.ProtocolTool.Name;
            var exposed = ExposedName(protocolName);
            if (exposed.Length > MaxToolNameLength || !protocolName.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-') || !seen.Add(exposed))
            {
                _logger.McpToolSkipped(Name, protocolName);
                continue;
            }

            tools.Add(new McpToolFunction(this, tool, exposed));
        }

        return tools;
    }

    private static string ResultText(CallToolResult result)
    {
        var text = new StringBuilder();
        foreach (var block in result.Content)
        {
            if (text.Length > 0)
            {
                text.Append('\n');
            }

            text.Append(block is TextContentBlock textBlock
                ? textBlock.Text
                : JsonSerializer.Serialize(block, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(ContentBlock))));
        }

        if (text.Length == 0 && result.StructuredContent is { } structured)
        {
            text.Append(structured.GetRawText());
        }

        return text.ToString();
    }

    private static string Describe(Exception ex, bool timedOut) => timedOut
        ? "timed out"
        : ex switch
        {
            HttpRequestException { StatusCode: { } status } => $"HTTP {(int)status}",
            HttpRequestException { InnerException: { } inner } => inner.Message,
            _ => $"{ex.GetType().Name}: {ex.Message}",
        };

    // What the model (and the API's caller, who reads the tool message) is told of a failure to reach the server: its
    // kind, never the exception's text, which may name internal addresses. The log has the details.
    private static string Category(Exception ex) => ex switch
    {
        HttpRequestException { StatusCode: { } status } => $"HTTP {(int)status}",
        HttpRequestException { HttpRequestError: not HttpRequestError.Unknown } http => http.HttpRequestError switch
        {
            HttpRequestError.ConnectionError => "connection refused or lost",
            HttpRequestError.NameResolutionError => "its name did not resolve",
            HttpRequestError.SecureConnectionError => "TLS failed",
            var other => other.ToString(),
        },
        McpException => "the MCP session failed",
        _ => ex.GetType().Name,
    };

    // One line, bounded: text from a server or an exception goes back to the model, never a stack trace.
    private static string Shorten(string text)
    {
        var builder = new StringBuilder(Math.Min(text.Length, MaxErrorLength));
        foreach (var c in text)
        {
            if (builder.Length == MaxErrorLength)
            {
                builder.Length = MaxErrorLength - 1;
                builder.Append('…');
                break;
            }

            builder.Append(char.IsControl(c) ? ' ' : c);
        }

        return builder.ToString();
    }
}
