using System.Diagnostics.CodeAnalysis;
using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Stores;
using AgentFunctions.Storage.Owners;

namespace AgentFunctions.Storage.Runs;

/// <summary>
/// The keys of the runs table. A thread's partition is <c>{owner key}|{thread id}</c> and holds:
/// <list type="bullet">
/// <item><c>r{complemented run id}</c>: one row per run. Every hex digit of the run id is replaced by
/// its complement (<c>0</c>↔<c>f</c>, <c>1</c>↔<c>e</c>…), which reverses the order of the time-ordered
/// ids (<see cref="RunIds"/>), so the service's natural order is newest first and a run id still leads
/// straight to its row.</item>
/// <item><c>q{partition}</c>: the thread's active runs, in the order they run (<see cref="RunQueueEntity"/>). The key
/// names its partition so that no two threads share it: the emulator finds a row by its row key first and then looks
/// through every row of the table with that key, so a key every thread had would cost more the more threads the table
/// holds. A table written before this layout (<see cref="Stores.TableFormat"/>) keeps <c>queue</c>.</item>
/// </list>
/// </summary>
internal static class RunKeys
{
    /// <summary>The table's marker (<see cref="Stores.TableFormat"/>): its queue rows are keyed by <see cref="Queue"/>.</summary>
    public const string QueuePerThread = "queues";

    /// <summary>The queue row's key in a table written before <see cref="QueuePerThread"/>.</summary>
    public const string LegacyQueue = "queue";

    /// <summary>The key of the thread's queue row in <paramref name="partition"/>.</summary>
    public static string Queue(string partition) => "q" + partition;

    /// <summary>The first key of the run rows' range, inclusive.</summary>
    public const string RunsFrom = "r";

    /// <summary>The end of the run rows' range, exclusive.</summary>
    public const string RunsTo = "s";

    private const char RunPrefix = 'r';
    private const string HexDigits = "0123456789abcdef";

    /// <summary>The partition of a thread's runs; the owner and thread id are checked here.</summary>
    /// <exception cref="ArgumentException">The owner or thread id is not valid.</exception>
    public static string Partition(string ownerId, string threadId)
        => OwnerKey.ToPartitionKey(ownerId) + "|" + ResourceIds.Validate(threadId, "thread");

    /// <summary>
    /// The row key of a run id, or false when no run can have that id (it is a valid resource id but
    /// not one that <see cref="RunIds.New"/> makes).
    /// </summary>
    /// <exception cref="InvalidResourceIdException">The id is not a valid resource id at all.</exception>
    public static bool TryGetRow(string runId, [NotNullWhen(true)] out string? rowKey)
    {
        ResourceIds.Validate(runId, "run");
        if (!RunIds.IsValid(runId))
        {
            rowKey = null;
            return false;
        }

        rowKey = Complement(runId, RunPrefix.ToString());
        return true;
    }

    /// <summary>The row key of the id of a new run.</summary>
    /// <exception cref="ArgumentException">The id is not one that <see cref="RunIds.New"/> makes.</exception>
    public static string Row(string runId)
        => TryGetRow(runId, out var rowKey)
            ? rowKey
            : throw new ArgumentException($"'{runId}' is not a run id made by RunIds.New (a lowercase UUID of version 7).", nameof(runId));

    /// <summary>The run id of a run row's key.</summary>
    /// <exception cref="FormatException">The key is not a run row's key.</exception>
    public static string RunIdOf(string rowKey)
        => rowKey.Length == 37 && rowKey[0] == RunPrefix
            ? Complement(rowKey.AsSpan(1), string.Empty)
            : throw new FormatException($"'{rowKey}' is not the key of a run row.");

    private static string Complement(ReadOnlySpan<char> text, string prefix)
    {
        var result = new char[prefix.Length + text.Length];
        prefix.CopyTo(result);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var digit = HexDigits.IndexOf(c, StringComparison.Ordinal);
            result[prefix.Length + i] = c == '-' ? '-'
                : digit >= 0 ? HexDigits[15 - digit]
                : throw new FormatException($"'{c}' is not a lowercase hex digit.");
        }

        return new string(result);
    }
}
