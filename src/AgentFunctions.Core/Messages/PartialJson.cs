using System.Text;
using System.Text.Json;

namespace AgentFunctions.Core.Messages;

/// <summary>
/// Parses the JSON text of tool call arguments that are still streaming in: a string left open is
/// closed, open arrays and objects are closed, and a dangling tail (a key without a value, a trailing
/// comma, half a literal) is cut back until the text parses.
/// </summary>
internal static class PartialJson
{
    // Each try parses the whole text, so only the latest few cut points are tried.
    private const int MaxCuts = 16;

    /// <summary>The parsed value, or <c>null</c> when no completed prefix of the text parses.</summary>
    public static JsonElement? TryParse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (TryParseExact(text, out var whole))
        {
            return whole;
        }

        var tries = 0;
        foreach (var length in CutPoints(text))
        {
            var completed = Complete(text.AsSpan(0, length));
            if (completed is not null && TryParseExact(completed, out var value))
            {
                return value;
            }

            if (++tries == MaxCuts)
            {
                break;
            }
        }

        return null;
    }

    /// <summary>
    /// Prefix lengths worth completing, longest first: the whole text, then the text cut before a
    /// comma or colon or just after an opening bracket (outside strings), where a complete value ends.
    /// </summary>
    private static IEnumerable<int> CutPoints(string text)
    {
        var cuts = new List<int> { text.Length };
        var inString = false;
        var escaped = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (inString)
            {
                if (escaped)
                {
                    escaped = false;
                }
                else if (c == '\\')
                {
                    escaped = true;
                }
                else if (c == '"')
                {
                    inString = false;
                }

                continue;
            }

            switch (c)
            {
                case '"':
                    inString = true;
                    break;
                case ',' or ':':
                    cuts.Add(i);
                    break;
                case '{' or '[':
                    cuts.Add(i + 1);
                    break;
            }
        }

        cuts.Sort();
        for (var i = cuts.Count - 1; i >= 0; i--)
        {
            if (i == cuts.Count - 1 || cuts[i] != cuts[i + 1])
            {
                yield return cuts[i];
            }
        }
    }

    private static bool TryParseExact(string text, out JsonElement value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            value = document.RootElement.Clone();
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Closes the open string and containers of a prefix; <c>null</c> when it cannot.</summary>
    private static string? Complete(ReadOnlySpan<char> prefix)
    {
        var closers = new Stack<char>();
        var inString = false;
        var escaped = false;
        foreach (var c in prefix)
        {
            if (inString)
            {
                if (escaped)
                {
                    escaped = false;
                }
                else if (c == '\\')
                {
                    escaped = true;
                }
                else if (c == '"')
                {
                    inString = false;
                }

                continue;
            }

            switch (c)
            {
                case '"':
                    inString = true;
                    break;
                case '{':
                    closers.Push('}');
                    break;
                case '[':
                    closers.Push(']');
                    break;
                case '}' or ']':
                    if (closers.Count == 0 || closers.Pop() != c)
                    {
                        return null;
                    }

                    break;
            }
        }

        if (escaped)
        {
            return null;
        }

        var builder = new StringBuilder(prefix.Length + closers.Count + 1);
        builder.Append(prefix);
        if (inString)
        {
            builder.Append('"');
        }

        while (closers.Count > 0)
        {
            builder.Append(closers.Pop());
        }

        return builder.ToString();
    }
}
