using System.Diagnostics.CodeAnalysis;

namespace AgentFunctions.Core.Stores;

/// <summary>
/// The ids of threads, assistants, runs and checkpoints: 1 to 128 characters of ASCII letters,
/// digits, '-', '_', '.' and ':' (UUIDs, graph ids like "agent"). Checked before an id reaches a
/// storage key, so that no id can address another row or break a filter.
/// </summary>
public static class ResourceIds
{
    public const int MaxLength = 128;

    public static bool IsValid([NotNullWhen(true)] string? id)
        => id is { Length: > 0 and <= MaxLength } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':');

    /// <summary>Throws <see cref="InvalidResourceIdException"/> when <paramref name="id"/> is not a valid id.</summary>
    public static string Validate([NotNull] string? id, string kind)
        => IsValid(id) ? id : throw new InvalidResourceIdException(kind, id);

    /// <summary>A new random id (a UUID, as LangGraph clients expect).</summary>
    public static string New() => Guid.NewGuid().ToString("D");
}

/// <summary>An id that cannot name any resource (wrong characters or length).</summary>
public sealed class InvalidResourceIdException : ArgumentException
{
    public InvalidResourceIdException(string kind, string? id)
        : base($"'{Describe(id)}' is not a valid {kind} id: ids have 1 to {ResourceIds.MaxLength} letters, digits, '-', '_', '.' or ':'.")
        => Kind = kind;

    public InvalidResourceIdException()
    {
        Kind = "resource";
    }

    public InvalidResourceIdException(string message)
        : base(message)
    {
        Kind = "resource";
    }

    public InvalidResourceIdException(string message, Exception innerException)
        : base(message, innerException)
    {
        Kind = "resource";
    }

    /// <summary>What the id was meant to name: thread, assistant, run, checkpoint.</summary>
    public string Kind { get; }

    private static string Describe(string? id)
    {
        if (id is null)
        {
            return "null";
        }

        var shown = new string(id.Take(64).Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return id.Length > 64 ? shown + "…" : shown;
    }
}
