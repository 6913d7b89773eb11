namespace AgentFunctions.Core.Tools;

/// <summary>One or more tool names that are not registered in the <see cref="ToolRegistry"/>.</summary>
public sealed class UnknownToolException : Exception
{
    public UnknownToolException()
    {
    }

    public UnknownToolException(string message)
        : base(message)
    {
    }

    public UnknownToolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public UnknownToolException(IReadOnlyList<string> unknownNames, IReadOnlyCollection<string> registeredNames)
        : base(BuildMessage(unknownNames, registeredNames))
    {
        UnknownNames = unknownNames;
    }

    /// <summary>The names that were asked for and are not registered.</summary>
    public IReadOnlyList<string> UnknownNames { get; } = [];

    private static string BuildMessage(IReadOnlyList<string> unknownNames, IReadOnlyCollection<string> registeredNames)
    {
        ArgumentNullException.ThrowIfNull(unknownNames);
        ArgumentNullException.ThrowIfNull(registeredNames);
        var noun = unknownNames.Count == 1 ? "tool" : "tools";
        return $"Unknown {noun}: {Quote(unknownNames)}. Registered tools: {Quote(registeredNames)}.";
    }

    private static string Quote(IEnumerable<string> names) => string.Join(", ", names.Select(n => $"'{n}'"));
}
