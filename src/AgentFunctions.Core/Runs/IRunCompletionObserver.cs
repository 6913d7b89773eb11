namespace AgentFunctions.Core.Runs;

/// <summary>
/// Told once when a run reaches its final status (after its record and its thread are updated), by the
/// executor that ran it. A failure here is logged by the executor and never changes how the run ended.
/// </summary>
public interface IRunCompletionObserver
{
    Task RunEndedAsync(AgentRun run, CancellationToken cancellationToken = default);
}
