using System.Runtime.InteropServices;
using AgentFunctions.Core.RunEvents;

namespace AgentFunctions.Core.Runs;

/// <summary>
/// The newest events of a run being executed, held for the consumers that follow it live: a ring bounded by the
/// memory the events take (at least the newest event is kept), which the run adds to without ever waiting, and
/// from which each consumer takes the events one at a time at its own position. An event leaves the ring when newer
/// ones need its room, read or not: a consumer whose next event has left has fallen behind and continues from the
/// run's event log. When an event some consumer has not read leaves while the log is not written, <see cref="Publish"/>
/// says so, with the events from that one on, for the executor to start writing the log there.
/// </summary>
internal sealed class LiveRunEvents(long maxBytes)
{
    private const int EventOverheadBytes = 256;

    private readonly Lock _gate = new();
    private readonly List<LivePosition> _positions = [];
    private Entry[] _ring = new Entry[16];
    private int _head;
    private int _count;
    private long _bytes;
    private long _next;
    private bool _persisted;
    private bool _completed;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A consumer from the first event on (the run's own request registers it before the run starts).</summary>
    public LivePosition FromStart() => Add(-1);

    /// <summary>
    /// A consumer from the next event to come on (or later, after <paramref name="afterSequence"/>), as a joiner of a
    /// run whose events are not persisted gets them; null when the run has ended.
    /// </summary>
    public LivePosition? FromNow(long afterSequence)
    {
        lock (_gate)
        {
            return _completed ? null : Add(Math.Max(afterSequence, _next - 1));
        }
    }

    /// <summary>A consumer that has stopped: events it did not read no longer need the log.</summary>
    public void Remove(LivePosition position)
    {
        lock (_gate)
        {
            _positions.Remove(position);
        }
    }

    /// <summary>
    /// Adds the run's next event, making room by letting the oldest go. Null, or, when an event a consumer has not
    /// read had to go and the log is not written (<paramref name="persisted"/> false), the events from that one on,
    /// oldest first, which the caller writes to the log before the next event (and every event after).
    /// </summary>
    public IReadOnlyList<RunEvent>? Publish(RunEvent runEvent, bool persisted)
    {
        ArgumentNullException.ThrowIfNull(runEvent);
        var size = Size(runEvent);
        TaskCompletionSource changed;
        List<RunEvent>? fromBehind = null;
        lock (_gate)
        {
            _persisted |= persisted;
            if (_count == _ring.Length)
            {
                Grow();
            }

            _ring[(_head + _count) % _ring.Length] = new Entry(runEvent, size);
            _count++;
            _bytes += size;
            _next = runEvent.Sequence + 1;
            while (_bytes > maxBytes && _count > 1)
            {
                var oldest = _ring[_head];
                if (!_persisted && fromBehind is null && _positions.Exists(p => p.Delivered < oldest.Event.Sequence))
                {
                    fromBehind = [oldest.Event];
                }
                else
                {
                    fromBehind?.Add(oldest.Event);
                }

                _ring[_head] = default;
                _head = (_head + 1) % _ring.Length;
                _count--;
                _bytes -= oldest.Size;
            }

            if (fromBehind is not null)
            {
                _persisted = true;
                for (var i = 0; i < _count; i++)
                {
                    fromBehind.Add(_ring[(_head + i) % _ring.Length].Event);
                }
            }

            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.SetResult();
        return fromBehind;
    }

    /// <summary>
    /// The run has ended: no event comes after those added. The ring lets go of the events no consumer will take from
    /// it: those before every consumer that follows live, and, as a consumer that fell behind reads the rest of the
    /// (now completed) log instead, all of them when none does. A slow stream of an ended run holds no more than its
    /// own page of the log.
    /// </summary>
    public void Complete()
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _completed = true;
            var oldest = _count > 0 ? _ring[_head].Event.Sequence : _next;
            var needed = _next;
            foreach (var position in _positions)
            {
                if (position.Delivered + 1 >= oldest)
                {
                    needed = Math.Min(needed, position.Delivered + 1);
                }
            }

            while (_count > 0 && _ring[_head].Event.Sequence < needed)
            {
                _bytes -= _ring[_head].Size;
                _ring[_head] = default;
                _head = (_head + 1) % _ring.Length;
                _count--;
            }

            changed = _changed;
        }

        changed.TrySetResult();
    }

