using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace AgentFunctions.Core.Threads;

/// <summary>What a thread is doing, as LangGraph reports it.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ThreadStatus>))]
public enum ThreadStatus
{
    /// <summary>No run is active; the thread accepts a new run.</summary>
    [JsonStringEnumMemberName("idle")]
    Idle,

    /// <summary>A run is active.</summary>
    [JsonStringEnumMemberName("busy")]
    Busy,

    /// <summary>The last run stopped at an interrupt and waits to be resumed.</summary>
    [JsonStringEnumMemberName("interrupted")]
    Interrupted,

    /// <summary>The last run failed.</summary>
    [JsonStringEnumMemberName("error")]
    Error,
}

/// <summary>The wire names of <see cref="ThreadStatus"/>: <c>idle</c>, <c>busy</c>, <c>interrupted</c>, <c>error</c>.</summary>
public static class ThreadStatusNames
{
    public const string Idle = "idle";
    public const string Busy = "busy";
    public const string Interrupted = "interrupted";
    public const string Error = "error";

    /// <summary>The wire name of <paramref name="status"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="status"/> is not a defined value.</exception>
    public static string ToWireName(this ThreadStatus status) => status switch
    {
        ThreadStatus.Idle => Idle,
        ThreadStatus.Busy => Busy,
        ThreadStatus.Interrupted => Interrupted,
        ThreadStatus.Error => Error,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Not a thread status."),
    };

    /// <summary>The status a wire name stands for (case-sensitive, as LangGraph sends it).</summary>
    public static bool TryParse([NotNullWhen(true)] string? name, out ThreadStatus status)
    {
        (var known, status) = name switch
        {
            Idle => (true, ThreadStatus.Idle),
            Busy => (true, ThreadStatus.Busy),
            Interrupted => (true, ThreadStatus.Interrupted),
            Error => (true, ThreadStatus.Error),
            _ => (false, default),
        };
        return known;
    }
}
