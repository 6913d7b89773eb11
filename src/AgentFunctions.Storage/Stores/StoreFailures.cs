using AgentFunctions.Core.Stores;
using Azure;

namespace AgentFunctions.Storage.Stores;

/// <summary>The storage failures that stores turn into domain outcomes.</summary>
internal static class StoreFailures
{
    /// <summary>The entity is not there (or no longer).</summary>
    public static bool IsNotFound(RequestFailedException exception) => exception.Status == 404;

    /// <summary>An insert met an existing entity (409) or a conditional write a changed one (412).</summary>
    public static bool IsConflict(RequestFailedException exception) => exception.Status is 409 or 412;

    public static StoreConflictException Conflict(string kind, string id, RequestFailedException exception)
        => new(exception.Status == 409
                ? $"A {kind} with id '{id}' already exists."
                : $"The {kind} '{id}' has changed since it was read.",
            exception);

    public static StoreConflictException Changed(string kind, string id)
        => new($"The {kind} '{id}' has changed since it was read.");
}
