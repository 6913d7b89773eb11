using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using AgentFunctions.Core.Tools;
using Microsoft.Extensions.AI;

namespace AgentFunctions.Core.Models;

/// <summary>
/// A deterministic, key-less chat model for local runs and tests. It reads the conversation and:
/// <list type="bullet">
/// <item>after a tool result, streams <c>The answer is &lt;result&gt;.</c> word by word;</item>
/// <item>when the last user message contains <c>calc:&lt;expr&gt;</c>, calls the <c>calculator</c>
/// tool with the rest of that line;</item>
/// <item>when it contains <c>tool:&lt;name&gt; &lt;json object&gt;</c>, calls the tool <c>name</c> with those
/// arguments (the rest of that line; none when it is blank), whatever tools it was offered;</item>
/// <item>otherwise streams N lorem-ipsum words, N from a <c>tokens=N</c> directive or the default.</item>
/// </list>
/// A <c>delay_ms=N</c> directive waits N milliseconds before each streamed token. The same input
/// always produces the same updates, ids included.
/// </summary>
public sealed partial class OfflineChatClient : IChatClient
{
    public const string ProviderName = "offline";
    public const string ModelId = "offline";

    private const string CalcDirective = "calc:";
    private const string ToolDirective = "tool:";

    private static readonly string[] LoremWords =
        "Lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua"
            .Split(' ');

    private static readonly ChatClientMetadata Metadata = new(ProviderName, providerUri: null, defaultModelId: ModelId);

    private readonly int _defaultTokens;
    private readonly int _maxTokens;
    private readonly int _maxDelayMilliseconds;

    public OfflineChatClient()
        : this(new OfflineChatClientOptions())
    {
    }

    /// <exception cref="ArgumentOutOfRangeException">The options are out of range.</exception>
    public OfflineChatClient(OfflineChatClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _defaultTokens = options.DefaultTokens;
        _maxTokens = options.MaxTokens;
        _maxDelayMilliseconds = options.MaxDelayMilliseconds;
    }