    /// <summary>Whether the run has ended (every event has been added, and the log, when written, completed).</summary>
    public bool IsCompleted
    {
        get
        {
            lock (_gate)
            {
                return _completed;
            }
        }
    }

    /// <summary>Takes the consumer's next event when the ring has it; else what to do, and (for <see cref="LiveTake.Wait"/>) the change to wait for.</summary>
    public LiveTake TryTake(LivePosition position, out RunEvent? runEvent, out Task changed)
    {
        ArgumentNullException.ThrowIfNull(position);
        lock (_gate)
        {
            runEvent = null;
            changed = _changed.Task;
            var wanted = position.Delivered + 1;
            if (wanted >= _next)
            {
                return _completed ? LiveTake.Ended : LiveTake.Wait;
            }

            if (_count == 0 || wanted < _ring[_head].Event.Sequence)
            {
                return LiveTake.Behind;
            }

            runEvent = _ring[(_head + (int)(wanted - _ring[_head].Event.Sequence)) % _ring.Length].Event;
            position.Delivered = wanted;
            return LiveTake.Event;
        }
    }

    /// <summary>
    /// Notes an event a consumer that fell behind was given from the log; true when the ring now holds (or is yet to
    /// get) its next one, so that it can follow live again.
    /// </summary>
    public bool Delivered(LivePosition position, long sequence)
    {
        ArgumentNullException.ThrowIfNull(position);
        lock (_gate)
        {
            position.Delivered = sequence;
            return CaughtUp(position);
        }
    }

    /// <summary>Whether the consumer's next event is in the ring, or is yet to come.</summary>
    public bool IsCaughtUp(LivePosition position)
    {
        ArgumentNullException.ThrowIfNull(position);
        lock (_gate)
        {
            return CaughtUp(position);
        }
    }

    private bool CaughtUp(LivePosition position)
        => position.Delivered + 1 >= _next || (_count > 0 && position.Delivered + 1 >= _ring[_head].Event.Sequence);

    /// <summary>
    /// The memory an event holds here, as measured with a heap dump: its JSON as parsed (UTF-8), about as much again
    /// for the parsed document's index of it, and some 256 bytes of objects (the event, the document, two arrays).
    /// </summary>
    private static int Size(RunEvent runEvent) => (2 * JsonMarshal.GetRawUtf8Value(runEvent.Data).Length) + (2 * runEvent.Event.Length) + EventOverheadBytes;

    private LivePosition Add(long delivered)
    {
        lock (_gate)
        {
            var position = new LivePosition(delivered);
            _positions.Add(position);
            return position;
        }
    }

    private void Grow()
    {
        var larger = new Entry[_ring.Length * 2];
        for (var i = 0; i < _count; i++)
        {
            larger[i] = _ring[(_head + i) % _ring.Length];
        }

        _ring = larger;
        _head = 0;
    }

    private readonly record struct Entry(RunEvent Event, int Size);
}

/// <summary>What a consumer found at its position in <see cref="LiveRunEvents"/>.</summary>
internal enum LiveTake
{
    /// <summary>Its next event, now delivered.</summary>
    Event,

    /// <summary>Nothing yet: wait for the change.</summary>
    Wait,

    /// <summary>Its next event has left the ring: read it from the log.</summary>
    Behind,

    /// <summary>The run has ended and every event has been delivered.</summary>
    Ended,
}

/// <summary>A consumer's place in <see cref="LiveRunEvents"/>: the sequence number of the last event it was given (-1 for none).</summary>
internal sealed class LivePosition(long delivered)
{
    public long Delivered { get; set; } = delivered;
}
