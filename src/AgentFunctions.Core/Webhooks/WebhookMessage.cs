using System.Text.Json;

namespace AgentFunctions.Core.Webhooks;

/// <summary>One delivery attempt of a run's webhook, as it travels on the <c>webhooks</c> queue.</summary>
public sealed record WebhookMessage(string OwnerId, string ThreadId, string RunId, string Url, int Attempt = 1)
{
    public const string DefaultQueueName = "webhooks";

    public BinaryData ToBinaryData() => BinaryData.FromString(JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["owner_id"] = OwnerId,
        ["thread_id"] = ThreadId,
        ["run_id"] = RunId,
        ["url"] = Url,
        ["attempt"] = Attempt,
    }));

    /// <exception cref="FormatException">The body is not a webhook message.</exception>
    public static WebhookMessage Parse(BinaryData body)
    {
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            using var document = JsonDocument.Parse(body.ToMemory());
            var root = document.RootElement;
            return new WebhookMessage(
                root.GetProperty("owner_id").GetString() ?? throw new FormatException("owner_id is null."),
                root.GetProperty("thread_id").GetString() ?? throw new FormatException("thread_id is null."),
                root.GetProperty("run_id").GetString() ?? throw new FormatException("run_id is null."),
                root.GetProperty("url").GetString() ?? throw new FormatException("url is null."),
                root.GetProperty("attempt").GetInt32());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new FormatException("The message is not a webhook message: " + e.Message, e);
        }
    }

    /// <inheritdoc cref="Parse(BinaryData)"/>
    public static WebhookMessage Parse(string body) => Parse(BinaryData.FromString(body));
}

/// <summary>Queues webhook deliveries (the <c>webhooks</c> queue).</summary>
public interface IWebhookScheduler
{
    /// <summary>Queues <paramref name="message"/>, hidden for <paramref name="delay"/> (a retry's backoff; at most 7 days).</summary>
    Task ScheduleAsync(WebhookMessage message, TimeSpan delay, CancellationToken cancellationToken = default);
}
