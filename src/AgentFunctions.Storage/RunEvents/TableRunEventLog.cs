using System.Runtime.CompilerServices;
using AgentFunctions.Core.Paging;
using AgentFunctions.Core.RunEvents;
using AgentFunctions.Core.Stores;
using AgentFunctions.Storage.Stores;
using AgentFunctions.Storage.Tables;
using Azure;
using Azure.Data.Tables;

namespace AgentFunctions.Storage.RunEvents;

/// <summary>
/// Run events in Table Storage: PartitionKey = run id, one row per segment of consecutive events,
/// RowKey = the segment's first sequence number (zero-padded), then an end marker row once the run's
/// log is completed (see <see cref="RunEventRow"/> for the rows and <see cref="RunEventSegments"/> for
/// the encoding). An event larger than a row takes consecutive rows after its head, and appears whole or
/// not at all. Reads are lazy range scans that start inside the segment holding the first sequence
/// asked for; following polls the same scan with a short backoff until the end marker appears.
/// The table is created on first use (or by <see cref="InitializeAsync"/>).
/// </summary>
/// <remarks>
/// Sizes, for the logs and for capacity planning, with the default options:
/// <list type="bullet">
/// <item>a segment row: at most 2,000 events and about 192,000 characters of encoded events (about
/// 384 KB as the service counts UTF-16), or one event of up to 440,000 characters (about 880 KB, under
/// the 1 MiB entity limit); an event is its name, a tab, its compact JSON and a newline;</item>
/// <item>a larger event (a <c>values</c> event of a long thread): a head row and parts of up to 440,000
/// characters each (fewer for mostly non-ASCII text: a piece takes at most 1,000,000 bytes as sent), in the
/// same transaction as other segments when they fit (under about 3.6 MB, so up to about 3.5 MB of ASCII
/// JSON), otherwise the parts first, in as many transactions as they take, and the head last; 16 MiB of
/// ASCII JSON (<see cref="RunEventLogOptions.MaxEventBytes"/>, the default limit) is 39 rows in six
/// transactions; a read page that ends inside a large event reads on to its end;</item>
/// <item>a transaction: at most 100 rows and about 3.6 MB on the wire (the limit is 4 MiB);</item>
/// <item>token deltas of about 100 characters appended faster than the flush interval: about 1,900
/// events a row (size-bound) and a dozen rows a transaction; appended at 50 a second with the default
/// 200 ms interval: about 10 events a row, five rows a second;</item>
/// <item>a read page: at most <see cref="RunEventLogOptions.ReadRowsPerPage"/> rows (32, so up to
/// 64,000 events or about 12 MB of events for the largest rows); a follower: one query a poll, every
/// 50 ms while events come, backing off to one every 500 ms while none do.</item>
/// </list>
/// </remarks>
public sealed class TableRunEventLog : IRunEventLog
{
    private const string Kind = "run";

    private readonly TableClient _table;
    private readonly TableCreation _creation;
    private readonly RunEventLogOptions _options;
    private readonly TimeProvider _time;

    /// <summary>The log the hosts register: the table <see cref="RunEventLogOptions.TableName"/> with the deployment's prefix.</summary>
    /// <param name="service">The Table service; the log keeps one client for its table.</param>
    /// <param name="names">The deployment's table names.</param>
    /// <param name="options">Table name, segment sizes, flush and poll intervals.</param>
    /// <param name="timeProvider">The clock of the writers' flush timers and the followers' polls.</param>
    public TableRunEventLog(TableServiceClient service, StorageNames names, RunEventLogOptions options, TimeProvider timeProvider)
        : this(service, options, timeProvider, (names ?? throw new ArgumentNullException(nameof(names))).Table(options?.TableName ?? throw new ArgumentNullException(nameof(options))))
    {
    }

    /// <param name="service">The Table service; the log keeps one client for its table.</param>
    /// <param name="options">Table name (in full), segment sizes, flush and poll intervals.</param>
    /// <param name="timeProvider">The clock of the writers' flush timers and the followers' polls.</param>
    public TableRunEventLog(TableServiceClient service, RunEventLogOptions? options = null, TimeProvider? timeProvider = null)
        : this(service, options ?? new RunEventLogOptions(), timeProvider, tableName: null)
    {
    }