    public async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return await StreamAsync([.. messages], cancellationToken).ToChatResponseAsync(cancellationToken).ConfigureAwait(false);
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return StreamAsync([.. messages], cancellationToken);
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(ChatClientMetadata))
        {
            return Metadata;
        }

        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    public void Dispose()
    {
        // Nothing to release.
    }

    private async IAsyncEnumerable<ChatResponseUpdate> StreamAsync(
        List<ChatMessage> messages, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();

        var digest = Digest(messages);
        var messageId = "msg_" + digest;
        var responseId = "resp_" + digest;
        var inputTokens = CountInputTokens(messages);
        var lastUserText = messages.LastOrDefault(m => m.Role == ChatRole.User)?.Text ?? string.Empty;
        var delay = ReadDelay(lastUserText);

        ChatResponseUpdate NewUpdate(IList<AIContent> contents) => new(ChatRole.Assistant, contents)
        {
            MessageId = messageId,
            ResponseId = responseId,
            ModelId = ModelId,
        };

        if (messages.Count == 0 || !IsToolResult(messages[^1]))
        {
            var expression = ReadCalcDirective(lastUserText);
            if (expression is not null)
            {
                var arguments = new Dictionary<string, object?>(StringComparer.Ordinal)
                {
                    [CalculatorFunction.ExpressionArgument] = expression,
                };
                var update = NewUpdate([new FunctionCallContent("call_" + digest, CalculatorFunction.FunctionName, arguments), Usage(inputTokens, 1)]);
                update.FinishReason = ChatFinishReason.ToolCalls;
                yield return update;
                yield break;
            }

            // One call per "tool:" directive (several lines call several tools in one step); the first call's id is call_<digest>.
            var calls = ReadToolDirectives(lastUserText)
                .Select((call, index) => (AIContent)new FunctionCallContent(index == 0 ? "call_" + digest : $"call_{digest}_{index + 1}", call.Name, call.Arguments))
                .ToList();
            if (calls.Count > 0)
            {
                var update = NewUpdate([.. calls, Usage(inputTokens, 1)]);
                update.FinishReason = ChatFinishReason.ToolCalls;
                yield return update;
                yield break;
            }
        }

        var tokens = messages.Count > 0 && IsToolResult(messages[^1])
            ? AnswerTokens(ToolResultText(messages[^1]))
            : LoremTokens(ReadTokenCount(lastUserText));

        var emitted = 0;
        using var enumerator = tokens.GetEnumerator();
        var hasNext = enumerator.MoveNext();
        while (hasNext)
        {
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }

            cancellationToken.ThrowIfCancellationRequested();
            var token = enumerator.Current;
            hasNext = enumerator.MoveNext();
            emitted++;

            var update = NewUpdate([new TextContent(token)]);
            if (!hasNext)
            {
                update.Contents.Add(Usage(inputTokens, emitted));
                update.FinishReason = ChatFinishReason.Stop;
            }

            yield return update;
        }
    }

    private static UsageContent Usage(long input, long output) => new(new UsageDetails
    {
        InputTokenCount = input,
        OutputTokenCount = output,
        TotalTokenCount = input + output,
    });

    // "The answer is <result>." split on spaces, each word but the last followed by its space.
    private static IEnumerable<string> AnswerTokens(string result)
    {
        var words = $"The answer is {result}.".Split(' ');
        for (var i = 0; i < words.Length; i++)
        {
            yield return i < words.Length - 1 ? words[i] + " " : words[i];
        }
    }

    private static IEnumerable<string> LoremTokens(int count)
    {
        for (var i = 0; i < count; i++)
        {
            yield return LoremWords[i % LoremWords.Length] + (i < count - 1 ? " " : ".");
        }
    }

    private static bool IsToolResult(ChatMessage message) =>
        message.Role == ChatRole.Tool || message.Contents.OfType<FunctionResultContent>().Any();

    private static string ToolResultText(ChatMessage message)
    {
        var result = message.Contents.OfType<FunctionResultContent>().LastOrDefault();
        return result is null ? message.Text : ResultText(result.Result);
    }

    private static string ResultText(object? result) => result switch
    {
        null => string.Empty,
        string text => text,
        JsonElement { ValueKind: JsonValueKind.String } element => element.GetString() ?? string.Empty,
        JsonElement element => element.GetRawText(),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => result.ToString() ?? string.Empty,
    };

    // The rest of the line after the first "calc:", trimmed; null without the directive.
    private static string? ReadCalcDirective(string text)
    {
        var start = text.IndexOf(CalcDirective, StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        var rest = text.AsSpan(start + CalcDirective.Length);
        var end = rest.IndexOfAny('\r', '\n');
        return (end < 0 ? rest : rest[..end]).Trim().ToString();
    }

    // Every "tool:" directive of the text, in order.
    private static List<(string Name, Dictionary<string, object?> Arguments)> ReadToolDirectives(string text)
    {
        var found = new List<(string Name, Dictionary<string, object?> Arguments)>();
        var from = 0;
        while (text.IndexOf(ToolDirective, from, StringComparison.Ordinal) is var start and >= 0)
        {
            if (ReadToolDirective(text[start..]) is { } call)
            {
                found.Add(call);
            }

            from = start + ToolDirective.Length;
        }

        return found;
    }

    // "tool:<name> <json object>": the name up to the first space, the arguments the rest of the line (an object, or nothing).
    private static (string Name, Dictionary<string, object?> Arguments)? ReadToolDirective(string text)
    {
        var start = text.IndexOf(ToolDirective, StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        var rest = text.AsSpan(start + ToolDirective.Length);
        var end = rest.IndexOfAny('\r', '\n');
        var line = (end < 0 ? rest : rest[..end]).Trim().ToString();
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        var name = space < 0 ? line : line[..space];
        var json = space < 0 ? string.Empty : line[(space + 1)..].Trim();
        if (name.Length == 0)
        {
            return null;
        }

        var arguments = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (json.Length > 0)
        {
            try
            {
                using var document = JsonDocument.Parse(json);
                if (document.RootElement.ValueKind == JsonValueKind.Object)
                {
                    foreach (var property in document.RootElement.EnumerateObject())
                    {
                        arguments[property.Name] = property.Value.Clone();
                    }
                }
            }
            catch (JsonException)
            {
                // Not JSON: the call goes without arguments, and the tool says what it misses.
            }
        }

        return (name, arguments);
    }

    private int ReadTokenCount(string text)
    {
        var value = ReadDirective(TokensDirective(), text);
        return value is null ? _defaultTokens : (int)Math.Clamp(value.Value, 1, _maxTokens);
    }

    private TimeSpan ReadDelay(string text)
    {
        var value = ReadDirective(DelayDirective(), text);
        return value is null ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Math.Min(value.Value, _maxDelayMilliseconds));
    }

    // A non-negative integer; digits beyond what a long holds saturate, since every use caps it.
    private static long? ReadDirective(Regex directive, string text)
    {
        var match = directive.Match(text);
        if (!match.Success)
        {
            return null;
        }

        return long.TryParse(match.Groups["n"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : long.MaxValue;
    }

    // Input tokens: whitespace-separated words of every message's text and tool results.
    private static long CountInputTokens(List<ChatMessage> messages)
    {
        long count = 0;
        foreach (var message in messages)
        {
            foreach (var content in message.Contents)
            {
                count += content switch
                {
                    TextContent text => CountWords(text.Text),
                    FunctionResultContent result => CountWords(ResultText(result.Result)),
                    _ => 0,
                };
            }
        }

        return count;
    }

    private static int CountWords(string? text)
    {
        var count = 0;
        var inWord = false;
        foreach (var c in text ?? string.Empty)
        {
            var isSpace = char.IsWhiteSpace(c);
            if (!isSpace && !inWord)
            {
                count++;
            }

            inWord = !isSpace;
        }

        return count;
    }

    // Ids derive from the conversation: the same input gets the same ids, and each turn of a
    // conversation gets new ones because its history differs.
    private static string Digest(List<ChatMessage> messages)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string? value)
        {
            var text = value ?? string.Empty;
            hash.AppendData(BitConverter.GetBytes(text.Length));
            hash.AppendData(Encoding.UTF8.GetBytes(text));
        }

        foreach (var message in messages)
        {
            Add(message.Role.Value);
            foreach (var content in message.Contents)
            {
                switch (content)
                {
                    case TextContent text:
                        Add("text");
                        Add(text.Text);
                        break;
                    case FunctionCallContent call:
                        Add("call");
                        Add(call.CallId);
                        Add(call.Name);
                        foreach (var argument in call.Arguments ?? new Dictionary<string, object?>())
                        {
                            Add(argument.Key);
                            Add(ResultText(argument.Value));
                        }

                        break;
                    case FunctionResultContent result:
                        Add("result");
                        Add(result.CallId);
                        Add(ResultText(result.Result));
                        break;
                    default:
                        Add(content.GetType().Name);
                        break;
                }
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset(), 0, 12);
    }

    [GeneratedRegex(@"(?<![\w])tokens=(?<n>\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex TokensDirective();

    [GeneratedRegex(@"(?<![\w])delay_ms=(?<n>\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex DelayDirective();
}
