using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace AgentFunctions.Core.Crons;

/// <summary>
/// The run id of one firing: a version 7 UUID (as <see cref="Runs.RunIds"/> makes them) whose time is the firing's
/// and whose other bits come from a hash of the cron id and that time. Every instance that fires the same firing
/// makes the same id, so the run is created once.
/// </summary>
public static class CronRunIds
{
    public static string For(string cronId, DateTimeOffset firing)
    {
        ArgumentNullException.ThrowIfNull(cronId);
        var milliseconds = firing.ToUnixTimeMilliseconds();
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{cronId}|{milliseconds}"));
        Span<byte> bytes = stackalloc byte[16];
        hash.AsSpan(0, 16).CopyTo(bytes);
        var counter = (ulong)BinaryPrimitives.ReadUInt16BigEndian(hash.AsSpan(16)) & 0x0FFFUL;
        BinaryPrimitives.WriteUInt64BigEndian(bytes, ((ulong)milliseconds << 16) | 0x7000UL | counter);
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F));
        return new Guid(bytes, bigEndian: true).ToString("D");
    }
}
