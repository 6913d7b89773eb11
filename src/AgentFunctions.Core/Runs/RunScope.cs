namespace AgentFunctions.Core.Runs;

/// <summary>
/// The run being executed in the current async flow: its owner, thread and run id. The executor enters it around a
/// run's graph, so that what the graph calls (tools such as <see cref="Tools.MemoryFunctions"/>) can act for the run's
/// owner without taking the owner as an argument a model could choose.
/// </summary>
public sealed record RunScope(string OwnerId, string ThreadId, string RunId)
{
    private static readonly AsyncLocal<RunScope?> CurrentScope = new();

    /// <summary>The run of the current flow, or null outside a run.</summary>
    public static RunScope? Current => CurrentScope.Value;

    /// <summary>Makes <paramref name="scope"/> current until the returned value is disposed.</summary>
    public static IDisposable Enter(RunScope scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var previous = CurrentScope.Value;
        CurrentScope.Value = scope;
        return new Exit(previous);
    }

    private sealed class Exit(RunScope? previous) : IDisposable
    {
        public void Dispose() => CurrentScope.Value = previous;
    }
}
