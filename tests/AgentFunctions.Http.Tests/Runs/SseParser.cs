using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace AgentFunctions.Http.Tests.Runs;

/// <summary>One server-sent event as it came over the wire.</summary>
public sealed record SseFrame(string? Event, string Data, string? Id)
{
    public JsonElement Json => JsonDocument.Parse(Data).RootElement.Clone();
}

/// <summary>
/// Reads server-sent events from raw response bytes, as the event-stream format defines them: lines
/// ending in LF, CRLF or CR; <c>event:</c>, <c>data:</c> (joined with LF) and <c>id:</c> fields, one
/// optional space after the colon; comment lines (<c>:</c>) ignored; a blank line ends a frame.
/// </summary>
public static class SseParser
{
    public static IReadOnlyList<SseFrame> Parse(byte[] body)
    {
        var frames = new List<SseFrame>();
        var frame = new FrameBuilder();
        foreach (var line in Lines(Encoding.UTF8.GetString(body)))
        {
            if (frame.Feed(line) is { } done)
            {
                frames.Add(done);
            }
        }

        return frames;
    }

    /// <summary>The frames of a stream as they arrive; ends when the stream does.</summary>
    public static async IAsyncEnumerable<SseFrame> ReadAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var frame = new FrameBuilder();
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (frame.Feed(line) is { } done)
            {
                yield return done;
            }
        }
    }

    private static IEnumerable<string> Lines(string text)
    {
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] is '\n' or '\r')
            {
                yield return text[start..i];
                if (text[i] == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                {
                    i++;
                }

                start = i + 1;
            }
        }
    }

    private sealed class FrameBuilder
    {
        private readonly StringBuilder _data = new();
        private string? _event;
        private string? _id;
        private bool _hasData;

        public SseFrame? Feed(string line)
        {
            if (line.Length == 0)
            {
                SseFrame? frame = _hasData ? new SseFrame(_event, _data.ToString(), _id) : null;
                _data.Clear();
                _event = null;
                _id = null; // kept per frame here, so a test sees a frame that came without one
                _hasData = false;
                return frame;
            }

            if (line[0] == ':')
            {
                return null;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? string.Empty : line[(colon + 1)..];
            if (value.StartsWith(' '))
            {
                value = value[1..];
            }

            switch (field)
            {
                case "event":
                    _event = value;
                    break;
                case "data":
                    if (_hasData)
                    {
                        _data.Append('\n');
                    }

                    _data.Append(value);
                    _hasData = true;
                    break;
                case "id":
                    _id = value;
                    break;
            }

            return null;
        }
    }
}
