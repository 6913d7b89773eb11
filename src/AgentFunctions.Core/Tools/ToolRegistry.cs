using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace AgentFunctions.Core.Tools;

/// <summary>
/// The tools a deployment offers, by name: the built-in <c>calculator</c> plus whatever the
/// deployment adds. Assistants enable tools by name (<see cref="Resolve"/>); the agent loop invokes
/// a model's tool calls through <see cref="InvokeAsync(string, string?, CancellationToken)"/>, which
/// turns every failure except cancellation into an error <see cref="ToolResult"/>.
/// </summary>
public sealed partial class ToolRegistry
{
    /// <summary>The longest error text handed back to a model.</summary>
    public const int MaxErrorLength = 300;

    private readonly ConcurrentDictionary<string, AIFunction> _tools = new(StringComparer.Ordinal);

    /// <summary>A registry holding the built-in tools.</summary>
    public ToolRegistry()
    {
        Add(CalculatorFunction.Instance);
    }

    /// <summary>A registry holding the built-in tools and <paramref name="additionalTools"/>.</summary>
    /// <exception cref="ArgumentException">A name is invalid or already registered.</exception>
    public ToolRegistry(IEnumerable<AIFunction> additionalTools)
        : this()
    {
        ArgumentNullException.ThrowIfNull(additionalTools);
        foreach (var tool in additionalTools)
        {
            Add(tool);
        }
    }

    /// <summary>The registered names, in ordinal order.</summary>
    public IReadOnlyList<string> Names => [.. _tools.Keys.Order(StringComparer.Ordinal)];

    /// <summary>
    /// Registers <paramref name="tool"/>. Names are case-sensitive, 1 to 64 characters of letters,
    /// digits, '_' and '-' (what model APIs accept).
    /// </summary>
    /// <exception cref="ArgumentException">The name is invalid or already registered.</exception>
    public void Add(AIFunction tool)
    {
        ArgumentNullException.ThrowIfNull(tool);
        if (tool.Name is null || !ValidName().IsMatch(tool.Name))
        {
            throw new ArgumentException(
                $"Tool name '{tool.Name}' is invalid: use 1 to 64 letters, digits, '_' or '-'.", nameof(tool));
        }

        if (!_tools.TryAdd(tool.Name, tool))
        {
            throw new ArgumentException($"A tool named '{tool.Name}' is already registered.", nameof(tool));
        }
    }

    /// <summary>Whether <paramref name="name"/> is a valid tool name: 1 to 64 letters, digits, '_' or '-'.</summary>
    public static bool IsValidName(string? name) => name is not null && ValidName().IsMatch(name);

