using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Runtime;
using AgentFunctions.Core.Stores;
using AgentFunctions.Core.Threads;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFunctions.Core.Crons;

/// <summary>
/// Turns due crons into background runs; the server's hosted service and the Functions app's timer call
/// <see cref="FireDueAsync"/>. Each firing happens once however many instances race: its run id is made from the
/// cron and the firing time (<see cref="CronRunIds"/>), so a second instance finds the run there and only makes
/// sure it is queued (a run queued twice still runs once); then the cron's next time is written with its ETag, and
/// the instance that loses that write does nothing more. A cron whose firings were missed (the hosts were down)
/// fires once for them, not once per missed time, and goes on from now.
/// </summary>
public sealed class CronFiring(
    ICronStore crons, IRunStore runs, IThreadStore threads, IRunScheduler scheduler, CronOptions? options = null, TimeProvider? time = null, ILogger<CronFiring>? logger = null)
{
    private readonly CronOptions _options = options ?? new CronOptions();
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    /// <summary>Fires every cron due now; returns how many firings this instance claimed.</summary>
    public async Task<int> FireDueAsync(CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        var fired = 0;
        await foreach (var cron in crons.ListDueAsync(now, cancellationToken).ConfigureAwait(false))
        {
            try
            {
                if (await FireAsync(cron, now, cancellationToken).ConfigureAwait(false))
                {
                    fired++;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                _logger.CronFireFailed(cron.CronId, e); // the cron stays due: the next sweep tries again
            }
        }

        return fired;
    }

    private async Task<bool> FireAsync(CronJob cron, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (cron.NextRunAt is not { } firing || !cron.Enabled)
        {
            return false;
        }

        var schedule = CronSchedule.TryParse(cron.Schedule, cron.Timezone, out _);
        var next = schedule?.NextAfter(now > firing ? now : firing);
        if (next > cron.EndTime)
        {
            next = null;
        }

        if (cron.EndTime is { } end && firing > end)
        {
            _ = await crons.TryAdvanceAsync(cron, null, cancellationToken).ConfigureAwait(false); // past its end: it fires no more
            return false;
        }

        if (!await StartRunAsync(cron, firing, cancellationToken).ConfigureAwait(false))
        {
            // Its thread was deleted: as LangGraph deletes a thread's crons with it, the cron goes (it could never run again).
            if (await crons.DeleteAsync(cron.OwnerId, cron.CronId, cancellationToken).ConfigureAwait(false))
            {
                _logger.CronThreadGone(cron.CronId, cron.ThreadId ?? string.Empty);
            }

            return false;
        }

        if (!await crons.TryAdvanceAsync(cron, next, cancellationToken).ConfigureAwait(false))
        {
            return false; // another instance fired it (the same run) and moved it on first
        }

        _logger.CronFired(cron.CronId, firing, next);
        return true;
    }

    /// <summary>
    /// Creates and queues the firing's run, once: when it is there already, it is only queued again if still pending.
    /// False when the cron's thread is gone.
    /// </summary>
    private async Task<bool> StartRunAsync(CronJob cron, DateTimeOffset firing, CancellationToken cancellationToken)
    {
        var runId = CronRunIds.For(cron.CronId, firing);
        var threadId = cron.ThreadId ?? runId;
        if (await runs.GetAsync(cron.OwnerId, threadId, runId, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            await QueueIfPendingAsync(existing, cancellationToken).ConfigureAwait(false);
            return true;
        }

        if (cron.ThreadId is null)
        {
            await CreateThreadAsync(cron, threadId, cancellationToken).ConfigureAwait(false);
        }
        else if (await threads.GetAsync(cron.OwnerId, threadId, cancellationToken).ConfigureAwait(false) is null)
        {
            return false;
        }

        var options = RunOptions.Parse(cron.Payload) with { StreamResumable = true };
        var metadata = WireJson.Build(w =>
        {
            w.WriteStartObject();
            foreach (var property in cron.Metadata.EnumerateObject())
            {
                property.WriteTo(w);
            }

            w.WriteString("cron_id", cron.CronId);
            w.WriteEndObject();
        });
        AgentRun run;
        try
        {
            run = await runs.CreateAsync(
                new AgentRun
                {
                    RunId = runId,
                    OwnerId = cron.OwnerId,
                    ThreadId = threadId,
                    AssistantId = cron.AssistantId,
                    MultitaskStrategy = options.MultitaskStrategy,
                    Kwargs = options.ToJson(),
                    Metadata = metadata,
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (StoreConflictException)
        {
            if (await runs.GetAsync(cron.OwnerId, threadId, runId, cancellationToken).ConfigureAwait(false) is { } raced)
            {
                await QueueIfPendingAsync(raced, cancellationToken).ConfigureAwait(false); // another instance created it
                return true;
            }

            _logger.CronThreadBusy(cron.CronId, threadId); // multitask_strategy reject on a busy thread: this firing is skipped
            return true;
        }

        await scheduler.ScheduleAsync(new RunMessage(run.OwnerId, run.ThreadId, run.RunId), cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task QueueIfPendingAsync(AgentRun run, CancellationToken cancellationToken)
    {
        if (run.Status == RunStatus.Pending)
        {
            await scheduler.ScheduleAsync(new RunMessage(run.OwnerId, run.ThreadId, run.RunId), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task CreateThreadAsync(CronJob cron, string threadId, CancellationToken cancellationToken)
    {
        var metadata = WireJson.Build(w =>
        {
            w.WriteStartObject();
            w.WriteString("assistant_id", cron.AssistantId);
            w.WriteString("cron_id", cron.CronId);
            w.WriteEndObject();
        });
        var expires = cron.OnRunCompleted == "keep" ? (DateTimeOffset?)null : _time.GetUtcNow() + _options.ThreadGrace;
        try
        {
            await threads.CreateAsync(new AgentThread { ThreadId = threadId, OwnerId = cron.OwnerId, Metadata = metadata, ExpiresAt = expires }, cancellationToken).ConfigureAwait(false);
        }
        catch (StoreConflictException)
        {
            // Created by another instance firing the same time.
        }
    }
}
