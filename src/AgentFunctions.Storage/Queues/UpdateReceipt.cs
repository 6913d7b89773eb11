namespace AgentFunctions.Storage.Queues;

/// <summary>What the Queue service returns for an updated message: the pop receipt that now identifies it.</summary>
public sealed class UpdateReceipt
{
    /// <summary>Creates a receipt; outside this library, use <see cref="QueuesModelFactory.UpdateReceipt"/> (for mocks).</summary>
    internal UpdateReceipt(string popReceipt, DateTimeOffset nextVisibleOn)
    {
        PopReceipt = popReceipt;
        NextVisibleOn = nextVisibleOn;
    }

    /// <summary>The new pop receipt; the one used for the update is no longer valid.</summary>
    public string PopReceipt { get; }

    /// <summary>When the message becomes visible again.</summary>
    public DateTimeOffset NextVisibleOn { get; }
}
