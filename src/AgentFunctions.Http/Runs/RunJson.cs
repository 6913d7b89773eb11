using System.Text.Json;
using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Runtime;

namespace AgentFunctions.Http.Runs;

/// <summary>The JSON the runs routes answer with, in LangGraph's snake_case shapes.</summary>
public static class RunJson
{
    /// <summary>A run: <c>{run_id, thread_id, assistant_id, created_at, updated_at, status, metadata, kwargs, multitask_strategy}</c>.</summary>
    public static JsonElement Run(AgentRun run) => WireJson.Build(w => Write(w, run));

    /// <summary>A failed run's answer to <c>wait</c> and <c>join</c>, as LangGraph gives it: <c>{"__error__": {error, message}}</c>.</summary>
    public static JsonElement Error(string error, string message) => WireJson.Build(w =>
    {
        w.WriteStartObject();
        w.WriteStartObject("__error__");
        w.WriteString("error", error);
        w.WriteString("message", message);
        w.WriteEndObject();
        w.WriteEndObject();
    });

    /// <summary>The same, with the data of a run's <c>error</c> event.</summary>
    public static JsonElement Error(JsonElement errorEvent) => WireJson.Build(w =>
    {
        w.WriteStartObject();
        w.WritePropertyName("__error__");
        errorEvent.WriteTo(w);
        w.WriteEndObject();
    });

    /// <summary>The wire name of a run status: pending, running, success, error, timeout, interrupted.</summary>
    public static string ToWireName(this RunStatus status) => status switch
    {
        RunStatus.Pending => "pending",
        RunStatus.Running => "running",
        RunStatus.Success => "success",
        RunStatus.Error => "error",
        RunStatus.Timeout => "timeout",
        RunStatus.Interrupted => "interrupted",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Not a run status."),
    };

    /// <summary>The status a wire name stands for.</summary>
    public static bool TryParseStatus(string? name, out RunStatus status)
    {
        foreach (var candidate in Enum.GetValues<RunStatus>())
        {
            if (candidate.ToWireName() == name)
            {
                status = candidate;
                return true;
            }
        }

        status = default;
        return false;
    }

    /// <summary>Writes a run (the items of a runs list).</summary>
    internal static void Write(Utf8JsonWriter w, AgentRun run)
    {
        w.WriteStartObject();
        w.WriteString("run_id", run.RunId);
        w.WriteString("thread_id", run.ThreadId);
        w.WriteString("assistant_id", run.AssistantId);
        w.WriteString("created_at", run.CreatedAt);
        w.WriteString("updated_at", run.UpdatedAt);
        w.WriteString("status", run.Status.ToWireName());
        w.WritePropertyName("metadata");
        run.Metadata.WriteTo(w);
        w.WritePropertyName("kwargs");
        run.Kwargs.WriteTo(w);
        w.WriteString("multitask_strategy", run.MultitaskStrategy.ToString().ToLowerInvariant());
        w.WriteEndObject();
    }
}
