using Cronos;

namespace AgentFunctions.Core.Crons;

/// <summary>A five-field cron schedule (Cronos), read in UTC or an IANA time zone.</summary>
public sealed class CronSchedule
{
    private readonly CronExpression _expression;
    private readonly TimeZoneInfo _zone;

    private CronSchedule(CronExpression expression, TimeZoneInfo zone)
    {
        _expression = expression;
        _zone = zone;
    }

    /// <summary>Parses <paramref name="schedule"/>; null with <paramref name="problem"/> saying why when it is not valid.</summary>
    public static CronSchedule? TryParse(string? schedule, string? timezone, out string? problem)
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(schedule))
        {
            problem = "must be a five-field cron expression, such as '*/5 * * * *'";
            return null;
        }

        TimeZoneInfo zone = TimeZoneInfo.Utc;
        if (timezone is { Length: > 0 } && !TimeZoneInfo.TryFindSystemTimeZoneById(timezone, out zone!))
        {
            problem = $"names no time zone this server knows ('{timezone}')";
            return null;
        }

        try
        {
            return new CronSchedule(CronExpression.Parse(schedule.Trim(), CronFormat.Standard), zone);
        }
        catch (CronFormatException e)
        {
            problem = $"is not a five-field cron expression (minute hour day-of-month month day-of-week): {e.Message}";
            return null;
        }
    }

    /// <summary>The first occurrence after <paramref name="after"/> (exclusive), or null when there is none.</summary>
    public DateTimeOffset? NextAfter(DateTimeOffset after)
        => _expression.GetNextOccurrence(after, _zone, inclusive: false);
}
