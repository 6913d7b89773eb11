using System.Text;
using System.Text.Json;

namespace AgentFunctions.Core.Messages;

/// <summary>
/// A message's <c>content</c>: either a string or an array of content blocks (strings or objects
/// such as <c>{"type": "text", "text": ...}</c> or <c>{"type": "image_url", ...}</c>), the blocks
/// kept verbatim.
/// </summary>
public sealed class MessageContent
{
    private MessageContent(string? text, JsonElement blocks)
    {
        Text = text;
        Blocks = blocks;
    }

    /// <summary>The empty string.</summary>
    public static MessageContent Empty { get; } = new(string.Empty, default);

    /// <summary>The string content, or <c>null</c> when the content is an array of blocks.</summary>
    public string? Text { get; }

    /// <summary>The array of blocks, or an undefined element when the content is a string.</summary>
    public JsonElement Blocks { get; }

    public bool IsText => Text is not null;

    public static MessageContent FromText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length == 0 ? Empty : new MessageContent(text, default);
    }

    /// <summary>Content blocks; <paramref name="blocks"/> must be a JSON array and is cloned.</summary>
    public static MessageContent FromBlocks(JsonElement blocks)
    {
        if (blocks.ValueKind != JsonValueKind.Array)
        {
            throw new ArgumentException("Content blocks must be a JSON array.", nameof(blocks));
        }

        return new MessageContent(null, blocks.Clone());
    }

    public static implicit operator MessageContent(string text) => FromText(text);

    /// <summary>
    /// The plain text: the string itself, or the string items and the <c>text</c> of
    /// <c>type: "text"</c> blocks concatenated in order.
    /// </summary>
    public string ToText()
    {
        if (Text is not null)
        {
            return Text;
        }

        var builder = new StringBuilder();
        foreach (var block in Blocks.EnumerateArray())
        {
            if (block.ValueKind == JsonValueKind.String)
            {
                builder.Append(block.GetString());
            }
            else if (MessageContentBlocks.TryGetText(block, out var text))
            {
                builder.Append(text);
            }
        }

        return builder.ToString();
    }

    public override string ToString() => ToText();
}