    public bool TryGet(string name, [NotNullWhen(true)] out AIFunction? tool)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _tools.TryGetValue(name, out tool);
    }

    /// <summary>
    /// The tools named by <paramref name="names"/>, in that order, each once; every registered tool (by name)
    /// when <paramref name="names"/> is null.
    /// </summary>
    /// <exception cref="UnknownToolException">Some names are not registered; all of them are listed.</exception>
    public IReadOnlyList<AIFunction> Resolve(IEnumerable<string>? names)
    {
        if (names is null)
        {
            return [.. Names.Select(name => _tools[name])];
        }

        if (!TryResolve(names, out var tools, out var unknown))
        {
            throw new UnknownToolException(unknown, Names);
        }

        return tools;
    }

    /// <summary>
    /// Resolves <paramref name="names"/> like <see cref="Resolve"/>, returning false with the
    /// unknown names instead of throwing.
    /// </summary>
    public bool TryResolve(IEnumerable<string> names, out IReadOnlyList<AIFunction> tools, out IReadOnlyList<string> unknownNames)
    {
        ArgumentNullException.ThrowIfNull(names);
        var found = new List<AIFunction>();
        var unknown = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (name is null || !seen.Add(name))
            {
                continue;
            }

            if (_tools.TryGetValue(name, out var tool))
            {
                found.Add(tool);
            }
            else
            {
                unknown.Add(name);
            }
        }

        tools = unknown.Count == 0 ? found : [];
        unknownNames = unknown;
        return unknown.Count == 0;
    }

    /// <summary>
    /// Invokes the tool <paramref name="name"/> with <paramref name="argumentsJson"/> (a JSON object;
    /// null or blank means no arguments). Never throws for an unknown tool, bad arguments or a failing
    /// tool: those come back as an error result with a short message.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<ToolResult> InvokeAsync(string name, string? argumentsJson, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_tools.TryGetValue(name, out var tool))
        {
            return UnknownTool(name);
        }

        Dictionary<string, object?> arguments;
        try
        {
            arguments = ParseArguments(argumentsJson);
        }
        catch (JsonException ex)
        {
            return ToolResult.Error(Shorten($"Invalid arguments for tool '{name}': {ex.Message}"));
        }

        return await InvokeCoreAsync(tool, arguments, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Invokes the tool call <paramref name="call"/>, as <see cref="InvokeAsync(string, string?, CancellationToken)"/>.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<ToolResult> InvokeAsync(FunctionCallContent call, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_tools.TryGetValue(call.Name, out var tool))
        {
            return UnknownTool(call.Name);
        }

        if (call.Exception is not null)
        {
            return ToolResult.Error(Shorten($"Invalid arguments for tool '{call.Name}': {Describe(call.Exception)}"));
        }

        var arguments = call.Arguments is null
            ? new Dictionary<string, object?>(StringComparer.Ordinal)
            : new Dictionary<string, object?>(call.Arguments, StringComparer.Ordinal);
        return await InvokeCoreAsync(tool, arguments, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Invokes <paramref name="tool"/> (registered here or not, such as a tool source's) with <paramref name="argumentsJson"/>,
    /// as <see cref="InvokeAsync(string, string?, CancellationToken)"/>: a failure comes back as an error result.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task<ToolResult> InvokeAsync(AIFunction tool, string? argumentsJson, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tool);
        cancellationToken.ThrowIfCancellationRequested();
        Dictionary<string, object?> arguments;
        try
        {
            arguments = ParseArguments(argumentsJson);
        }
        catch (JsonException ex)
        {
            return ToolResult.Error(Shorten($"Invalid arguments for tool '{tool.Name}': {ex.Message}"));
        }

        return await InvokeCoreAsync(tool, arguments, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<ToolResult> InvokeCoreAsync(
        AIFunction tool, Dictionary<string, object?> arguments, CancellationToken cancellationToken)
    {
        try
        {
            var result = await tool.InvokeAsync(new AIFunctionArguments(arguments), cancellationToken).ConfigureAwait(false);

            // A tool that reports its own failure as a value (a tool server that is down answers so) is taken at its word.
            return result as ToolResult ?? ToolResult.Success(ResultText(result));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // Any failure of a tool is reported to the model, not thrown at the agent loop.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return ToolResult.Error(Shorten($"Tool '{tool.Name}' failed: {Describe(ex)}"));
        }
    }

    private static Dictionary<string, object?> ParseArguments(string? argumentsJson)
    {
        var arguments = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(argumentsJson))
        {
            return arguments;
        }

        using var document = JsonDocument.Parse(argumentsJson);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("Arguments must be a JSON object.");
        }

        foreach (var property in document.RootElement.EnumerateObject())
        {
            arguments[property.Name] = property.Value.Clone();
        }

        return arguments;
    }

    internal static string ResultText(object? result) => result switch
    {
        null => string.Empty,
        string text => text,
        JsonElement { ValueKind: JsonValueKind.String } element => element.GetString() ?? string.Empty,
        JsonElement element => element.GetRawText(),
        IFormattable formattable => formattable.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => JsonSerializer.Serialize(result, AIJsonUtilities.DefaultOptions.GetTypeInfo(result.GetType())),
    };

    private ToolResult UnknownTool(string name) =>
        ToolResult.Error(Shorten($"Unknown tool '{name}'. Registered tools: {string.Join(", ", Names.Select(n => $"'{n}'"))}."));

    private static string Describe(Exception ex) => $"{ex.GetType().Name}: {ex.Message}";

    // One line, bounded: a tool's exception text goes back to the model, never a stack trace.
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

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex ValidName();
}
