namespace AgentFunctions.Core.Messages;

/// <summary>
/// Client input that is not a valid message. <see cref="Path"/> locates the offending value
/// JSONPath-style from the root passed to the parser (for example <c>$[1].tool_calls[0].args</c>);
/// the HTTP layer maps this exception to 422.
/// </summary>
public sealed class MessageValidationException : Exception
{
    public MessageValidationException()
        : this("$", "Invalid message.")
    {
    }

    public MessageValidationException(string message)
        : this("$", message)
    {
    }

    public MessageValidationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Path = "$";
        Reason = message;
    }

    public MessageValidationException(string path, string reason)
        : base($"{path}: {reason}")
    {
        Path = path;
        Reason = reason;
    }

    /// <summary>Where the problem is, JSONPath-style (<c>$</c> is the value given to the parser).</summary>
    public string Path { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Reason { get; }
}
