namespace AgentFunctions.Storage.Queues;

/// <summary>A received message: invisible to other receivers until <see cref="NextVisibleOn"/>, and deletable with <see cref="PopReceipt"/>.</summary>
public sealed class QueueMessage
{
    /// <summary>Creates a message; outside this library, use <see cref="QueuesModelFactory.QueueMessage"/> (for mocks).</summary>
    internal QueueMessage(
        string messageId, string popReceipt, string messageText, BinaryData body, long dequeueCount,
        DateTimeOffset insertedOn, DateTimeOffset expiresOn, DateTimeOffset nextVisibleOn)
    {
        MessageId = messageId;
        PopReceipt = popReceipt;
        MessageText = messageText;
        Body = body;
        DequeueCount = dequeueCount;
        InsertedOn = insertedOn;
        ExpiresOn = expiresOn;
        NextVisibleOn = nextVisibleOn;
    }

    /// <summary>The message's id.</summary>
    public string MessageId { get; }

    /// <summary>The pop receipt that allows deleting or updating the message, until it becomes visible again.</summary>
    public string PopReceipt { get; }

    /// <summary>The message text as the service stores it: the Base64 encoding of <see cref="Body"/>.</summary>
    public string MessageText { get; }

    /// <summary>
    /// The body, decoded from the Base64 <see cref="MessageText"/>. When the text is not Base64 (a
    /// producer that did not encode it), the body is the UTF-8 bytes of the text itself.
    /// </summary>
    public BinaryData Body { get; }

    /// <summary>How many times the message has been received, this time included.</summary>
    public long DequeueCount { get; }

    /// <summary>When the message was put on the queue.</summary>
    public DateTimeOffset InsertedOn { get; }

    /// <summary>When the message expires.</summary>
    public DateTimeOffset ExpiresOn { get; }

    /// <summary>When the message becomes visible to receivers again, unless it is deleted first.</summary>
    public DateTimeOffset NextVisibleOn { get; }
}
