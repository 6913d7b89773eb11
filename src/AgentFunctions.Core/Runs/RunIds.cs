using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace AgentFunctions.Core.Runs;

/// <summary>
/// Run ids: UUIDs of version 7 (RFC 9562), lowercase, as LangGraph makes them. They are time-ordered:
/// a Unix millisecond timestamp first, then a counter, so the ids one process makes sort in the order
/// they were made, even within one millisecond (unless its clock went back by more than ten seconds);
/// ids from different processes sort by their clocks.
/// The run store relies on this order to list a thread's runs newest first.
/// </summary>
public static class RunIds
{
    private const int CounterBits = 12;
    private const int MaxCounter = (1 << CounterBits) - 1;

    // A clock that goes back a little (another clock, an adjustment) keeps the order; one that goes back
    // further (a test's clock, a reset) is followed, so that no later id takes its time from a stray clock.
    private const long MaxClockStepBackMilliseconds = 10_000;

    private static readonly Lock Gate = new();
    private static long _lastMilliseconds = -1;
    private static int _counter;

    /// <summary>A new run id, its time taken from <paramref name="timeProvider"/> (the system clock by default).</summary>
    public static string New(TimeProvider? timeProvider = null)
    {
        var milliseconds = (timeProvider ?? TimeProvider.System).GetUtcNow().ToUnixTimeMilliseconds();
        int counter;
        lock (Gate)
        {
            if (milliseconds > _lastMilliseconds || milliseconds < _lastMilliseconds - MaxClockStepBackMilliseconds)
            {
                _lastMilliseconds = milliseconds;
                _counter = 0;
            }
            else if (_counter < MaxCounter)
            {
                _counter++;
            }
            else
            {
                // 4,096 ids in one millisecond (or a clock that went back a little): borrow the next millisecond.
                _lastMilliseconds++;
                _counter = 0;
            }

            milliseconds = _lastMilliseconds;
            counter = _counter;
        }

        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes[8..]);
        BinaryPrimitives.WriteUInt64BigEndian(bytes, ((ulong)milliseconds << 16) | 0x7000UL | (uint)counter);
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F));
        return new Guid(bytes, bigEndian: true).ToString("D");
    }

    /// <summary>Whether <paramref name="runId"/> is a run id as <see cref="New"/> makes them: a lowercase, hyphenated UUID of version 7.</summary>
    public static bool IsValid([NotNullWhen(true)] string? runId)
    {
        if (runId is not { Length: 36 } || !Guid.TryParseExact(runId, "D", out var guid) || !string.Equals(guid.ToString("D"), runId, StringComparison.Ordinal))
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[16];
        guid.TryWriteBytes(bytes, bigEndian: true, out _);
        return (bytes[6] >> 4) == 7 && (bytes[8] >> 6) == 0b10;
    }
}
