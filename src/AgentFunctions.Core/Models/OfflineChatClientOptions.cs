namespace AgentFunctions.Core.Models;

/// <summary>Settings of the <see cref="OfflineChatClient"/>.</summary>
public sealed class OfflineChatClientOptions
{
    public const string SectionName = "OfflineModel";

    /// <summary>Words in a lorem-ipsum reply when the message has no <c>tokens=N</c> directive.</summary>
    public int DefaultTokens { get; set; } = 200;

    /// <summary>The most words a reply may have; larger <c>tokens=N</c> values are capped to it.</summary>
    public int MaxTokens { get; set; } = 10_000;

    /// <summary>The longest per-token delay; larger <c>delay_ms=N</c> values are capped to it.</summary>
    public int MaxDelayMilliseconds { get; set; } = 10_000;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxTokens, 1, nameof(MaxTokens));
        ArgumentOutOfRangeException.ThrowIfLessThan(DefaultTokens, 1, nameof(DefaultTokens));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(DefaultTokens, MaxTokens, nameof(DefaultTokens));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxDelayMilliseconds, nameof(MaxDelayMilliseconds));
    }
}
