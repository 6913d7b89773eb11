using System.Text.Json;

namespace AgentFunctions.Core.Compaction;

/// <summary>What a message on the <c>compaction</c> queue asks for.</summary>
public enum CompactionWork
{
    /// <summary>Compact the thread's history and delete its old run events.</summary>
    Compact,

    /// <summary>Delete the thread and everything it owns (the retention sweep's deletion, or its resumption).</summary>
    DeleteThread,
}

/// <summary>A message on the <c>compaction</c> queue: which thread, what to do, and the request's id (a redelivery keeps it).</summary>
public sealed record CompactionMessage(string OwnerId, string ThreadId)
{
    public CompactionWork Work { get; init; } = CompactionWork.Compact;

    /// <summary>The request's id: the compaction holds the thread under it, so that a redelivery of the same request takes over its own hold.</summary>
    public string RequestId { get; init; } = Guid.NewGuid().ToString("N");

    /// <summary>For <see cref="CompactionWork.DeleteThread"/>: the thread's version (ETag) when it was found expired; a thread changed since is left alone.</summary>
    public string? ThreadETag { get; init; }

    public BinaryData ToBinaryData()
    {
        var fields = new Dictionary<string, string>
        {
            ["work"] = Work == CompactionWork.DeleteThread ? "delete_thread" : "compact",
            ["owner_id"] = OwnerId,
            ["thread_id"] = ThreadId,
            ["request_id"] = RequestId,
        };
        if (ThreadETag is not null)
        {
            fields["thread_etag"] = ThreadETag;
        }

        return BinaryData.FromString(JsonSerializer.Serialize(fields));
    }

    /// <exception cref="FormatException">The body is not a compaction message.</exception>
    public static CompactionMessage Parse(BinaryData body)
    {
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            using var document = JsonDocument.Parse(body.ToMemory());
            var root = document.RootElement;
            return new CompactionMessage(Required(root, "owner_id"), Required(root, "thread_id"))
            {
                Work = Optional(root, "work") switch
                {
                    null or "compact" => CompactionWork.Compact,
                    "delete_thread" => CompactionWork.DeleteThread,
                    var other => throw new FormatException($"'{other}' is not a kind of compaction work."),
                },
                RequestId = Optional(root, "request_id") ?? Guid.NewGuid().ToString("N"),
                ThreadETag = Optional(root, "thread_etag"),
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new FormatException("The message is not a compaction message: " + e.Message, e);
        }
    }

    /// <inheritdoc cref="Parse(BinaryData)"/>
    public static CompactionMessage Parse(string body) => Parse(BinaryData.FromString(body ?? throw new ArgumentNullException(nameof(body))));

    private static string Required(JsonElement root, string name)
        => root.GetProperty(name).GetString() is { Length: > 0 } value ? value : throw new FormatException($"{name} is empty.");

    private static string? Optional(JsonElement root, string name)
        => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>Puts compaction requests on the <c>compaction</c> queue, for whichever instance reads it.</summary>
public interface ICompactionScheduler
{
    /// <param name="message">The request.</param>
    /// <param name="delay">How long the message stays invisible before it can be handled; null for none.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    Task ScheduleAsync(CompactionMessage message, TimeSpan? delay = null, CancellationToken cancellationToken = default);
}
