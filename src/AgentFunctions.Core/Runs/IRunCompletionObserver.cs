namespace AgentFunctions.Core.Runs;

/// <summary>
/// Told once when a run reaches its final status (after its record and its thread are updated), by the
/// executor that ran it. A failure here is logged by the executor and never changes how the run ended.
/// </summary>
public interface IRunCompletionObserver
{
    /// <param name="run">The run, ended.</param>
    /// <param name="lastCheckpointId">The newest checkpoint the run wrote or started from, when known (null: unknown).</param>
    /// <param name="cancellationToken">Stops the observer.</param>
    Task RunEndedAsync(AgentRun run, string? lastCheckpointId, CancellationToken cancellationToken = default);
}
