namespace AgentFunctions.Storage.RunEvents;

/// <summary>How the run event log trades rows and requests for latency.</summary>
public sealed class RunEventLogOptions
{
    public const string SectionName = "RunEvents";

    /// <summary>
    /// The most events a segment may ever hold, whatever the options: a reader looks for the segment
    /// that holds sequence <c>s</c> among the rows that start from <c>s - MaxEventsPerSegmentLimit + 1</c> on.
    /// </summary>
    public const int MaxEventsPerSegmentLimit = 2000;

    /// <summary>
    /// The most characters of encoded events in one row: 14 properties of 32,000, less a margin (about 880 KB
    /// as UTF-16). An event larger than this is split across consecutive rows (see <see cref="RunEventRow"/>).
    /// </summary>
    public const int MaxSegmentCharsLimit = 440_000;

    /// <summary>The default of <see cref="MaxEventBytes"/>: 16 MiB.</summary>
    public const int DefaultMaxEventBytes = 16 * 1024 * 1024;

    /// <summary>The most <see cref="MaxEventBytes"/> may be set to: 256 MiB.</summary>
    public const int MaxEventBytesLimit = 256 * 1024 * 1024;

    /// <summary>The run events table.</summary>
    public string TableName { get; set; } = "runevents";

    /// <summary>
    /// The longest an appended event waits in the writer's buffer: a segment that has not filled up is
    /// written this long after its first event was appended. Also the latency a follower sees, plus its poll.
    /// </summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// The most events in one segment (row), at most <see cref="MaxEventsPerSegmentLimit"/>.
    /// </summary>
    public int MaxEventsPerSegment { get; set; } = MaxEventsPerSegmentLimit;

    /// <summary>
    /// A segment is closed once its encoded events reach this many characters (UTF-16, as the service
    /// counts them); at most <see cref="MaxSegmentCharsLimit"/>. One event larger than this
    /// gets a segment of its own.
    /// </summary>
    /// <remarks>
    /// A segment of more than about 42,000 characters is a string of more than 85,000 bytes, which .NET puts on the
    /// large object heap (as it does the storage client's buffers of it, sent and read back), where only a full
    /// collection frees it. With 40,000, a server writing and reading 50 runs' logs at once (eng/bench.sh slowstreams)
    /// allocated 1.2 GB there instead of 4.4 GB, and held a fifth of the memory per slow consumer, but on Azurite its
    /// runs took about 40% longer (five times the rows; a reader of one row a page makes five times the queries).
    /// </remarks>
    public int SegmentChars { get; set; } = 192_000;

    /// <summary>
    /// The largest event the log takes: its data as compact JSON, in bytes of UTF-8 (the event's name is
    /// not counted). A writer refuses a larger one with an <see cref="ArgumentException"/> before anything
    /// of it is written. An event over <see cref="MaxSegmentCharsLimit"/> characters is stored across
    /// consecutive rows, in one transaction when they fit in one and otherwise in several, of which the last
    /// makes it visible; 16 MiB of ASCII JSON takes 39 rows and six transactions (five of parts, then the
    /// head). At most <see cref="MaxEventBytesLimit"/>.
    /// </summary>
    public int MaxEventBytes { get; set; } = DefaultMaxEventBytes;

    /// <summary>Segments (rows) a read asks for in one request, unless a page size hint says otherwise.</summary>
    public int ReadRowsPerPage { get; set; } = 32;

    /// <summary>A follower's first wait after a poll that found nothing new; it doubles up to <see cref="FollowMaxPollInterval"/>.</summary>
    public TimeSpan FollowMinPollInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>A follower's longest wait between two polls of a run whose log has not been completed.</summary>
    public TimeSpan FollowMaxPollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    internal RunEventLogOptions Validated()
    {
        if (FlushInterval <= TimeSpan.Zero || FlushInterval > TimeSpan.FromMinutes(1))
        {
            throw new ArgumentOutOfRangeException(nameof(FlushInterval), FlushInterval, "The flush interval is more than zero and at most a minute.");
        }

        if (MaxEventsPerSegment is < 1 or > MaxEventsPerSegmentLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxEventsPerSegment), MaxEventsPerSegment, $"A segment holds 1 to {MaxEventsPerSegmentLimit} events.");
        }

        if (SegmentChars is < 1 or > MaxSegmentCharsLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(SegmentChars), SegmentChars, $"A segment holds 1 to {MaxSegmentCharsLimit} characters.");
        }

        if (MaxEventBytes is < 1 or > MaxEventBytesLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxEventBytes), MaxEventBytes, $"An event takes 1 to {MaxEventBytesLimit:N0} bytes.");
        }

        if (ReadRowsPerPage is < 1 or > Tables.TableLimits.MaxPageSize)
        {
            throw new ArgumentOutOfRangeException(nameof(ReadRowsPerPage), ReadRowsPerPage, $"A page has 1 to {Tables.TableLimits.MaxPageSize} rows.");
        }

        if (FollowMinPollInterval <= TimeSpan.Zero || FollowMaxPollInterval < FollowMinPollInterval)
        {
            throw new ArgumentOutOfRangeException(nameof(FollowMaxPollInterval), FollowMaxPollInterval, "Poll intervals are more than zero, the maximum at least the minimum.");
        }

        return this;
    }
}