    private TableRunEventLog(TableServiceClient service, RunEventLogOptions options, TimeProvider? timeProvider, string? tableName)
    {
        ArgumentNullException.ThrowIfNull(service);
        _options = options.Validated();
        _table = service.GetTableClient(tableName ?? _options.TableName);
        _creation = new TableCreation(_table);
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Creates the table unless it exists (otherwise done on first use).</summary>
    public Task InitializeAsync(CancellationToken cancellationToken = default) => _creation.EnsureCreatedAsync(cancellationToken);

    /// <inheritdoc/>
    /// <remarks>
    /// The writer sends nothing until its first segment is due. Its first event sets where it starts: 0
    /// for a new run, or the next sequence number to continue a log. Two writers that start at the same
    /// sequence number conflict on their first write (<see cref="StoreConflictException"/>).
    /// </remarks>
    /// <exception cref="InvalidResourceIdException"><paramref name="runId"/> is not a valid id.</exception>
    public IRunEventWriter OpenWriter(string runId)
        => new TableRunEventWriter(_table, _creation, _options, _time, ResourceIds.Validate(runId, Kind));

    /// <inheritdoc/>
    /// <remarks>
    /// Nothing is sent until the result is enumerated. A page is one query of up to
    /// <see cref="RunEventLogOptions.ReadRowsPerPage"/> rows (a page size hint counts rows, not events),
    /// and more when it ends inside a large event, which it reads to its end so that every page holds whole
    /// events; its continuation token is the service's. The end marker is not an event: it ends nothing here.
    /// </remarks>
    /// <exception cref="InvalidResourceIdException"><paramref name="runId"/> is not a valid id.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="afterSequence"/> is below -1.</exception>
    public AsyncPageable<RunEvent> ReadAsync(string runId, long afterSequence = -1, CancellationToken cancellationToken = default)
    {
        var filter = Filter(ResourceIds.Validate(runId, Kind), afterSequence);
        return AsyncPageables.Create<RunEvent>(
            async (continuationToken, pageSizeHint, ct) =>
            {
                var decoder = new RunEventDecoder(afterSequence);
                var events = new List<RunEvent>();
                var page = await ReadRowsAsync(filter, continuationToken, pageSizeHint, ct).ConfigureAwait(false);
                Decode(decoder, page, events);

                // A page that ends inside a large event reads on to its last part: no event spans two pages,
                // and a continuation token never points inside one.
                while (decoder.Pending && page.ContinuationToken is { } next)
                {
                    var rows = Math.Min(TableLimits.MaxPageSize, Math.Max(pageSizeHint ?? _options.ReadRowsPerPage, decoder.PartsToCome));
                    page = await ReadRowsAsync(filter, next, rows, ct).ConfigureAwait(false);
                    Decode(decoder, page, events);
                }

                decoder.EndOfRows();
                return Page<RunEvent>.FromValues(events, page.ContinuationToken, page.GetRawResponse());
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Yields what is persisted, then polls for new segments: after a poll that found events the next
    /// comes <see cref="RunEventLogOptions.FollowMinPollInterval"/> later, after one that found none the
    /// wait doubles up to <see cref="RunEventLogOptions.FollowMaxPollInterval"/>. The enumeration ends
    /// after the last event once the end marker is seen (at once, after the replay, for a completed log);
    /// a log that is never completed (its writer gone) is followed until the caller cancels. Cancelling
    /// (this token or the enumerator's) makes the pending <c>MoveNextAsync</c> throw an
    /// <see cref="OperationCanceledException"/> promptly, and nothing else is thrown for it; storage
    /// failures are thrown as they come (<see cref="RequestFailedException"/>).
    /// </remarks>
    /// <exception cref="InvalidResourceIdException"><paramref name="runId"/> is not a valid id.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="afterSequence"/> is below -1.</exception>
    public IAsyncEnumerable<RunEvent> FollowAsync(string runId, long afterSequence = -1, CancellationToken cancellationToken = default)
    {
        var partition = ResourceIds.Validate(runId, Kind);
        _ = Filter(partition, afterSequence); // checks the arguments now, not on the first MoveNextAsync
        return FollowCoreAsync(partition, afterSequence, cancellationToken);
    }

    /// <inheritdoc/>
    /// <remarks>Reads the partition's row keys a page at a time and deletes them in transactions of 100.</remarks>
    public async Task DeleteAsync(string runId, CancellationToken cancellationToken = default)
    {
        var partition = ResourceIds.Validate(runId, Kind);
        await _creation.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        await _table.DeleteEntitiesAsync(TableClient.CreateQueryFilter($"PartitionKey eq {partition}"), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Reads the keys and counts of the run's rows (not their events): the last event is the highest one of a row that
    /// holds events (a segment, or a large event's head; the parts of a large event whose head was never written are
    /// not events), and the end marker says the log was completed.
    /// </remarks>
    public async Task<RunEventLogEnd> GetEndAsync(string runId, CancellationToken cancellationToken = default)
    {
        var partition = ResourceIds.Validate(runId, Kind);
        await _creation.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var next = 0L;
        var completed = false;
        var rows = _table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition}"), select: ["RowKey", "N", "L", "Q"], cancellationToken: cancellationToken);
        await foreach (var row in rows.ConfigureAwait(false))
        {
            if (row.RowKey == RunEventSegments.EndKey)
            {
                completed = true;
                if (row.GetInt64("Q") is { } end)
                {
                    next = Math.Max(next, end + 1);
                }
            }
            else if ((row.GetInt32("N") ?? 0) > 0 && row.GetInt64("L") is { } last)
            {
                next = Math.Max(next, last + 1);
            }
        }

        return new RunEventLogEnd(next, completed);
    }

    private async IAsyncEnumerable<RunEvent> FollowCoreAsync(string partition, long afterSequence, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var last = afterSequence;
        var wait = _options.FollowMinPollInterval;
        while (true)
        {
            var found = false;
            var filter = Filter(partition, last);
            var decoder = new RunEventDecoder(last);
            string? continuation = null;
            do
            {
                var page = await PollAsync(filter, continuation, cancellationToken).ConfigureAwait(false);
                continuation = page.ContinuationToken;
                foreach (var row in page.Values)
                {
                    foreach (var runEvent in decoder.Decode(row))
                    {
                        yield return runEvent;
                        last = runEvent.Sequence;
                        found = true;
                    }

                    if (row.IsEnd)
                    {
                        yield break;
                    }
                }
            }
            while (continuation is not null);

            decoder.EndOfRows();

            wait = found ? _options.FollowMinPollInterval : Min(wait * 2, _options.FollowMaxPollInterval);
            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One page of a follower's poll; a failure caused by the caller's cancellation is an <see cref="OperationCanceledException"/>.</summary>
    private async Task<Page<RunEventRow>> PollAsync(string filter, string? continuation, CancellationToken cancellationToken)
    {
        try
        {
            return await ReadRowsAsync(filter, continuation, null, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("Following the run's events was cancelled.", e, cancellationToken);
        }
    }

    private async Task<Page<RunEventRow>> ReadRowsAsync(string filter, string? continuationToken, int? pageSizeHint, CancellationToken cancellationToken)
    {
        await _creation.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        return await TableRows.FirstPageAsync(_table.QueryRowsAsync<RunEventRow>(filter, _options.ReadRowsPerPage, cancellationToken: cancellationToken), continuationToken, pageSizeHint).ConfigureAwait(false);
    }

    /// <summary>
    /// The rows that hold events after <paramref name="afterSequence"/>, and the end marker: a segment
    /// that holds the next sequence starts at most <see cref="RunEventLogOptions.MaxEventsPerSegmentLimit"/>
    /// - 1 before it, and ends at or after it.
    /// </summary>
    private static string Filter(string partition, long afterSequence)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(afterSequence, -1);
        ArgumentOutOfRangeException.ThrowIfEqual(afterSequence, long.MaxValue);
        var next = afterSequence + 1;
        var from = RunEventSegments.Key(Math.Max(0, next - RunEventLogOptions.MaxEventsPerSegmentLimit + 1));
        return TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {from} and L ge {next}");
    }

    private static void Decode(RunEventDecoder decoder, Page<RunEventRow> page, List<RunEvent> events)
    {
        foreach (var row in page.Values)
        {
            events.AddRange(decoder.Decode(row));
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
