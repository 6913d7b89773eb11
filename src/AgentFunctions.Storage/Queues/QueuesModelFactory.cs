namespace AgentFunctions.Storage.Queues;

/// <summary>Creates the Queue models, for tests that mock <see cref="QueueClient"/>.</summary>
public static class QueuesModelFactory
{
    public static SendReceipt SendReceipt(string messageId, string popReceipt, DateTimeOffset insertedOn, DateTimeOffset expiresOn, DateTimeOffset nextVisibleOn)
        => new(messageId, popReceipt, insertedOn, expiresOn, nextVisibleOn);

    public static UpdateReceipt UpdateReceipt(string popReceipt, DateTimeOffset nextVisibleOn)
        => new(popReceipt, nextVisibleOn);

    public static QueueMessage QueueMessage(
        string messageId, string popReceipt, BinaryData body, long dequeueCount,
        DateTimeOffset insertedOn, DateTimeOffset expiresOn, DateTimeOffset nextVisibleOn)
    {
        ArgumentNullException.ThrowIfNull(body);
        return new(messageId, popReceipt, Convert.ToBase64String(body.ToMemory().Span), body, dequeueCount, insertedOn, expiresOn, nextVisibleOn);
    }

    public static PeekedMessage PeekedMessage(string messageId, BinaryData body, long dequeueCount, DateTimeOffset insertedOn, DateTimeOffset expiresOn)
    {
        ArgumentNullException.ThrowIfNull(body);
        return new(messageId, Convert.ToBase64String(body.ToMemory().Span), body, dequeueCount, insertedOn, expiresOn);
    }

    public static QueueProperties QueueProperties(long approximateMessagesCount, IReadOnlyDictionary<string, string>? metadata = null)
        => new(approximateMessagesCount, metadata ?? new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase));
}
