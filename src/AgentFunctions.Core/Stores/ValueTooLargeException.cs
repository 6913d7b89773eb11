namespace AgentFunctions.Core.Stores;

/// <summary>
/// A record is larger than its store holds (a table entity's 1 MiB, or its 252 properties): a client's value was too
/// large. Nothing of the write was applied; the message names the largest value and the limit (HTTP 413).
/// </summary>
public sealed class ValueTooLargeException : Exception
{
    public ValueTooLargeException()
    {
    }

    public ValueTooLargeException(string message)
        : base(message)
    {
    }

    public ValueTooLargeException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
