using System.Text.Json;
using AgentFunctions.Core.Messages;
using AgentFunctions.Core.Runs;

namespace AgentFunctions.Core.Runtime;

/// <summary>What a person decided about a tool call that waits for approval: LangGraph's <c>HumanResponse</c> type and args.</summary>
/// <param name="Type"><c>accept</c>, <c>edit</c>, <c>response</c> or <c>ignore</c>.</param>
/// <param name="Args">For <c>edit</c>, the arguments to call the tool with; for <c>response</c>, the text for the model; else nothing.</param>
public sealed record ApprovalDecision(string Type, JsonElement? Args)
{
    public const string Accept = "accept";
    public const string Edit = "edit";
    public const string Response = "response";
    public const string Ignore = "ignore";
}

/// <summary>
/// Tool calls that wait for a person (human in the loop): each pending call is one interrupt, whose id is the tool call's
/// id and whose value is LangGraph's <c>HumanInterrupt</c> (<c>{action_request: {action, args}, config, description}</c>).
/// The interrupts live in the checkpoint's <c>tasks</c>, so any process can resume them with <c>command.resume</c>.
/// </summary>
public static class ToolApprovals
{
    /// <summary>The path of the resume value in a run body.</summary>
    public const string ResumePath = "$.command.resume";

    /// <summary>The key under which an <c>updates</c> event carries the interrupts, as LangGraph streams them.</summary>
    public const string InterruptKey = "__interrupt__";

    /// <summary>The id of the interrupt that waits for <paramref name="call"/>.</summary>
    public static string InterruptId(ToolCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        return call.Id ?? call.Name;
    }

    /// <summary>The ids of the interrupts a checkpoint's <c>tasks</c> hold, in order.</summary>
    public static IReadOnlyList<string> PendingIds(JsonElement tasks) =>
    [
        .. AllInterrupts(tasks)
            .Where(i => i.ValueKind == JsonValueKind.Object && i.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String)
            .Select(i => i.GetProperty("id").GetString()!),
    ];

    /// <summary>Every interrupt of a checkpoint's <c>tasks</c>, as one array (a state snapshot's <c>interrupts</c>).</summary>
    public static void WriteAllInterrupts(Utf8JsonWriter writer, JsonElement tasks)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartArray();
        foreach (var interrupt in AllInterrupts(tasks))
        {
            interrupt.WriteTo(writer);
        }

