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

    /// <summary>Queues the run to start no sooner than <paramref name="delay"/> from now (the queue's own delay, up to 7 days).</summary>
    /// <exception cref="NotSupportedException">This scheduler cannot delay, and <paramref name="delay"/> is positive.</exception>
    Task ScheduleAsync(RunMessage message, TimeSpan delay, CancellationToken cancellationToken = default)
        => delay <= TimeSpan.Zero ? ScheduleAsync(message, cancellationToken) : throw new NotSupportedException("This run scheduler cannot delay a run.");
}

/// <summary>
/// Executes the background run a queue message names. A message delivered twice runs the run once: the second delivery
/// finds the run ended and does nothing, or finds it held by a live executor (a duplicate delivery, or one delivered again
/// while its executor was cut off from storage) and waits, its message kept, until the run ends (then does nothing) or
/// its lease expires (then takes it over: the executor that held it died).
/// </summary>
public sealed class RunWorker(IRunStore runs, RunExecutor executor, TimeProvider? time = null)
{
    private static readonly TimeSpan MaxLeaseWait = TimeSpan.FromSeconds(2);

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <returns>The ended run, or null when there was nothing to do (already ran, ran elsewhere, deleted).</returns>
    public async Task<AgentRun?> HandleAsync(RunMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        _ = ActivityContext.TryParse(message.TraceParent, null, isRemote: true, out var queuedBy);
        while (true)
        {
            var run = await runs.GetAsync(message.OwnerId, message.ThreadId, message.RunId, cancellationToken).ConfigureAwait(false);
            if (run is null || !run.IsActive)
            {
                return null;
            }

            if (run is { Status: RunStatus.Running, LeaseExpiresAt: { } expires } && expires > _time.GetUtcNow())
            {
                // Held by a live executor: wait (the message stays hidden while this handler runs) and look again.
                var wait = expires - _time.GetUtcNow() + TimeSpan.FromMilliseconds(50);
                await Task.Delay(wait < MaxLeaseWait ? wait : MaxLeaseWait, _time, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var handle = executor.Start(run, persistEvents: true, queuedBy);
            if (await handle.Completion.WaitAsync(cancellationToken).ConfigureAwait(false) is { } ended)
            {
                return ended;
            }
        }
    }
}
