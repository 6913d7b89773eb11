using System.Text.RegularExpressions;

namespace AgentFunctions.Mcp;

/// <summary>
/// One MCP tool server a deployment declares (<c>McpServers:NAME:*</c>): where it listens (Streamable HTTP), the
/// headers every request carries (authentication), and how long a tool call may take. Named so as not to be
/// confused with the SDK's own <c>McpServerOptions</c> (the options of a server) and <c>McpClientOptions</c>.
/// </summary>
public sealed partial class McpToolServerOptions
{
    public const string SectionName = "McpServers";

    /// <summary>The longest server name: its tools are exposed as <c>NAME__tool</c>, 64 characters at most.</summary>
    public const int MaxNameLength = 32;

    /// <summary>The default of <see cref="ToolTimeout"/>.</summary>
    public static readonly TimeSpan DefaultToolTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The default of <see cref="ToolListMaxAge"/>.</summary>
    public static readonly TimeSpan DefaultToolListMaxAge = TimeSpan.FromMinutes(5);

    /// <summary>The default of <see cref="ListTimeout"/>.</summary>
    public static readonly TimeSpan DefaultListTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The default of <see cref="ListRetryInterval"/>.</summary>
    public static readonly TimeSpan DefaultListRetryInterval = TimeSpan.FromSeconds(30);

    /// <summary>The server's MCP endpoint (Streamable HTTP), an absolute http or https URL such as <c>https://host/mcp</c>.</summary>
    public Uri? Url { get; set; }

    /// <summary>
    /// Headers sent with every request to the server, such as <c>Authorization: Bearer ...</c> or an API key header.
    /// Their values are never logged.
    /// </summary>
    public IDictionary<string, string> Headers { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The longest time a tool call may take, connecting included when the connection has to be made first. A call
    /// that takes longer answers the model with an error.
    /// </summary>
    public TimeSpan ToolTimeout { get; set; } = DefaultToolTimeout;

    /// <summary>
    /// The longest time reading the tool list may take, connecting included. When it takes longer, a run gets the
    /// tools last read (or none). A run that needs the list waits for it before its first model call, so this is short.
    /// </summary>
    public TimeSpan ListTimeout { get; set; } = DefaultListTimeout;

    /// <summary>
    /// How long the tool list read from the server is used before it is read again. A server that keeps sessions says
    /// when its list changed (<c>notifications/tools/list_changed</c>) and the list is read again then; a stateless
    /// server (the SDK's default since the 2026-07-28 protocol revision) cannot, so this bounds how stale its list gets.
    /// </summary>
    public TimeSpan ToolListMaxAge { get; set; } = DefaultToolListMaxAge;

    /// <summary>
    /// After reading the tool list failed (the server is down, too slow, or refuses), how long runs go on with the tools
    /// last read (or none) before the list is tried again, so that a server that is away does not hold every run for
    /// up to <see cref="ListTimeout"/>. Zero tries again at the next run.
    /// </summary>
    public TimeSpan ListRetryInterval { get; set; } = DefaultListRetryInterval;

    /// <summary>
    /// Whether <paramref name="name"/> can name a server: 1 to <see cref="MaxNameLength"/> letters, digits, '-' and
    /// single '_' between them (never "__", the separator of the exposed tool names, nor a leading or trailing '_').
    /// </summary>
    public static bool IsValidName(string? name) => name is { Length: > 0 and <= MaxNameLength } && ValidName().IsMatch(name);

    /// <summary>
    /// The problems of the server <paramref name="name"/>'s settings, each naming its setting
    /// (<c>McpServers:NAME:Url</c>); empty when there are none.
    /// </summary>
    public static IReadOnlyList<string> Validate(string name, McpToolServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var section = $"{SectionName}:{name}";
        if (!IsValidName(name))
        {
            errors.Add($"{section}: the server name '{name}' must be 1 to {MaxNameLength} letters, digits, '-' or single '_' between them (its tools are named '{name}__TOOL').");
        }

        if (options.Url is null)
        {
            errors.Add($"{section}:Url is required: the server's MCP endpoint, such as https://host/mcp.");
        }
        else if (!options.Url.IsAbsoluteUri || (options.Url.Scheme != Uri.UriSchemeHttp && options.Url.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add($"{section}:Url must be an absolute http or https URL, not '{options.Url.OriginalString}'.");
        }
        else if (!string.IsNullOrEmpty(options.Url.UserInfo))
        {
            errors.Add($"{section}:Url must not carry credentials; put them in {section}:Headers.");
        }

        foreach (var (setting, value) in new[] { (nameof(ToolTimeout), options.ToolTimeout), (nameof(ListTimeout), options.ListTimeout) })
        {
            if (value <= TimeSpan.Zero || value > TimeSpan.FromHours(1))
            {
                errors.Add($"{section}:{setting} must be a positive duration of at most an hour (such as 00:00:30), not {value}.");
            }
        }

        if (options.ToolListMaxAge <= TimeSpan.Zero || options.ToolListMaxAge > TimeSpan.FromDays(1))
        {
            errors.Add($"{section}:ToolListMaxAge must be a positive duration of at most a day (such as 00:05:00), not {options.ToolListMaxAge}.");
        }

        if (options.ListRetryInterval < TimeSpan.Zero || options.ListRetryInterval > TimeSpan.FromHours(1))
        {
            errors.Add($"{section}:ListRetryInterval must be a duration of zero to an hour (such as 00:00:30), not {options.ListRetryInterval}.");
        }

        foreach (var (header, value) in options.Headers)
        {
            if (string.IsNullOrEmpty(header) || !HeaderName().IsMatch(header))
            {
                errors.Add($"{section}:Headers: '{header}' is not a valid HTTP header name.");
            }
            else if (value is null || value.Any(c => c is '\r' or '\n' or '\0'))
            {
                // The value is a secret more often than not: name the header, never show the value.
                errors.Add($"{section}:Headers:{header} must be a single-line value.");
            }
        }

        return errors;
    }

    [GeneratedRegex("^[A-Za-z0-9-]+(?:_[A-Za-z0-9-]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex ValidName();

    // An HTTP token (RFC 9110 5.6.2).
    [GeneratedRegex("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex HeaderName();
}