        writer.WriteEndArray();
    }

    /// <summary>The interrupts of a checkpoint's <c>tasks</c>, task by task.</summary>
    private static IEnumerable<JsonElement> AllInterrupts(JsonElement tasks)
        => tasks.ValueKind != JsonValueKind.Array ? [] : tasks.EnumerateArray()
            .Where(task => task.ValueKind == JsonValueKind.Object && task.TryGetProperty("interrupts", out var interrupts) && interrupts.ValueKind == JsonValueKind.Array)
            .SelectMany(task => task.GetProperty("interrupts").EnumerateArray());

    /// <summary>The interrupts for <paramref name="calls"/>, as a JSON array.</summary>
    public static JsonElement Interrupts(IReadOnlyList<ToolCall> calls) => WireJson.Build(w =>
    {
        ArgumentNullException.ThrowIfNull(calls);
        w.WriteStartArray();
        foreach (var call in calls)
        {
            w.WriteStartObject();
            w.WriteStartObject("value");
            w.WriteStartObject("action_request");
            w.WriteString("action", call.Name);
            w.WritePropertyName("args");
            call.Args.WriteTo(w);
            w.WriteEndObject();
            w.WriteStartObject("config");
            w.WriteBoolean("allow_ignore", true);
            w.WriteBoolean("allow_respond", true);
            w.WriteBoolean("allow_edit", true);
            w.WriteBoolean("allow_accept", true);
            w.WriteEndObject();
            w.WriteString("description", $"The agent wants to call the tool '{call.Name}'. Accept, edit the arguments, answer in its place, or ignore the call.");
            w.WriteEndObject();
            w.WriteString("id", InterruptId(call));
            w.WriteBoolean("resumable", true);
            w.WriteString("when", "during");
            w.WriteEndObject();
        }

        w.WriteEndArray();
    });

    /// <summary>
    /// Reads <c>command.resume</c> against the pending interrupts: one decision (a <c>HumanResponse</c> object, or a list
    /// whose first item is one) when one interrupt is pending, or a map from interrupt id to decision for any number.
    /// </summary>
    /// <exception cref="RunOptionsException">The value does not answer exactly the pending interrupts, or a decision is not valid.</exception>
    public static IReadOnlyDictionary<string, ApprovalDecision> ParseResume(JsonElement resume, IReadOnlyList<string> pendingIds)
    {
        ArgumentNullException.ThrowIfNull(pendingIds);
        var pending = string.Join(", ", pendingIds);
        var decisions = new Dictionary<string, ApprovalDecision>(StringComparer.Ordinal);
        if (resume.ValueKind == JsonValueKind.Array || (resume.ValueKind == JsonValueKind.Object && resume.TryGetProperty("type", out _)))
        {
            if (pendingIds.Count != 1)
            {
                throw new RunOptionsException(ResumePath, $"answers one interrupt, but {pendingIds.Count} are pending ({pending}): send a map from interrupt id to decision");
            }

            decisions[pendingIds[0]] = ParseDecision(resume, ResumePath);
            return decisions;
        }

        if (resume.ValueKind != JsonValueKind.Object)
        {
            throw new RunOptionsException(ResumePath, $"must be a decision ({{\"type\": \"accept\" | \"edit\" | \"response\" | \"ignore\", \"args\": ...}}, or a list of one) or a map from interrupt id to decision; pending: {pending}");
        }

        foreach (var property in resume.EnumerateObject())
        {
            if (!pendingIds.Contains(property.Name, StringComparer.Ordinal))
            {
                throw new RunOptionsException($"{ResumePath}.{property.Name}", $"is not a pending interrupt; pending: {pending}");
            }

            decisions[property.Name] = ParseDecision(property.Value, $"{ResumePath}.{property.Name}");
        }

        var missing = pendingIds.Where(id => !decisions.ContainsKey(id)).ToList();
        if (missing.Count > 0)
        {
            throw new RunOptionsException(ResumePath, $"must answer every pending interrupt; missing: {string.Join(", ", missing)}");
        }

        return decisions;
    }

    private static ApprovalDecision ParseDecision(JsonElement value, string path)
    {
        if (value.ValueKind == JsonValueKind.Array)
        {
            if (value.GetArrayLength() != 1)
            {
                throw new RunOptionsException(path, "must be a list of one decision");
            }

            value = value[0];
            path += "[0]";
        }

        if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
        {
            throw new RunOptionsException(path, "must be a decision: {\"type\": \"accept\" | \"edit\" | \"response\" | \"ignore\", \"args\": ...}");
        }

        var args = value.TryGetProperty("args", out var a) && a.ValueKind != JsonValueKind.Null ? a : (JsonElement?)null;
        switch (type.GetString())
        {
            case ApprovalDecision.Accept:
                return new ApprovalDecision(ApprovalDecision.Accept, null);
            case ApprovalDecision.Ignore:
                return new ApprovalDecision(ApprovalDecision.Ignore, null);
            case ApprovalDecision.Response:
                return args is { ValueKind: JsonValueKind.String }
                    ? new ApprovalDecision(ApprovalDecision.Response, args)
                    : throw new RunOptionsException(path + ".args", "must be the text to give the model as the tool's result");
            case ApprovalDecision.Edit:
                // LangGraph's edit carries an ActionRequest {action, args}; plain arguments are taken too.
                var edited = args is { ValueKind: JsonValueKind.Object } request && request.TryGetProperty("args", out var inner) ? inner : args;
                return edited is { ValueKind: JsonValueKind.Object }
                    ? new ApprovalDecision(ApprovalDecision.Edit, edited)
                    : throw new RunOptionsException(path + ".args", "must be the edited call: {\"action\": name, \"args\": {...}}");
            default:
                throw new RunOptionsException(path + ".type", "must be one of accept, edit, response, ignore");
        }
    }
}
