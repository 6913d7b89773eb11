using System.Text.Json;
using AgentFunctions.Core.Stores;
using Azure;

namespace AgentFunctions.Core.Crons;

/// <summary>
/// A scheduled run (LangGraph's <c>Cron</c>): on its schedule, a background run of an assistant with a stored payload,
/// on its thread or, without one, on a new thread each time. <see cref="NextRunAt"/> is when it fires next (null:
/// never again); firing moves it on with an ETag-conditional write, so each firing happens once however many
/// instances look.
/// </summary>
public sealed record CronJob
{
    public required string CronId { get; init; }

    public required string OwnerId { get; init; }

    public required string AssistantId { get; init; }

    /// <summary>The thread every run goes on; null: a new thread per run.</summary>
    public string? ThreadId { get; init; }

    /// <summary>The five-field cron expression (minute, hour, day of month, month, day of week).</summary>
    public required string Schedule { get; init; }

    /// <summary>The IANA time zone the schedule is read in; null: UTC.</summary>
    public string? Timezone { get; init; }

    /// <summary>The run options each run gets (normalised run-create fields: input, config, webhook…).</summary>
    public JsonElement Payload { get; init; } = JsonObjects.Empty;

    public JsonElement Metadata { get; init; } = JsonObjects.Empty;

    /// <summary>No firing after this time; null: no end.</summary>
    public DateTimeOffset? EndTime { get; init; }

    public DateTimeOffset? NextRunAt { get; init; }

    public bool Enabled { get; init; } = true;

    /// <summary>For a cron without a thread: keep each run's new thread (<c>keep</c>) or let retention delete it after the run (<c>delete</c>).</summary>
    public string OnRunCompleted { get; init; } = "delete";

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public ETag ETag { get; init; }
}

/// <summary>A search of an owner's crons.</summary>
public sealed record CronSearchQuery
{
    public string? AssistantId { get; init; }

    public string? ThreadId { get; init; }

    public bool? Enabled { get; init; }

    public JsonElement? Metadata { get; init; }
}

/// <summary>Crons, per owner, plus the firing's view across owners.</summary>
public interface ICronStore
{
    /// <exception cref="StoreConflictException">The owner has a cron with that id.</exception>
    Task<CronJob> CreateAsync(CronJob cron, CancellationToken cancellationToken = default);

    Task<CronJob?> GetAsync(string ownerId, string cronId, CancellationToken cancellationToken = default);

    /// <summary>Replaces the cron when its ETag is still <paramref name="ifMatch"/>; null when it is gone.</summary>
    /// <exception cref="StoreConflictException">It changed since it was read.</exception>
    Task<CronJob?> UpdateAsync(CronJob cron, ETag ifMatch, CancellationToken cancellationToken = default);

    Task<bool> DeleteAsync(string ownerId, string cronId, CancellationToken cancellationToken = default);

    /// <summary>The owner's crons matching the query, in id order; lazy.</summary>
    AsyncPageable<CronJob> SearchAsync(string ownerId, CronSearchQuery query, CancellationToken cancellationToken = default);

    /// <summary>Enabled crons of every owner due by <paramref name="now"/>; lazy.</summary>
    AsyncPageable<CronJob> ListDueAsync(DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>
    /// Claims a firing: sets <see cref="CronJob.NextRunAt"/> to <paramref name="nextRunAt"/> only if the cron is still the
    /// version read (its ETag). False when another instance changed it first (it fired, or the cron was edited).
    /// </summary>
    Task<bool> TryAdvanceAsync(CronJob cron, DateTimeOffset? nextRunAt, CancellationToken cancellationToken = default);
}
