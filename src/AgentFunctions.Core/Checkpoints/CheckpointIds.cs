using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace AgentFunctions.Core.Checkpoints;

/// <summary>
/// Checkpoint ids: UUIDs in the version-7 layout (time-ordered: a Unix millisecond timestamp first),
/// whose last 62 bits carry the checkpoint's sequence number in its thread, so that an id leads
/// straight to its row. Clients treat them as opaque strings, as they do LangGraph's.
/// </summary>
public static class CheckpointIds
{
    private const ulong SequenceMask = 0x3FFF_FFFF_FFFF_FFFFUL;

    public static string Create(long sequence, DateTimeOffset createdAt)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sequence);
        Span<byte> bytes = stackalloc byte[16];
        var milliseconds = (ulong)createdAt.ToUnixTimeMilliseconds();
        BinaryPrimitives.WriteUInt64BigEndian(bytes, milliseconds << 16);

        // Version 7 and 12 bits of the sequence, so ids of one millisecond still sort by sequence.
        BinaryPrimitives.WriteUInt16BigEndian(bytes[6..], (ushort)(0x7000 | ((ulong)sequence & 0x0FFF)));

        // Variant 10, then the sequence.
        BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], 0x8000_0000_0000_0000UL | ((ulong)sequence & SequenceMask));
        return new Guid(bytes, bigEndian: true).ToString("D");
    }

    /// <summary>The sequence number an id carries; false for a string that is not a checkpoint id.</summary>
    public static bool TryGetSequence([NotNullWhen(true)] string? checkpointId, out long sequence)
    {
        sequence = 0;
        if (checkpointId is null || !Guid.TryParseExact(checkpointId, "D", out var guid))
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[16];
        guid.TryWriteBytes(bytes, bigEndian: true, out _);
        if ((bytes[6] >> 4) != 7 || (bytes[8] >> 6) != 0b10)
        {
            return false;
        }

        sequence = (long)(BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]) & SequenceMask);
        return sequence > 0;
    }
}
