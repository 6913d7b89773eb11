using System.Globalization;
using System.Text.Json;

namespace AgentFunctions.Faults.Tests.Infrastructure;

/// <summary>One server-sent event as the stream carried it.</summary>
public sealed record SseEvent(long? Id, string Event, JsonElement Data);

/// <summary>Reads server-sent events from a response body as they come.</summary>
public static class Sse
{
    public static async IAsyncEnumerable<SseEvent> ReadAsync(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        string? name = null;
        long? id = null;
        var data = new List<string>();
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.Length == 0)
            {
                if (name is not null || data.Count > 0)
                {
                    using var document = JsonDocument.Parse(string.Join('\n', data));
                    yield return new SseEvent(id, name ?? "message", document.RootElement.Clone());
                }

                name = null;
                id = null;
                data.Clear();
            }
            else if (line.StartsWith("event:", StringComparison.Ordinal))
            {
                name = line[6..].Trim();
            }
            else if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                data.Add(line[5..].TrimStart());
            }
            else if (line.StartsWith("id:", StringComparison.Ordinal))
            {
                id = long.Parse(line[3..].Trim(), CultureInfo.InvariantCulture);
            }
        }
    }
}
