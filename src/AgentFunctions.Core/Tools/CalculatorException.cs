namespace AgentFunctions.Core.Tools;

/// <summary>
/// An expression the <see cref="Calculator"/> could not evaluate. The message names the problem
/// and, where there is one, the 1-based character position it was found at.
/// </summary>
public sealed class CalculatorException : Exception
{
    public CalculatorException()
    {
    }

    public CalculatorException(string message)
        : base(message)
    {
    }

    public CalculatorException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public CalculatorException(string message, int position)
        : base(message)
    {
        Position = position;
    }

    /// <summary>The 1-based character position of the problem; 0 when it concerns the whole expression.</summary>
    public int Position { get; }
}
