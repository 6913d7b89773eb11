using System.Runtime.ExceptionServices;
using System.Text;
using AgentFunctions.Core.RunEvents;
using AgentFunctions.Core.Stores;
using AgentFunctions.Storage.Stores;
using AgentFunctions.Storage.Tables;
using Azure.Data.Tables;

namespace AgentFunctions.Storage.RunEvents;

/// <summary>
/// Appends one run's events to its partition, in segments. Appending only buffers; one background
/// write loop at a time writes what is due, in sequence order, one entity-group transaction at a time:
/// <list type="bullet">
/// <item>segments that are full (by <see cref="RunEventLogOptions.MaxEventsPerSegment"/> or
/// <see cref="RunEventLogOptions.SegmentChars"/>), as soon as they are; while a write is under way
/// further segments fill, and the next transaction takes them all (up to 100 rows and about 3.6 MB);</item>
/// <item>everything buffered, <see cref="RunEventLogOptions.FlushInterval"/> after the first event that
/// found the timer idle (a timer, so an event appended and then nothing else is still written);</item>
/// <item>everything, on <see cref="FlushAsync"/>, <see cref="CompleteAsync"/> (with the end marker, in the
/// same transaction as the last segments) and <see cref="DisposeAsync"/> (without it).</item>
/// </list>
/// An event larger than a row (<see cref="RunEventLogOptions.MaxSegmentCharsLimit"/> characters) is a
/// segment of its own, written as a head row and parts (see <see cref="RunEventRow"/>): in one transaction,
/// with other segments, when its rows fit in one; otherwise alone, its parts first, in transactions of
/// their own that insert or replace them (no reader sees parts without their head, and a retry rewrites
/// them alike), then the head.
/// A failed write puts its segments back and is thrown, once, by the next call to
/// <see cref="AppendAsync"/>, <see cref="FlushAsync"/> or <see cref="CompleteAsync"/>; nothing is
/// retried until such a call (a large event's parts known to be stored are not sent again). Segments,
/// heads and end markers are inserted, never overwritten: a write that meets a row that is
/// already there with the same content (an earlier attempt that did succeed) skips it, and one that
/// meets a different row is a <see cref="StoreConflictException"/> (another writer). Parts are upserted:
/// their keys hold this writer's write id for the event, so only its own attempts write there.
/// Appends are meant to come from one caller at a time; the writer is safe against its own timer and loop.
/// </summary>
internal sealed class TableRunEventWriter : IRunEventWriter
{
    // An entity-group transaction carries at most 100 operations and 4 MiB; leave room for the envelope.
    private const int MaxTransactionRows = TableLimits.MaxTransactionActions;
    private const long MaxTransactionBytes = 3_600_000;

    // Past this many bytes waiting, appends wait for the write loop: what a run's log holds in memory while storage is
    // slower than the run (a few rows; a transaction takes what is there, up to MaxTransactionBytes). Small, because a
    // run whose consumer fell behind writes its log from then on, and every such run holds this much at most.
    private const long MaxBufferedBytes = 1_000_000;

    // The stored rows a consumer in this process reads by key (ReadWrittenAsync): the newest ones, a few dozen bytes each.
    private const int MaxWrittenRows = 4_096;

    private readonly TableClient _table;
    private readonly TableCreation _creation;
    private readonly RunEventLogOptions _options;
    private readonly string _runId;
    private readonly Lock _lock = new();
    private readonly List<Segment> _pending = [];
    private readonly List<WrittenRow> _written = [];
    private readonly ITimer _timer;

    private long _next = -1;
    // The sequence after the last one stored (the first one appended until a row is stored); -1 before any.
    private long _writtenNext = -1;
    private long _pendingBytes;
    private bool _timerArmed;
    private bool _loopRunning;
    private Task _loop = Task.CompletedTask;
    private bool _writeAll;
    private bool _completeRequested;
    private bool _completed;
    private bool _disposed;
    private ExceptionDispatchInfo? _failure;

