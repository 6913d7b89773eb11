namespace AgentFunctions.Core.Compaction;

/// <summary>
/// When a thread's history is compacted and what it keeps, and how the retention sweep treats idle
/// threads and abandoned runs. One set per deployment; an assistant may override the policy in its
/// config (<see cref="CompactionPolicy.WithOverride"/>).
/// </summary>
public sealed class CompactionOptions
{
    public const string SectionName = "Compaction";

    /// <summary>The queue that carries compaction requests (with its poison queue <c>compaction-poison</c>).</summary>
    public const string DefaultQueueName = "compaction";

    /// <summary>Whether the end of a run may request a compaction. The queue handler and the sweep work either way.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>A run's end requests a compaction when the thread has gained more than this many checkpoints since its last one.</summary>
    public int Threshold { get; set; } = 200;

    /// <summary><c>keep_latest</c> (keep the latest <see cref="KeepLatest"/> checkpoints, and those still needed) or <c>keep_all</c> (delete only old run events).</summary>
    public string Policy { get; set; } = CompactionPolicy.KeepLatestName;

    /// <summary>How many of the latest checkpoints <c>keep_latest</c> keeps.</summary>
    public int KeepLatest { get; set; } = 100;

    /// <summary>
    /// Checkpoints whose metadata has all of these keys with these values are kept as well (a value is
    /// read as JSON when it parses, <c>true</c> or <c>42</c>, else as a string). Empty: none.
    /// </summary>
    public Dictionary<string, string> PinMetadata { get; set; } = [];

    /// <summary>The persisted events of a run are deleted by the first compaction after the run has been over for this long.</summary>
    public TimeSpan EventRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// Threads neither updated nor written to for this long are deleted by the sweep, with everything
    /// they own. Zero (the default) deletes only threads whose own expiry time has passed.
    /// </summary>
    public TimeSpan ThreadTtl { get; set; } = TimeSpan.Zero;

    /// <summary>How often the retention sweep runs.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A running run whose lease expired longer ago than this (its executor is gone and nobody took it over) is ended as failed by the sweep.</summary>
    public TimeSpan LeaseExpiryGrace { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>A requested compaction that has not finished after this long no longer holds back a new request (its message may have been lost).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long a compaction holds its thread without renewing; another compaction of the thread waits this long for a crashed one.</summary>
    public TimeSpan HoldDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The sweep's deletion of a thread leaves a delayed message behind that finishes the job if the sweep dies; it is delivered after this.</summary>
    public TimeSpan DeletionResumeDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Checks the values; the deployment's policy as a <see cref="CompactionPolicy"/>.</summary>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public CompactionPolicy Validate()
    {
        if (Threshold < 1)
        {
            throw new ArgumentException($"{SectionName}:Threshold must be at least 1, not {Threshold}.");
        }

        foreach (var (name, value) in new[] { (nameof(SweepInterval), SweepInterval), (nameof(HoldDuration), HoldDuration), (nameof(RequestTimeout), RequestTimeout), (nameof(EventRetention), EventRetention) })
        {
            if (value <= TimeSpan.Zero)
            {
                throw new ArgumentException($"{SectionName}:{name} must be positive, not {value}.");
            }
        }

        if (ThreadTtl < TimeSpan.Zero || LeaseExpiryGrace < TimeSpan.Zero || DeletionResumeDelay < TimeSpan.Zero)
        {
            throw new ArgumentException($"{SectionName}:ThreadTtl, LeaseExpiryGrace and DeletionResumeDelay must not be negative.");
        }

        return CompactionPolicy.FromOptions(this);
    }
}
