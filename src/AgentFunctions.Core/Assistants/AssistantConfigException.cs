namespace AgentFunctions.Core.Assistants;

/// <summary>
/// An assistant's or run's config that does not have the shape the agent loop reads.
/// <see cref="Path"/> locates the offending value JSONPath-style from the config's root (for example
/// <c>$.configurable.tools[1]</c>); the HTTP layer maps this exception to 422.
/// </summary>
public sealed class AssistantConfigException : ArgumentException
{
    public AssistantConfigException()
        : this("$", "The config is not valid.")
    {
    }

    public AssistantConfigException(string message)
        : this("$", message)
    {
    }

    public AssistantConfigException(string message, Exception innerException)
        : base(message, "config", innerException)
    {
        Path = "$";
        Reason = message;
    }

    public AssistantConfigException(string path, string reason)
        : base($"{path}: {reason}", "config")
    {
        Path = path;
        Reason = reason;
    }

    /// <summary>Where the problem is, JSONPath-style (<c>$</c> is the config itself).</summary>
    public string Path { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Reason { get; }
}
