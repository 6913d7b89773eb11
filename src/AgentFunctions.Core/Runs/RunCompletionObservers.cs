using System.Runtime.ExceptionServices;

namespace AgentFunctions.Core.Runs;

/// <summary>Several observers as the executor's one: each is told in order; one that fails does not keep the others from being told.</summary>
public sealed class RunCompletionObservers(IReadOnlyList<IRunCompletionObserver> observers) : IRunCompletionObserver
{
    public IReadOnlyList<IRunCompletionObserver> Observers { get; } = observers ?? throw new ArgumentNullException(nameof(observers));

    public async Task RunEndedAsync(AgentRun run, string? lastCheckpointId, CancellationToken cancellationToken = default)
    {
        List<Exception>? failures = null;
        foreach (var observer in Observers)
        {
            try
            {
                await observer.RunEndedAsync(run, lastCheckpointId, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                (failures ??= []).Add(e);
            }
        }

        if (failures is not null)
        {
            if (failures.Count == 1)
            {
                ExceptionDispatchInfo.Throw(failures[0]);
            }

            throw new AggregateException(failures);
        }
    }
}
