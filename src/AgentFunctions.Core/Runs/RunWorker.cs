using System.Text.Json;

namespace AgentFunctions.Core.Runs;

/// <summary>A background run to execute, as it travels on the <c>runs</c> queue.</summary>
public sealed record RunMessage(string OwnerId, string ThreadId, string RunId)
{
    public BinaryData ToBinaryData() => BinaryData.FromString(JsonSerializer.Serialize(
        new Dictionary<string, string> { ["owner_id"] = OwnerId, ["thread_id"] = ThreadId, ["run_id"] = RunId }));

    /// <exception cref="FormatException">The body is not a run message.</exception>
    public static RunMessage Parse(BinaryData body)
    {
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            using var document = JsonDocument.Parse(body.ToMemory());
            var root = document.RootElement;
            return new RunMessage(
                root.GetProperty("owner_id").GetString() ?? throw new FormatException("owner_id is null."),
                root.GetProperty("thread_id").GetString() ?? throw new FormatException("thread_id is null."),
                root.GetProperty("run_id").GetString() ?? throw new FormatException("run_id is null."));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new FormatException("The message is not a run message: " + e.Message, e);
        }
    }
}

/// <summary>Hands background runs to whichever instance reads the queue.</summary>
public interface IRunScheduler
{
    Task ScheduleAsync(RunMessage message, CancellationToken cancellationToken = default);
}

/// <summary>
/// Executes the background run a queue message names. A message delivered twice runs the run once:
/// the second delivery finds the run held or ended and does nothing.
/// </summary>
public sealed class RunWorker(IRunStore runs, RunExecutor executor)
{
    /// <returns>The ended run, or null when there was nothing to do (already ran, running elsewhere, deleted).</returns>
    public async Task<AgentRun?> HandleAsync(RunMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var run = await runs.GetAsync(message.OwnerId, message.ThreadId, message.RunId, cancellationToken).ConfigureAwait(false);
        if (run is null || !run.IsActive)
        {
            return null;
        }

        var handle = executor.Start(run, persistEvents: true);
        return await handle.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
