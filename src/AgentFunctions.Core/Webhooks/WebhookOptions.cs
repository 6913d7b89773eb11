namespace AgentFunctions.Core.Webhooks;

/// <summary>The <c>Webhooks</c> section: where runs' webhooks may point, and how deliveries are retried.</summary>
public sealed class WebhookOptions
{
    public const string SectionName = "Webhooks";

    /// <summary>
    /// Whether a webhook may point at a loopback, private, link-local or otherwise internal address. Off by default:
    /// such a URL is refused when the run is created (422), and a name that resolves to one is refused again when the
    /// delivery connects, so that a caller cannot make the server reach into its own network. <c>eng/run.sh</c> turns it
    /// on for a local server.
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>How many times a delivery is tried before it is given up (logged and counted).</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>The wait before the second attempt; each later wait doubles it.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one attempt may take.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The wait before attempt <paramref name="attempt"/> (2 or more): <see cref="FirstRetryDelay"/> doubled per attempt, at most a day.</summary>
    public TimeSpan RetryDelay(int attempt)
        => TimeSpan.FromTicks((long)Math.Min(TimeSpan.FromDays(1).Ticks, FirstRetryDelay.Ticks * Math.Pow(2, Math.Max(0, attempt - 2))));

    /// <summary>Why the settings cannot be used, one sentence per bad setting; empty when they can.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (MaxAttempts is < 1 or > 20)
        {
            problems.Add($"{SectionName}:MaxAttempts must be from 1 to 20, not {MaxAttempts}.");
        }

        if (FirstRetryDelay <= TimeSpan.Zero)
        {
            problems.Add($"{SectionName}:FirstRetryDelay must be longer than zero.");
        }

        if (Timeout <= TimeSpan.Zero)
        {
            problems.Add($"{SectionName}:Timeout must be longer than zero.");
        }

        return problems;
    }
}
