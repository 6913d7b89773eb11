namespace AgentFunctions.Storage.Queues;

/// <summary>A message read without being dequeued: it stays visible, and there is no pop receipt.</summary>
public sealed class PeekedMessage
{
    /// <summary>Creates a message; outside this library, use <see cref="QueuesModelFactory.PeekedMessage"/> (for mocks).</summary>
    internal PeekedMessage(string messageId, string messageText, BinaryData body, long dequeueCount, DateTimeOffset insertedOn, DateTimeOffset expiresOn)
    {
        MessageId = messageId;
        MessageText = messageText;
        Body = body;
        DequeueCount = dequeueCount;
        InsertedOn = insertedOn;
        ExpiresOn = expiresOn;
    }

    /// <summary>The message's id.</summary>
    public string MessageId { get; }

    /// <summary>The message text as the service stores it: the Base64 encoding of <see cref="Body"/>.</summary>
    public string MessageText { get; }

    /// <summary>
    /// The body, decoded from the Base64 <see cref="MessageText"/>. When the text is not Base64 (a
    /// producer that did not encode it), the body is the UTF-8 bytes of the text itself.
    /// </summary>
    public BinaryData Body { get; }

    /// <summary>How many times the message has been received.</summary>
    public long DequeueCount { get; }

    /// <summary>When the message was put on the queue.</summary>
    public DateTimeOffset InsertedOn { get; }

    /// <summary>When the message expires.</summary>
    public DateTimeOffset ExpiresOn { get; }
}