    public TableRunEventWriter(TableClient table, TableCreation creation, RunEventLogOptions options, TimeProvider time, string runId)
    {
        _table = table;
        _creation = creation;
        _options = options;
        _runId = runId;
        _timer = time.CreateTimer(static state => ((TableRunEventWriter)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The write loop under way, or the last one (then complete): what a test waits for to see how a background write ended.</summary>
    internal Task WriteLoop
    {
        get
        {
            lock (_lock)
            {
                return _loop;
            }
        }
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The event's name or data cannot be stored, or its data is over
    /// <see cref="RunEventLogOptions.MaxEventBytes"/> bytes of JSON (nothing of it is buffered).</exception>
    /// <exception cref="ArgumentOutOfRangeException">The sequence number is not the next one.</exception>
    /// <exception cref="InvalidOperationException">The log is completed or being completed.</exception>
    public ValueTask AppendAsync(RunEvent runEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runEvent);
        cancellationToken.ThrowIfCancellationRequested();
        var line = RunEventSegments.Encode(runEvent, out var dataBytes);
        if (dataBytes > _options.MaxEventBytes)
        {
            throw new ArgumentException(
                $"Event {runEvent.Sequence} ('{runEvent.Event}') of run '{_runId}' takes {dataBytes:N0} bytes of JSON; an event takes at most {_options.MaxEventBytes:N0} ({nameof(RunEventLogOptions)}.{nameof(RunEventLogOptions.MaxEventBytes)}).",
                nameof(runEvent));
        }

        // An event larger than a row is cut into its rows' pieces here, outside the lock.
        var large = line.Length > RunEventLogOptions.MaxSegmentCharsLimit ? Segment.Large(runEvent.Sequence, line) : null;
        var bytes = large?.Bytes ?? TableLimits.RequestBytes(line);
        Task? wait = null;
        lock (_lock)
        {
            ThrowIfClosed();
            ThrowFailure();
            if (_next >= 0 ? runEvent.Sequence != _next : runEvent.Sequence < 0)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(runEvent),
                    runEvent.Sequence,
                    _next >= 0 ? $"The next event of run '{_runId}' is {_next}." : "Sequence numbers start at 0 or more.");
            }

            var segment = _pending.Count > 0 ? _pending[^1] : null;
            var sealedOne = false;
            if (segment is null || segment.Sealed || large is not null || segment.Chars + line.Length > _options.SegmentChars)
            {
                if (segment is not null)
                {
                    sealedOne |= !segment.Sealed;
                    segment.Sealed = true;
                }

                segment = large ?? new Segment(runEvent.Sequence);
                _pending.Add(segment);
            }

            if (large is null)
            {
                segment.Add(line, bytes);
            }

            _pendingBytes += bytes;
            if (_writtenNext < 0)
            {
                _writtenNext = runEvent.Sequence;
            }

            _next = runEvent.Sequence + 1;
            if (segment.Count >= _options.MaxEventsPerSegment || segment.Chars >= _options.SegmentChars)
            {
                segment.Sealed = true;
                sealedOne = true;
            }

            if (!_timerArmed)
            {
                _timerArmed = true;
                _timer.Change(_options.FlushInterval, Timeout.InfiniteTimeSpan);
            }

            if (sealedOne || _pendingBytes > MaxBufferedBytes)
            {
                var loop = StartLoop(all: false);
                wait = _pendingBytes > MaxBufferedBytes ? loop : null;
            }
        }

        // Back-pressure: with MaxBufferedBytes waiting, let the write loop catch up.
        return wait is null ? ValueTask.CompletedTask : new ValueTask(wait.WaitAsync(cancellationToken));
    }

    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        Task loop;
        lock (_lock)
        {
            ThrowIfDisposed();
            ThrowFailure();
            if (_completed)
            {
                return;
            }

            loop = StartLoop(all: true);
        }

        await loop.WaitAsync(cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            ThrowFailure();
        }
    }

    public async Task CompleteAsync(CancellationToken cancellationToken = default)
    {
        Task loop;
        lock (_lock)
        {
            ThrowIfDisposed();
            if (_completed)
            {
                return;
            }

            ThrowFailure();
            _completeRequested = true;
            loop = StartLoop(all: true);
        }

        await loop.WaitAsync(cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            ThrowFailure();
        }
    }

    /// <summary>Writes what is buffered (without completing the log) and closes the writer; a failed write is thrown.</summary>
    public async ValueTask DisposeAsync()
    {
        Task loop;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            loop = _completed ? Task.CompletedTask : StartLoop(all: true);
        }

