using System.Diagnostics;
using System.Text.Json;

namespace AgentFunctions.Core.Runs;

/// <summary>
/// A background run to execute, as it travels on the <c>runs</c> queue, with the W3C <c>traceparent</c> of the
/// span that queued it when there was one (absent from older messages, which still parse).
/// </summary>
public sealed record RunMessage(string OwnerId, string ThreadId, string RunId, string? TraceParent = null)
{
    public BinaryData ToBinaryData()
    {
        var body = new Dictionary<string, string> { ["owner_id"] = OwnerId, ["thread_id"] = ThreadId, ["run_id"] = RunId };
        if (TraceParent is not null)
        {
            body["traceparent"] = TraceParent;
        }

        return BinaryData.FromString(JsonSerializer.Serialize(body));
    }

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
                root.GetProperty("run_id").GetString() ?? throw new FormatException("run_id is null."),
                root.TryGetProperty("traceparent", out var traceParent) && traceParent.ValueKind == JsonValueKind.String ? traceParent.GetString() : null);
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

        _ = ActivityContext.TryParse(message.TraceParent, null, isRemote: true, out var queuedBy);
        var handle = executor.Start(run, persistEvents: true, queuedBy);
        return await handle.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
