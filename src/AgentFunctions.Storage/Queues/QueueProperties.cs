namespace AgentFunctions.Storage.Queues;

/// <summary>A queue's approximate length and its metadata.</summary>
public sealed class QueueProperties
{
    /// <summary>Creates properties; outside this library, use <see cref="QueuesModelFactory.QueueProperties"/> (for mocks).</summary>
    internal QueueProperties(long approximateMessagesCount, IReadOnlyDictionary<string, string> metadata)
    {
        ApproximateMessagesCount = approximateMessagesCount;
        Metadata = metadata;
    }

    /// <summary>The approximate number of messages: never lower than the actual number, but possibly higher.</summary>
    public long ApproximateMessagesCount { get; }

    /// <summary>The queue's metadata (names compare case-insensitively).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }
}
