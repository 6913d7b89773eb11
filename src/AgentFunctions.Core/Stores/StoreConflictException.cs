namespace AgentFunctions.Core.Stores;

/// <summary>
/// A write lost a race or met a state it did not expect (a stale ETag, an id that exists, a checkpoint
/// appended by someone else first). Nothing of the write was applied; the caller may re-read and retry,
/// or report a conflict (HTTP 409).
/// </summary>
public sealed class StoreConflictException : Exception
{
    public StoreConflictException()
    {
    }

    public StoreConflictException(string message)
        : base(message)
    {
    }

    public StoreConflictException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
