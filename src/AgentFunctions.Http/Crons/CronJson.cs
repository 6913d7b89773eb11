using System.Text.Json;
using AgentFunctions.Core.Crons;
using AgentFunctions.Core.Runtime;

namespace AgentFunctions.Http.Crons;

/// <summary>A cron as LangGraph returns it.</summary>
internal static class CronJson
{
    public static IReadOnlyList<string> Fields { get; } =
        ["cron_id", "assistant_id", "thread_id", "on_run_completed", "end_time", "schedule", "timezone", "created_at", "updated_at", "payload", "user_id", "next_run_date", "metadata", "enabled"];

    public static JsonElement Build(CronJob cron) => WireJson.Build(w => Write(w, cron, select: null));

    public static void Write(Utf8JsonWriter w, CronJob cron, IReadOnlySet<string>? select)
    {
        bool Wants(string field) => select is null || select.Contains(field);
        w.WriteStartObject();
        if (Wants("cron_id"))
        {
            w.WriteString("cron_id", cron.CronId);
        }

        if (Wants("assistant_id"))
        {
            w.WriteString("assistant_id", cron.AssistantId);
        }

        if (Wants("thread_id"))
        {
            WriteNullable(w, "thread_id", cron.ThreadId);
        }

        if (Wants("on_run_completed"))
        {
            w.WriteString("on_run_completed", cron.OnRunCompleted);
        }

        if (Wants("end_time"))
        {
            WriteTime(w, "end_time", cron.EndTime);
        }

        if (Wants("schedule"))
        {
            w.WriteString("schedule", cron.Schedule);
        }

        if (Wants("timezone"))
        {
            WriteNullable(w, "timezone", cron.Timezone);
        }

        if (Wants("created_at"))
        {
            w.WriteString("created_at", cron.CreatedAt);
        }

        if (Wants("updated_at"))
        {
            w.WriteString("updated_at", cron.UpdatedAt);
        }

        if (Wants("payload"))
        {
            w.WritePropertyName("payload");
            cron.Payload.WriteTo(w);
        }

        if (Wants("user_id"))
        {
            w.WriteString("user_id", cron.OwnerId);
        }

        if (Wants("next_run_date"))
        {
            WriteTime(w, "next_run_date", cron.Enabled ? cron.NextRunAt : null);
        }

        if (Wants("metadata"))
        {
            w.WritePropertyName("metadata");
            cron.Metadata.WriteTo(w);
        }

        if (Wants("enabled"))
        {
            w.WriteBoolean("enabled", cron.Enabled);
        }

        w.WriteEndObject();
    }

    private static void WriteNullable(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    private static void WriteTime(Utf8JsonWriter w, string name, DateTimeOffset? value)
    {
        if (value is { } time)
        {
            w.WriteString(name, time);
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
