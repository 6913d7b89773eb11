using Microsoft.Extensions.Logging;

namespace AgentFunctions.Storage.Tests;

/// <summary>A logger that keeps every message it is given, formatted, for tests to read.</summary>
public sealed class ListLogger : ILogger
{
    private readonly List<string> _messages = [];
    private readonly List<Exception> _exceptions = [];

    public IReadOnlyList<string> Messages
    {
        get
        {
            lock (_messages)
            {
                return [.. _messages];
            }
        }
    }

    /// <summary>The exceptions logged with the messages, in order.</summary>
    public IReadOnlyList<Exception> Exceptions
    {
        get
        {
            lock (_messages)
            {
                return [.. _exceptions];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull
        => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        lock (_messages)
        {
            _messages.Add(formatter(state, exception));
            if (exception is not null)
            {
                _exceptions.Add(exception);
            }
        }
    }
}
