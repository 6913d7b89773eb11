namespace AgentFunctions.Core.Crons;

/// <summary>The <c>Crons</c> section: whether this host fires due crons, and how often it looks.</summary>
public sealed class CronOptions
{
    public const string SectionName = "Crons";

    /// <summary>Whether this host fires due crons (the API to manage them is there either way).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often the server looks for due crons (the Functions app's timer looks every minute).</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a new thread of a cron's run is kept after the run is created, unless the cron keeps its threads.</summary>
    public TimeSpan ThreadGrace { get; set; } = TimeSpan.FromHours(1);
}
