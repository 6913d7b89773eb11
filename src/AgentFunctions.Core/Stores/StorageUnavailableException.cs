using Azure;

namespace AgentFunctions.Core.Stores;

/// <summary>
/// Storage could not be reached or did not answer (connection refused or reset, a timeout, a server error),
/// every retry of the call included. One error for every way storage can be away, so that the code above the
/// stores need not know the transport's exceptions: the API answers 503 with <c>Retry-After</c>, and background
/// loops wait and try again. A <see cref="RequestFailedException"/> (status 503), so that code written against the
/// SDK's failures still sees one.
/// </summary>
public sealed class StorageUnavailableException : RequestFailedException
{
    /// <summary>The error code it carries.</summary>
    public const string Code = "StorageUnavailable";

    public StorageUnavailableException()
        : this("Storage is unavailable.")
    {
    }

    public StorageUnavailableException(string message)
        : base(503, message, Code, null)
    {
    }

    public StorageUnavailableException(string message, Exception? innerException)
        : base(503, message, Code, innerException)
    {
    }

    /// <summary>
    /// Whether <paramref name="exception"/> says that storage is away for now (this exception, or a server error
    /// the SDK reports), so that waiting and trying again may help; a conflict or a bad request is not.
    /// </summary>
    public static bool IsTransient(Exception exception)
        => exception is StorageUnavailableException or RequestFailedException { Status: 0 or >= 500 };
}
