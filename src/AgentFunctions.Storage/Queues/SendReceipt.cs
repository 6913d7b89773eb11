namespace AgentFunctions.Storage.Queues;

/// <summary>What the Queue service returns for a message it accepted.</summary>
public sealed class SendReceipt
{
    /// <summary>Creates a receipt; outside this library, use <see cref="QueuesModelFactory.SendReceipt"/> (for mocks).</summary>
    internal SendReceipt(string messageId, string popReceipt, DateTimeOffset insertedOn, DateTimeOffset expiresOn, DateTimeOffset nextVisibleOn)
    {
        MessageId = messageId;
        PopReceipt = popReceipt;
        InsertedOn = insertedOn;
        ExpiresOn = expiresOn;
        NextVisibleOn = nextVisibleOn;
    }

    /// <summary>The message's id.</summary>
    public string MessageId { get; }

    /// <summary>A pop receipt that allows deleting or updating the message.</summary>
    public string PopReceipt { get; }

    /// <summary>When the message was put on the queue.</summary>
    public DateTimeOffset InsertedOn { get; }

    /// <summary>When the message expires (<c>9999-12-31T23:59:59Z</c> for a message that never does).</summary>
    public DateTimeOffset ExpiresOn { get; }

    /// <summary>When the message becomes visible to receivers.</summary>
    public DateTimeOffset NextVisibleOn { get; }
}
