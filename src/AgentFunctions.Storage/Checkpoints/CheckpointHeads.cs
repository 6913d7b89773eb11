using System.Collections.Concurrent;

namespace AgentFunctions.Storage.Checkpoints;

/// <summary>
/// The latest checkpoint row of each thread as this process last wrote or read it, so that a thread's next
/// write (a run's next step) does not read it again. A write from a remembered head is checked by the service,
/// not trusted: its transaction adds the next sequence's row and touches the head row on the head's ETag, so a
/// head that moved or was replaced elsewhere (another process's write, a rollback) fails it whole, and the write
/// is made again from a fresh read.
/// </summary>
/// <remarks>
/// A thread read as empty has no row to hold an ETag on: that answer is kept only for <see cref="EmptyFor"/>, the
/// time between a run's read of its thread's state and its first write, during which the run holds the thread.
/// The map forgets everything when it reaches <see cref="Capacity"/> threads: a forgotten head costs one read.
/// </remarks>
internal sealed class CheckpointHeads(TimeProvider time)
{
    public const int Capacity = 4096;

    public static readonly TimeSpan EmptyFor = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, Entry> _heads = new(StringComparer.Ordinal);

    /// <summary>The remembered head of <paramref name="partition"/> (null: the thread was empty moments ago); false when there is none to use.</summary>
    public bool TryGet(string partition, out CheckpointRow? head)
    {
        head = null;
        if (!_heads.TryGetValue(partition, out var entry))
        {
            return false;
        }

        if (entry.Head is null && time.GetElapsedTime(entry.At) > EmptyFor)
        {
            _heads.TryRemove(new KeyValuePair<string, Entry>(partition, entry));
            return false;
        }

        head = entry.Head;
        return true;
    }

    /// <summary>Remembers <paramref name="head"/> (read or just written); a row without an ETag cannot be written from, so it is forgotten instead.</summary>
    public void Set(string partition, CheckpointRow? head)
    {
        if (head is not null && head.ETag == default)
        {
            Forget(partition);
            return;
        }

        if (_heads.Count >= Capacity)
        {
            _heads.Clear();
        }

        _heads[partition] = new Entry(head, time.GetTimestamp());
    }

    public void Forget(string partition) => _heads.TryRemove(partition, out _);

    private sealed record Entry(CheckpointRow? Head, long At);
}