        try
        {
            await loop.ConfigureAwait(false);
            lock (_lock)
            {
                ThrowFailure();
            }
        }
        finally
        {
            lock (_lock)
            {
                _disposed = true;
                _timerArmed = false;
            }

            await _timer.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void OnTimer()
    {
        lock (_lock)
        {
            _timerArmed = false;
            if (!_disposed && _pending.Count > 0)
            {
                StartLoop(all: true);
            }
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// The writer keeps the keys of the rows it has stored (the newest <see cref="MaxWrittenRows"/>): the row that holds
    /// the next event is read by its key, a large event's head and parts in parallel. A row that is not there (the log
    /// was deleted) is null, as for a row the writer does not know.
    /// </remarks>
    public async ValueTask<IReadOnlyList<RunEvent>?> ReadWrittenAsync(long afterSequence, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(afterSequence, -1);
        var next = afterSequence + 1;
        WrittenRow row;
        lock (_lock)
        {
            if (_writtenNext < 0 || next < (_written.Count > 0 ? _written[0].First : _writtenNext))
            {
                return null;
            }

            if (next >= _writtenNext)
            {
                return [];
            }

            row = _written[Holding(next)];
        }

        var keys = new string[row.Parts + 1];
        keys[0] = RunEventSegments.Key(row.First);
        for (var part = 1; part <= row.Parts; part++)
        {
            keys[part] = RunEventSegments.PartKey(row.First, row.WriteId!, part);
        }

        var rows = await Task.WhenAll(keys.Select(key => _table.GetRowIfExistsAsync<RunEventRow>(_runId, key, cancellationToken: cancellationToken))).ConfigureAwait(false);
        var decoder = new RunEventDecoder(afterSequence);
        var events = new List<RunEvent>();
        foreach (var stored in rows)
        {
            if (stored is null)
            {
                return null;
            }

            events.AddRange(decoder.Decode(stored));
        }

        decoder.EndOfRows();
        return events;
    }

    /// <summary>Makes sure the write loop runs (under the lock); with <paramref name="all"/>, it writes partial segments too.</summary>
    private Task StartLoop(bool all)
    {
        _writeAll |= all;
        if (!_loopRunning)
        {
            _loopRunning = true;
            _loop = Task.Run(WriteLoopAsync);
        }

        return _loop;
    }

    private async Task WriteLoopAsync()
    {
        while (true)
        {
            Batch? batch;
            lock (_lock)
            {
                batch = TakeBatch();
                if (batch is null)
                {
                    _loopRunning = false;
                    _writeAll = false;
                    return;
                }
            }

            try
            {
                await WriteAsync(batch).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // Any failure of a write is kept and thrown to the writer's caller.
            catch (Exception e)
#pragma warning restore CA1031
            {
                lock (_lock)
                {
                    foreach (var segment in batch.Segments)
                    {
                        segment.Sealed = true; // its content must stay what the failed attempt sent
                        _pendingBytes += segment.Bytes;
                    }

                    _pending.InsertRange(0, batch.Segments);
                    _failure = ExceptionDispatchInfo.Capture(e);
                    _completeRequested = false;
                    _loopRunning = false;
                    _writeAll = false;
                }

                return;
            }

            lock (_lock)
            {
                Written(batch.Segments);
                if (batch.Complete)
                {
                    _completed = true;
                    _timerArmed = false;
                    _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                }
            }
        }
    }

    /// <summary>The next transaction's segments (and end marker), taken out of the buffer; null when nothing is due.</summary>
    private Batch? TakeBatch()
    {
        if (_completed)
        {
            return null;
        }

        var takeAll = _writeAll || _completeRequested;
        var due = takeAll ? _pending.Count : _pending.TakeWhile(s => s.Sealed).Count();
        var maxRows = _completeRequested ? MaxTransactionRows - 1 : MaxTransactionRows;
        var maxBytes = MaxTransactionBytes - (_completeRequested ? RunEventSegments.RowOverheadBytes : 0);
        var take = 0;
        var rows = 0;
        long bytes = 0;
        while (take < due)
        {
            // The first segment always goes: a large event too big for one transaction is written alone, in several.
            var segment = _pending[take];
            var segmentBytes = segment.Bytes + (segment.Rows * RunEventSegments.RowOverheadBytes);
            if (take > 0 && (rows + segment.Rows > maxRows || bytes + segmentBytes > maxBytes))
            {
                break;
            }

            rows += segment.Rows;
            bytes += segmentBytes;
            take++;
        }

        var complete = _completeRequested && take == _pending.Count;
        if (take == 0 && !complete)
        {
            return null;
        }

        var segments = _pending.GetRange(0, take);
        _pending.RemoveRange(0, take);
        foreach (var segment in segments)
        {
            _pendingBytes -= segment.Bytes;
        }

        if (_pending.Count == 0)
        {
            _writeAll = false;
        }

        return new Batch(segments, complete, Math.Max(_next - 1, -1));
    }

    private async Task WriteAsync(Batch batch)
    {
        var actions = new List<(TableTransactionActionType Type, RunEventRow Row)>();
        long bytes = 0;
        foreach (var segment in batch.Segments)
        {
            actions.AddRange(Actions(segment));
            bytes += segment.Bytes + (segment.Rows * RunEventSegments.RowOverheadBytes);
        }

        if (batch.Complete)
        {
            actions.Add((TableTransactionActionType.Add, RunEventRow.End(_runId, batch.LastSequence)));
            bytes += RunEventSegments.RowOverheadBytes;
        }

        // The writer's own writes are not cancelled by a caller: a cancelled transaction's outcome is unknown.
        await _creation.EnsureCreatedAsync(CancellationToken.None).ConfigureAwait(false);
        if (actions.Count > MaxTransactionRows || bytes > MaxTransactionBytes)
        {
            // Only a batch of one large event is over a transaction: its parts go first, then its head (and end marker).
            var segment = batch.Segments.Single();
            await WritePartsAsync(segment).ConfigureAwait(false);
            actions.RemoveAll(a => a.Row.IsPart);
        }

        await InsertAsync(actions).ConfigureAwait(false);
    }

    /// <summary>The rows that write a segment: an insert of its row, and for a large event the upserts of its parts.</summary>
    private IEnumerable<(TableTransactionActionType Type, RunEventRow Row)> Actions(Segment segment)
    {
        if (segment.Pieces is not { } pieces)
        {
            yield return (TableTransactionActionType.Add, RunEventRow.Segment(_runId, segment.First, segment.Count, segment.Text));
            yield break;
        }

        yield return (TableTransactionActionType.Add, RunEventRow.Head(_runId, segment.First, segment.WriteId!, pieces.Length - 1, pieces[0]));
        for (var part = 1; part < pieces.Length; part++)
        {
            yield return (TableTransactionActionType.UpsertReplace, RunEventRow.Part(_runId, segment.First, segment.WriteId!, part, pieces[part]));
        }
    }

    /// <summary>
    /// Writes the parts of a large event that a transaction cannot take whole, as many to a transaction as fit,
    /// from the first one not known to be stored. They are inserted or replaced: they sit under this event's
    /// own write id, where nothing but an earlier attempt of this write can be, and no reader takes them until
    /// the head is written.
    /// </summary>
    private async Task WritePartsAsync(Segment segment)
    {
        var pieces = segment.Pieces!;
        var part = segment.PartsWritten + 1;
        while (part < pieces.Length)
        {
            var actions = new List<TableTransactionAction>();
            long bytes = 0;
            while (part < pieces.Length && actions.Count < MaxTransactionRows)
            {
                var partBytes = segment.PieceBytes![part] + RunEventSegments.RowOverheadBytes;
                if (actions.Count > 0 && bytes + partBytes > MaxTransactionBytes)
                {
                    break;
                }

                actions.Add(TableRows.Action(TableTransactionActionType.UpsertReplace, RunEventRow.Part(_runId, segment.First, segment.WriteId!, part, pieces[part])));
                bytes += partBytes;
                part++;
            }

            await _table.SubmitNamedTransactionAsync(actions, CancellationToken.None).ConfigureAwait(false);
            segment.PartsWritten = part - 1;
        }
    }

    /// <summary>Submits the actions in one transaction; inserts of rows that are there already with the same content are dropped and the rest resubmitted.</summary>
    private async Task InsertAsync(List<(TableTransactionActionType Type, RunEventRow Row)> rowActions)
    {
        var rows = rowActions.ConvertAll(a => a.Row);
        var actions = rowActions.ConvertAll(a => TableRows.Action(a.Type, a.Row));
        while (actions.Count > 0)
        {
            try
            {
                await _table.SubmitNamedTransactionAsync(actions, CancellationToken.None).ConfigureAwait(false);
                return;
            }
            catch (TableTransactionFailedException e) when (e.Status == 409 && e.FailedTransactionActionIndex is null or >= 0 && (e.FailedTransactionActionIndex ?? 0) < actions.Count)
            {
                // A row that is there already: an earlier attempt of this write that went through (its
                // response lost), which is skipped, or another writer's, which is a conflict.
                var index = e.FailedTransactionActionIndex ?? 0;
                var existing = await _table.GetRowIfExistsAsync<RunEventRow>(_runId, rows[index].RowKey, cancellationToken: CancellationToken.None).ConfigureAwait(false);
                if (existing is null || !existing.SameContent(rows[index]))
                {
                    throw new StoreConflictException(
                        rows[index].IsEnd
                            ? $"The event log of run '{_runId}' was completed by another writer."
                            : $"Run '{_runId}' already has events from sequence {rows[index].First} on, written by another writer.",
                        e);
                }

                rows.RemoveAt(index);
                actions.RemoveAt(index);
            }
        }
    }

    /// <summary>Records the rows of segments just stored (under the lock); the oldest are forgotten past <see cref="MaxWrittenRows"/>.</summary>
    private void Written(List<Segment> segments)
    {
        if (_written.Count + segments.Count > MaxWrittenRows)
        {
            _written.RemoveRange(0, Math.Min(_written.Count, Math.Max(MaxWrittenRows / 4, segments.Count)));
        }

        foreach (var segment in segments)
        {
            _written.Add(new WrittenRow(segment.First, segment.WriteId, segment.Rows - 1));
            _writtenNext = segment.First + segment.Count;
        }
    }

    /// <summary>The index of the stored row that holds <paramref name="sequence"/>, one of those known (under the lock).</summary>
    private int Holding(long sequence)
    {
        var low = 0;
        var high = _written.Count - 1;
        while (low < high)
        {
            var middle = (low + high + 1) / 2;
            if (_written[middle].First <= sequence)
            {
                low = middle;
            }
            else
            {
                high = middle - 1;
            }
        }

        return low;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private void ThrowIfClosed()
    {
        ThrowIfDisposed();
        if (_completed || _completeRequested)
        {
            throw new InvalidOperationException($"The event log of run '{_runId}' is completed; nothing more can be appended.");
        }
    }

    /// <summary>Throws the last failed write's exception, once.</summary>
    private void ThrowFailure()
    {
        var failure = _failure;
        _failure = null;
        failure?.Throw();
    }

    /// <summary>A stored row: a segment's first sequence, or a large event's, with its write id and how many parts follow its head.</summary>
    private readonly record struct WrittenRow(long First, string? WriteId, int Parts);

    private sealed record Batch(List<Segment> Segments, bool Complete, long LastSequence);

    /// <summary>
    /// Consecutive buffered events, from <see cref="First"/>: the lines of one row; or one event larger than a
    /// row, cut into <see cref="Pieces"/>: its head's and its parts'.
    /// </summary>
    private sealed class Segment(long first)
    {
        private readonly StringBuilder _lines = new();
        private string? _text;

        public long First => first;

        public int Count { get; private set; }

        public int Chars => _lines.Length;

        /// <summary>The lines' size in a transaction's body.</summary>
        public long Bytes { get; private set; }

        /// <summary>The rows it takes: 1, or a large event's head and parts.</summary>
        public int Rows => Pieces?.Length ?? 1;

        /// <summary>A large event's pieces: the head's, then part 1's, 2's…; null for a segment of a row.</summary>
        public string[]? Pieces { get; private init; }

        /// <summary>The size of each piece in a transaction's body.</summary>
        public long[]? PieceBytes { get; private init; }

        /// <summary>A large event's write id, the same for every attempt of this writer.</summary>
        public string? WriteId { get; private init; }

        /// <summary>How many of a large event's parts (from part 1 on) are known to be stored by an earlier attempt.</summary>
        public int PartsWritten { get; set; }

        /// <summary>One event over <see cref="RunEventLogOptions.MaxSegmentCharsLimit"/> characters, sealed, cut into the pieces of its rows.</summary>
        public static Segment Large(long sequence, string line)
        {
            var (pieces, pieceBytes) = RunEventSegments.Cut(line);
            return new Segment(sequence)
            {
                Pieces = pieces,
                PieceBytes = pieceBytes,
                WriteId = RunEventSegments.NewWriteId(),
                Count = 1,
                Bytes = pieceBytes.Sum(),
                Sealed = true,
            };
        }

        /// <summary>No more events go in: it is full, or it was sent once and must be resent as it was.</summary>
        public bool Sealed { get; set; }

        public string Text => _text ??= _lines.ToString();

        public void Add(string line, long bytes)
        {
            _lines.Append(line);
            Count++;
            Bytes += bytes;
        }
    }
}
